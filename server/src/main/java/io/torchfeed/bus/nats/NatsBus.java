package io.torchfeed.bus.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import io.torchfeed.event.Event;
import io.torchfeed.metrics.Metrics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's link to the bus (docs/bus.md): publishes its catalog notices and its clients' receipts, and hands
 * the other replicas' to a listener. Best effort by design: the bucket holds the truth and polling covers whatever
 * the bus loses, so nothing here blocks or throws for long because the bus is down.
 *
 * <ul>
 *   <li><b>Connection.</b> {@link #start} returns at once; the NATS client connects in the background and
 *   reconnects forever, waiting {@link #BACKOFF_FIRST} doubling to {@link #BACKOFF_MAX} between rounds through the
 *   servers. Its name, {@code torchfeed <replica> (cluster <cluster>)}, shows in the server's connection list.
 *   {@link #health()} tells where it is; state changes and new errors are logged, one line each.</li>
 *   <li><b>Set-up</b>, on each (re)connect, on a thread of the link's: the stream is created when missing
 *   ({@link FleetStream}); the first time, an ordered consumer of the stream starts after its last message (the
 *   bucket's snapshot covers the past).</li>
 *   <li><b>Out.</b> {@link #publishNotice} and {@link #publishReceipt} return at once ({@link Outbox}): while not
 *   connected a message is dropped and counted, never buffered for later.</li>
 *   <li><b>In.</b> The ordered consumer delivers every message of the stream in order on one NATS dispatcher
 *   thread; {@link Inbox} skips this replica's own and hands the rest to the listener, which must not block. After
 *   a reconnect the NATS client re-creates the consumer from the stream sequence after the last one it delivered
 *   (when its idle heartbeats, every {@link #HEARTBEAT}, stop for three periods), so what the other replicas
 *   published meanwhile is delivered then. If the stream itself was replaced (a NATS server that lost its store),
 *   the consumer starts over at the new stream's first message.</li>
 * </ul>
 */
public final class NatsBus implements AutoCloseable {
  static final Duration BACKOFF_FIRST = Duration.ofMillis(100);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(2);
  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration PING_INTERVAL = Duration.ofSeconds(5);
  private static final Duration SET_UP_RETRY = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  /**
   * What a link needs.
   *
   * @param location where the NATS cluster is
   * @param cluster  the name of this cluster of replicas ({@link Subjects}): replicas hear each other only within it
   * @param replica  this replica's id, unique in the cluster ({@link BusMessageFormat#replica})
   */
  public record Settings(BusLocation location, String cluster, String replica) {
    public Settings {
      Objects.requireNonNull(location, "location");
      new Subjects(cluster);
      BusMessageFormat.replica(replica);
    }
  }

  private final Settings settings;
  private final Subjects subjects;
  private final FleetStream stream;
  private final LinkState state;
  private final Outbox outbox;
  private final Inbox inbox;
  private final ScheduledExecutorService setUps;
  private final CompletableFuture<Connection> connection = new CompletableFuture<>();
  private volatile boolean closed;
  // confined to the set-up thread
  private Dispatcher dispatcher;
  private JetStreamSubscription subscription;
  private ZonedDateTime streamCreated;

  private NatsBus(Settings settings, Metrics metrics, java.util.function.Consumer<? super BusMessage> listener) {
    this.settings = settings;
    this.subjects = new Subjects(settings.cluster());
    this.stream = new FleetStream(subjects);
    this.state = new LinkState(settings.location(), Clock.systemUTC());
    BusCounters counters = new BusCounters(metrics);
    this.outbox = new Outbox(settings.replica(), subjects, counters, state);
    this.inbox = new Inbox(settings.replica(), subjects, listener, counters);
    this.setUps = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "torchfeed-bus");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Starts the link and returns at once: it connects in the background, whether or not a server answers now.
   *
   * @param listener hears every message of the other replicas, in stream order, on a NATS thread; must not block
   */
  public static NatsBus start(Settings settings, Metrics metrics,
      java.util.function.Consumer<? super BusMessage> listener) {
    NatsBus bus = new NatsBus(settings, metrics, listener);
    Events events = bus.new Events();
    Options options = new Options.Builder()
        .servers(settings.location().urls().toArray(String[]::new))
        .connectionName("torchfeed " + settings.replica() + " (cluster " + settings.cluster() + ")")
        .maxReconnects(-1)
        .reconnectDelayHandler(new ReconnectBackoff(BACKOFF_FIRST, BACKOFF_MAX))
        .reconnectBufferSize(0)
        .discardMessagesWhenOutgoingQueueFull()
        .connectionTimeout(CONNECT_TIMEOUT)
        .pingInterval(PING_INTERVAL)
        .maxPingsOut(2)
        .connectionListener(events)
        .errorListener(events)
        .build();
    try {
      Nats.connectAsynchronously(options, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      bus.close();
      throw new IllegalStateException("interrupted while starting the bus link", e);
    }
    log.info("bus: replica {} of cluster {} joining {}", settings.replica(), settings.cluster(),
        settings.location());
    return bus;
  }

  /**
   * Announces a catalog change of this replica: {@link Event.Published}, {@link Event.Removed} or
   * {@link Event.AliasChanged}. Returns at once and never throws because of the bus (a receipt or an unknown event
   * is the caller's mistake: {@link IllegalArgumentException}).
   */
  public void publishNotice(Event event) {
    outbox.publish(Subjects.NOTICE, BusMessageFormat.notice(event));
  }

  /** Shares a receipt a client of this replica sent, with what {@code /v1/clients} shows of the client. */
  public void publishReceipt(Event.Receipt receipt, String at, BusMessage.Client client) {
    outbox.publish(Subjects.RECEIPT, BusMessageFormat.receipt(receipt, at, client));
  }

  public BusHealth health() {
    return state.health();
  }

  public Settings settings() {
    return settings;
  }

  /** Closes the connection (waiting a little for the first attempt when none was made yet). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    outbox.connected(null);
    setUps.shutdownNow();
    Connection conn;
    try {
      conn = connection.get(CONNECT_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      conn = null; // its first event will close it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      conn = null;
    }
    if (conn != null) {
      closeQuietly(conn);
    }
    state.closed();
  }

  private void setUp() {
    Connection conn = connection.getNow(null);
    if (closed || conn == null || conn.getStatus() != Connection.Status.CONNECTED) {
      return; // the next (re)connect sets up again
    }
    try {
      StreamInfo info = stream.ensure(conn.jetStreamManagement());
      JetStream js = conn.jetStream();
      if (subscription == null || !info.getCreateTime().equals(streamCreated)) {
        subscribe(conn, js, info);
      }
      outbox.connected(js);
      state.listening();
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      state.error("setting up stream " + subjects.stream() + ": " + e);
      if (!closed) {
        setUps.schedule(this::setUp, SET_UP_RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void subscribe(Connection conn, JetStream js, StreamInfo info) throws IOException, JetStreamApiException {
    long start;
    if (subscription == null) {
      start = info.getStreamState().getLastSequence() + 1;
    } else {
      log.warn("bus: stream {} was replaced (created {}, was {}); reading it from its first message",
          subjects.stream(), info.getCreateTime(), streamCreated);
      dispatcher.unsubscribe(subscription);
      start = Math.max(1, info.getStreamState().getFirstSequence());
    }
    if (dispatcher == null) {
      dispatcher = conn.createDispatcher();
    }
    ConsumerConfiguration consumer = ConsumerConfiguration.builder()
        .deliverPolicy(DeliverPolicy.ByStartSequence)
        .startSequence(start)
        .idleHeartbeat(HEARTBEAT)
        .build();
    subscription = js.subscribe(subjects.all(), dispatcher, inbox, false,
        PushSubscribeOptions.builder().stream(subjects.stream()).ordered(true).configuration(consumer).build());
    streamCreated = info.getCreateTime();
  }

  private static void closeQuietly(Connection conn) {
    try {
      conn.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("bus: closing the connection: {}", e.toString());
    }
  }

  /** The NATS client's connection events and errors. */
  private final class Events implements ConnectionListener, ErrorListener {
    @Override
    @SuppressWarnings("deprecation")
    public void connectionEvent(Connection conn, ConnectionListener.Events type) {
      connectionEvent(conn, type, null, "");
    }

    @Override
    public void connectionEvent(Connection conn, ConnectionListener.Events type, Long time, String server) {
      connection.complete(conn);
      if (closed) {
        if (type != ConnectionListener.Events.CLOSED && conn.getStatus() != Connection.Status.CLOSED) {
          Thread closer = new Thread(() -> closeQuietly(conn), "torchfeed-bus-close");
          closer.setDaemon(true);
          closer.start();
        }
        return;
      }
      state.event(type, server);
      if (type == ConnectionListener.Events.CONNECTED || type == ConnectionListener.Events.RECONNECTED) {
        try {
          setUps.execute(NatsBus.this::setUp);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closed meanwhile
        }
      }
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
      state.error("server error: " + error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      state.error(exp.toString());
    }

    @Override
    public void messageDiscarded(Connection conn, io.nats.client.Message message) {
      state.error("the client's outgoing queue is full: a message on " + message.getSubject() + " was discarded");
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
      state.error("slow consumer: the listener does not keep up with the bus");
    }
  }
}
