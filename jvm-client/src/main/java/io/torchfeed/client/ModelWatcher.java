package io.torchfeed.client;

import io.torchfeed.event.Event;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.protocol.SubscribeRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Follows the latest version of some models (docs/protocol.md 5.7-5.9): subscribes, and for every version
 * published fetches it into a private file in RAM ({@link ScratchFile}, sha256 checked), hands that to a
 * {@link Loader}, deletes it when the loader returns, and sends the server a receipt: loaded when the loader
 * returns, failed with the exception's message when it throws.
 *
 * <pre>{@code
 * ModelWatcher watcher = new ModelWatcher(
 *     () -> TorchfeedClient.connect(address, Duration.ofSeconds(10), Duration.ofSeconds(60), "2.1.0"),
 *     List.of("toynet"), (manifest, file) -> swapIn(loadModule(file)));
 * watcher.start();   // or run() on a thread of your own
 * ...
 * watcher.close();
 * }</pre>
 *
 * <ul>
 *   <li>On connecting it subscribes, then (with {@link #loadCurrent(boolean)}, the default) loads the latest
 *       version of each subscribed model it has not loaded yet: a program gets its models at start.
 *   <li>A {@code published} notice for a version older than the one loaded is ignored, as is one for exactly the
 *       bytes loaded. A {@code removed} notice for the loaded version loads the model's new latest (a rollback).
 *   <li>If the connection fails, it reconnects (1 s, doubling to 30 s), subscribes again, and loads whatever
 *       changed in the meantime. A subscribed connection the server ends with a fatal ERROR UNAVAILABLE (it is
 *       shutting down, or dropped this subscriber as too slow) is reconnected at once. Given several replicas
 *       ({@link #ModelWatcher(Replicas, List, Loader)}, or a connector whose clients come from
 *       {@link Replicas#connect()}), it reconnects to the next one in the list: the one that failed is tried last.
 *   <li>With no notice for a minute it resends SUBSCRIBE, so a server that vanished is noticed.
 *   <li>With a connector whose clients have a trust key, a version whose manifest is not signed by it is not
 *       loaded: a failed receipt names the reason, and the version loaded before stays loaded.
 *   <li>So is a version whose bytes are not those of its manifest (a bad chunk, or a whole file whose sha256
 *       differs): a failed receipt with the one line naming it, on the same connection; it is not fetched again
 *       until it is published again or the watcher reconnects.
 * </ul>
 *
 * <p>Everything runs on the thread that calls {@link #run()}, loader and listener included. Not reusable.
 */
public final class ModelWatcher implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration MAX_DELAY = Duration.ofSeconds(30);
  private static final int MAX_REASON = 1000;

  /** Loads a fetched version: returns normally when it is loaded, throws when it could not be. */
  @FunctionalInterface
  public interface Loader {
    /**
     * @param manifest the version's manifest
     * @param file     the whole file, its sha256 checked, private to this user; deleted when this returns
     * @throws Exception to report the version as failed, with the exception's message as the reason
     */
    void load(Manifest manifest, Path file) throws Exception;
  }

  /** Hears what the watcher does, on its thread; every method does nothing by default. */
  public interface Listener {
    /** Connected and subscribed; {@code names} empty = every model. */
    default void subscribed(List<String> names) {}

    /** A notice arrived (before the watcher acts on it). */
    default void notice(Event event) {}

    /** The loader loaded this version and the receipt was sent. */
    default void loaded(Manifest manifest) {}

    /** This version could not be fetched or loaded; a failed receipt was sent when {@code receiptSent}. */
    default void failed(ModelId id, String reason, boolean receiptSent) {}

    /** The connection failed; the watcher reconnects after {@code retryIn}. */
    default void disconnected(ClientException cause, Duration retryIn) {}
  }

  private final Supplier<TorchfeedClient> connector;
  private final List<String> models;
  private final Loader loader;
  private final Map<String, Manifest> loaded = new ConcurrentHashMap<>();
  private Listener listener = new Listener() {};
  private boolean loadCurrent = true;
  private Duration reconnectDelay = Duration.ofSeconds(1);
  private Duration pingInterval = Duration.ofSeconds(60);
  private volatile boolean closed;
  private volatile TorchfeedClient current;

  /**
   * @param connector opens a connection (called again to reconnect), e.g. {@code () -> TorchfeedClient
   *                  .connect(address, connectTimeout, readTimeout, libtorchVersion)}
   * @param models    the model names to follow; empty = every model
   * @param loader    loads each version
   * @throws io.torchfeed.model.InvalidRequestException when a name is not a model name
   */
  public ModelWatcher(Supplier<TorchfeedClient> connector, List<String> models, Loader loader) {
    this.connector = Objects.requireNonNull(connector, "connector");
    this.models = new SubscribeRequest(models).subscription();
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  /**
   * Follows models on these replicas: subscribed to one (picked at random, or the first with {@link
   * Replicas#inOrder}), then to the next when its connection drops; downloads fail over as {@link Replicas} says.
   *
   * @param replicas the servers and how to connect to them (timeouts, LibTorch version, trust key)
   */
  public ModelWatcher(Replicas replicas, List<String> models, Loader loader) {
    this(replicas::connect, models, loader);
  }

  /** {@link #ModelWatcher(Replicas, List, Loader)} on these servers with the default settings. */
  public ModelWatcher(List<ServerAddress> servers, List<String> models, Loader loader) {
    this(Replicas.of(servers), models, loader);
  }

  public ModelWatcher listener(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /** Whether to load the latest version of every subscribed model on connecting (default true). */
  public ModelWatcher loadCurrent(boolean loadCurrent) {
    this.loadCurrent = loadCurrent;
    return this;
  }

  /** The first delay before reconnecting (default 1 s; it doubles up to 30 s). */
  public ModelWatcher reconnectDelay(Duration delay) {
    this.reconnectDelay = delay;
    return this;
  }

  /** Resend SUBSCRIBE after this long without a notice, to check that the server is there (default 60 s). */
  public ModelWatcher pingInterval(Duration interval) {
    this.pingInterval = interval;
    return this;
  }

  /** The manifest of the version last loaded, per model name. */
  public Map<String, Manifest> loaded() {
    return Map.copyOf(loaded);
  }

  /** Runs {@link #run()} on a new daemon thread named {@code torchfeed-watcher}. */
  public Thread start() {
    Thread thread = new Thread(this::run, "torchfeed-watcher");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Watches until {@link #close()} or until the thread is interrupted; connection failures are retried.
   *
   * @throws RemoteException when the server refuses the subscription or another request (not fatal errors):
   *     retrying would not help
   */
  public void run() {
    Duration delay = reconnectDelay;
    while (!stopped()) {
      boolean subscribed = false;
      TorchfeedClient client = null;
      try {
        client = connector.get();
        current = client;
        if (closed) {
          return;
        }
        Subscription subscription = client.subscribe(models);
        subscribed = true;
        delay = reconnectDelay;
        listener.subscribed(subscription.names());
        catchUp(client, subscription);
        follow(client, subscription);
      } catch (ClientException e) {
        if (stopped()) {
          return;
        }
        if (e instanceof RemoteException remote && !remote.fatal()) {
          throw remote;
        }
        if (client != null) {  // the next connection starts at the next replica
          client.replicas().failed(client.address());
        }
        if (subscribed && goingAway(e)) {
          listener.disconnected(e, Duration.ZERO);
          continue;
        }
        listener.disconnected(e, delay);
        if (!sleep(delay)) {
          return;
        }
        delay = delay.multipliedBy(2).compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay.multipliedBy(2);
      } finally {
        current = null;
        if (client != null) {
          client.close();
        }
      }
    }
  }

  /** Stops {@link #run()}: closes the connection, which ends any wait. */
  @Override
  public void close() {
    closed = true;
    TorchfeedClient client = current;
    if (client != null) {
      client.close();
    }
  }

  /**
   * A fatal ERROR UNAVAILABLE: the server is shutting down (or dropped this subscriber as too slow) and says so;
   * reconnecting at once finds another replica, or this one back. Only after a subscription, so a server that
   * refuses connections with it (over its connection limit) gets the backoff.
   */
  private static boolean goingAway(ClientException e) {
    return e instanceof RemoteException remote && remote.fatal() && remote.code() == ErrorCode.UNAVAILABLE;
  }

  private boolean stopped() {
    return closed || Thread.currentThread().isInterrupted();
  }

  private void follow(TorchfeedClient client, Subscription subscription) {
    long quietSince = System.nanoTime();
    while (!stopped()) {
      Optional<Event> event = subscription.next(POLL);
      if (event.isPresent()) {
        quietSince = System.nanoTime();
        listener.notice(event.get());
        handle(client, event.get());
      } else if (System.nanoTime() - quietSince > pingInterval.toNanos()) {
        client.subscribe(models);
        quietSince = System.nanoTime();
      }
    }
  }

  private void handle(TorchfeedClient client, Event event) {
    if (event instanceof Event.Published published) {
      Manifest have = loaded.get(published.name());
      boolean older = have != null && have.version() > published.version();
      if (!older && !same(have, published.version(), published.sha256())) {
        load(client, new ModelId(published.name(), published.version()), published.sha256());
      }
    } else if (event instanceof Event.Removed removed) {
      Manifest have = loaded.get(removed.name());
      if (have != null && have.version() == removed.version()) {
        loadLatest(client, removed.name());
      }
    }
  }

  /** Loads what changed while not connected: every subscribed model with loadCurrent, else those loaded. */
  private void catchUp(TorchfeedClient client, Subscription subscription) {
    List<String> names = new ArrayList<>(loaded.keySet());
    if (loadCurrent) {
      names = subscription.all() ? client.list().models().stream().map(ModelSummary::name).toList()
          : subscription.names();
    }
    for (String name : names) {
      if (stopped()) {
        return;
      }
      loadLatest(client, name);
    }
  }

  private void loadLatest(TorchfeedClient client, String name) {
    ModelId id = new ModelId(name, ModelId.LATEST);
    Manifest latest;
    try {
      latest = client.manifest(id);
    } catch (RemoteException e) {
      if (!client.isOpen()) {
        throw e;
      }
      if (e.code() != ErrorCode.NOT_FOUND) {
        listener.failed(id, e.getMessage(), false);
      }
      return;
    } catch (UntrustedManifestException e) {  // no version to send a receipt for: only the manifest was asked for
      listener.failed(id, e.getMessage(), false);
      return;
    }
    if (!same(loaded.get(name), latest.version(), latest.sha256())) {
      load(client, latest.id(), latest.sha256());
    }
  }

  /**
   * Whether {@code have} is that version with those bytes. Not the whole manifests: the same version's differ by
   * server (one of protocol version 3 sends chunk digests, an older one none).
   */
  static boolean same(Manifest have, int version, String sha256) {
    return have != null && have.version() == version && have.sha256().equals(sha256);
  }

  private void load(TorchfeedClient client, ModelId id, String sha256) {
    ScratchFile fetched;
    try {
      fetched = ScratchFile.download(client, id, null);
    } catch (RemoteException e) {
      if (!client.isOpen()) {
        throw e;
      }
      listener.failed(id, e.getMessage(), false);
      return;
    } catch (ClientException e) {
      if (!client.isOpen()) {
        throw e;
      }
      sendFailed(client, id, sha256, e.getMessage());
      return;
    }
    Manifest manifest = fetched.manifest();
    try (fetched) {
      loader.load(manifest, fetched.path());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      sendFailed(client, manifest.id(), manifest.sha256(), reason(e));
      return;
    }
    loaded.put(manifest.name(), manifest);
    client.receipt(LoadReceipt.of(manifest.name(), manifest.version(), manifest.sha256(), LoadStatus.LOADED, "",
        ""));
    listener.loaded(manifest);
  }

  private void sendFailed(TorchfeedClient client, ModelId id, String sha256, String reason) {
    client.receipt(LoadReceipt.of(id.name(), id.version(), sha256, LoadStatus.FAILED, reason, ""));
    listener.failed(id, reason, true);
  }

  private static String reason(Exception e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    String line = message.strip().lines().findFirst().orElse("").strip();
    return line.length() > MAX_REASON ? line.substring(0, MAX_REASON) + "..." : line;
  }

  private static boolean sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
