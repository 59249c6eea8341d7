package io.torchfeed.transport.tcp;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.FrameDecoder;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.protocol.ProtocolException;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.protocol.UnexpectedMessageException;
import io.torchfeed.protocol.UnsupportedProtocolException;
import io.torchfeed.transport.ShuttingDownException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * One client connection of the TCP protocol, driven entirely by XNIO's read and write readiness on the
 * connection's I/O thread: no thread is held while a client is idle or slow.
 *
 * <p>{@link #pump()} alternates between sending what is queued and decoding the next request. While a reply is
 * being sent, no further request is read (pipelined requests wait in the socket), so a slow reader only slows
 * itself. A FETCH payload goes from the pinned file to the socket with {@code sendfile(2)} (through a buffer and
 * the {@code SSLEngine} on a TLS connection), in slices so one fast stream cannot starve the other connections of
 * its I/O thread. With TLS the handshake happens in the first reads and writes; until it completes no byte of
 * application data arrives, so the idle timeout closes a client that stalls it.
 *
 * <p>A subscribed connection also receives NOTICE frames ({@link #notice}), queued on its own I/O thread behind
 * whatever is already queued, so they only ever go out between whole frames. At most {@code maxQueuedNotices}
 * may wait; a subscriber that falls further behind is dropped with a fatal ERROR (docs/protocol.md 5.8).
 *
 * <p>When the server stops ({@link #stopping()}, docs/shutdown.md), a subscriber is told to reconnect elsewhere
 * and closed; a FETCH payload in progress is sent to its end first, and any later request is refused.
 *
 * <p>One timer per connection enforces whichever of the idle, request and write timeouts runs in its current
 * state ({@link ConnectionTimeouts}): an idle connection is closed, a request frame that does not arrive whole in
 * time is answered with a fatal ERROR BAD_REQUEST, and a client that stops taking bytes is disconnected, which
 * releases the pinned file of a FETCH in progress.
 */
final class TcpConnection {
  private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);
  private static final int INPUT_BUFFER = 16 * 1024;
  private static final long SLICE = 16L * 1024 * 1024;

  private final StreamConnection connection;
  private final StreamSourceChannel source;
  private final StreamSinkChannel sink;
  private final FrameDecoder decoder;
  private final RequestHandler handler;
  private final ServerHello hello;
  private final Metrics metrics;
  private final Runnable onClosed;
  private final ClientRegistry clients;
  private final ConnectedClient client;
  private final int maxQueuedNotices;
  private final boolean encrypted;
  private final ByteBuffer input = ByteBuffer.allocate(INPUT_BUFFER);
  private final ArrayDeque<Outbound> output = new ArrayDeque<>();
  private boolean greeted;
  private boolean closeWhenSent;
  private boolean awaiting;
  private int queuedNotices;
  private final ConnectionTimeouts timeouts;
  private XnioExecutor.Key timer;
  private long timerDue;

  TcpConnection(StreamConnection connection, TcpSettings settings, RequestHandler handler, ServerHello hello,
      ClientRegistry clients, Metrics metrics, Runnable onClosed) {
    this.connection = connection;
    this.source = connection.getSourceChannel();
    this.sink = connection.getSinkChannel();
    this.decoder = new FrameDecoder(settings.maxFrameBytes());
    this.handler = handler;
    this.hello = hello;
    this.metrics = metrics;
    this.timeouts = new ConnectionTimeouts(settings.idleTimeout(), settings.requestTimeout(),
        settings.writeTimeout(), System.nanoTime());
    this.onClosed = onClosed;
    this.clients = clients;
    this.client = new ConnectedClient(clients.nextId(), connection.getPeerAddress(), Instant.now());
    this.maxQueuedNotices = settings.maxQueuedNotices();
    this.encrypted = Listener.encrypted(connection);
  }

  ConnectedClient client() {
    return client;
  }

  void start() {
    clients.add(this);
    source.getReadSetter().set(channel -> pump());
    sink.getWriteSetter().set(channel -> pump());
    connection.getCloseSetter().set(c -> closed());
    armTimer();
    source.resumeReads();
  }

  private void pump() {
    try {
      while (true) {
        if (!output.isEmpty()) {
          if (!drain()) {
            source.suspendReads();
            sink.resumeWrites();
            timeouts.waitingToWrite(System.nanoTime());
            armTimer();
            return;
          }
          if (closeWhenSent) {
            close();
            return;
          }
        }
        if (awaiting) {
          // a reply waits for a version to arrive: no other request is read until it is queued
          source.suspendReads();
          sink.suspendWrites();
          return;
        }
        Frame frame = nextFrame();
        if (frame != null) {
          answer(frame);
          continue;
        }
        if (!output.isEmpty()) {
          continue;
        }
        int n = source.read(input);
        if (n < 0) {
          close();
          return;
        }
        if (n == 0) {
          sink.suspendWrites();
          source.resumeReads();
          timeouts.waitingToRead(System.nanoTime(), partialRequest());
          armTimer();
          return;
        }
        timeouts.read(System.nanoTime());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("connection {} closed: {}", peer(), e.toString());
      close();
    }
  }

  /** Sends queued items; false when the socket is full or the slice is used up (called again when writable). */
  private boolean drain() throws IOException {
    long budget = SLICE;
    while (!output.isEmpty()) {
      Outbound head = output.peek();
      long written = head.writeTo(sink, budget);
      if (written > 0) {
        timeouts.wrote(System.nanoTime());
        metrics.sent(Metrics.TCP, written);
        budget -= written;
      }
      if (!head.done()) {
        return false;
      }
      output.poll().release();
      if (budget <= 0 && !output.isEmpty()) {
        return false;
      }
    }
    return sink.flush();
  }

  private Frame nextFrame() {
    input.flip();
    try {
      return decoder.decode(input);
    } catch (ProtocolException e) {
      queueError(ErrorMapper.toError(e), true);
      return null;
    } finally {
      input.compact();
    }
  }

  private void answer(Frame frame) {
    try {
      handler.admit();
      Message request = MessageDecoder.decode(frame);
      if (!greeted) {
        greet(request);
        return;
      }
      if (request instanceof Hello) {
        throw UnexpectedMessageException.notAccepted("HELLO was already exchanged on this connection");
      }
      queue(handler.handle(request, client));
    } catch (RuntimeException e) {
      queueError(ErrorMapper.toError(e), !greeted);
    }
  }

  private void greet(Message request) {
    if (!(request instanceof Hello clientHello)) {
      throw UnexpectedMessageException.beforeHello(request.type());
    }
    int version = clientHello.protocolVersion();
    if (version < Protocol.VERSION || version > Protocol.MAX_VERSION) {
      throw new UnsupportedProtocolException("protocol version " + version + " is not supported; this server "
          + "speaks " + Protocol.VERSION + " to " + Protocol.MAX_VERSION);
    }
    log.debug("hello from {}: {} (LibTorch {})", peer(), clientHello.software(), clientHello.libtorch());
    greeted = true;
    client.greeted(clientHello);
    ServerHello answer = new ServerHello(version, hello.software(), hello.libtorch());
    output.add(Outbound.bytes(ByteBuffer.wrap(MessageEncoder.encode(answer))));
  }

  private void queue(Reply reply) {
    if (reply instanceof Reply.Later later) {
      awaiting = true;
      later.arrival().whenComplete((done, failure) -> onIoThread(() -> arrived(later, failure)));
    } else if (reply instanceof Reply.Frame frame) {
      output.add(Outbound.bytes(ByteBuffer.wrap(MessageEncoder.encode(frame.message()))));
      closeWhenSent |= frame.close();
    } else if (reply instanceof Reply.Stream stream) {
      output.add(Outbound.bytes(ByteBuffer.wrap(MessageEncoder.encode(stream.header()))));
      stream.transfer().cutBy(this::close);
      output.add(Outbound.download(Outbound.file(stream.file(), stream.position(), stream.count(), encrypted),
          stream.download(), stream.transfer()));
    }
  }

  /** A {@link Reply.Later}'s arrival completed: its reply (or the failure) is queued and reading resumes. */
  private void arrived(Reply.Later later, Throwable failure) {
    awaiting = false;
    if (!connection.isOpen()) {
      return;
    }
    try {
      if (failure != null) {
        throw failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
      }
      queue(later.then().get());
    } catch (Throwable e) {
      queueError(ErrorMapper.toError(e), false);
    }
    timeouts.read(System.nanoTime());
    pump();
  }

  private void onIoThread(Runnable task) {
    try {
      connection.getIoThread().execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("connection {}: {}", peer(), e.toString());
    }
  }

  private void queueError(ErrorMessage error, boolean forceFatal) {
    ErrorMessage sent = forceFatal && !error.fatal()
        ? new ErrorMessage(error.code(), true, error.message()) : error;
    output.add(Outbound.bytes(ByteBuffer.wrap(MessageEncoder.encode(sent))));
    closeWhenSent |= sent.fatal();
  }

  /**
   * Queues a NOTICE frame for {@code model} if this connection is subscribed to it when its I/O thread gets to
   * it. Called from any thread; never blocks.
   */
  void notice(String model, byte[] frame) {
    try {
      connection.getIoThread().execute(() -> deliver(model, frame));
    } catch (RejectedExecutionException e) {
      log.debug("notice for {} not queued: {}", peer(), e.toString());
    }
  }

  private void deliver(String model, byte[] frame) {
    if (!connection.isOpen() || closeWhenSent || !client.wants(model)) {
      return;
    }
    if (queuedNotices >= maxQueuedNotices) {
      dropAsTooSlow();
      return;
    }
    queuedNotices++;
    output.add(Outbound.notice(ByteBuffer.wrap(frame), () -> queuedNotices--));
    pump();
  }

  /**
   * The server is stopping: if this connection is subscribed, it is told at once to reconnect to another replica
   * (a fatal ERROR UNAVAILABLE behind what is already queued: a FETCH payload in progress ends first) and closed
   * after it. Any other connection gets that answer to its next request ({@link RequestHandler#admit()}). Called
   * from any thread; never blocks.
   */
  void stopping() {
    try {
      connection.getIoThread().execute(() -> {
        if (connection.isOpen() && !closeWhenSent && client.subscribed()) {
          queueError(ErrorMapper.toError(new ShuttingDownException()), true);
          pump();
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("stop notice for {} not queued: {}", peer(), e.toString());
    }
  }

  /** Drops the notices not yet started and queues a fatal ERROR behind the answers already queued. */
  private void dropAsTooSlow() {
    log.info("dropping subscriber {} ({}): more than {} notices waiting", client.id(), peer(), maxQueuedNotices);
    Outbound head = output.peek();
    for (Iterator<Outbound> it = output.iterator(); it.hasNext(); ) {
      Outbound item = it.next();
      if (item != head && item.notice()) {
        it.remove();
        item.release();
      }
    }
    queueError(new ErrorMessage(ErrorCode.UNAVAILABLE, true, "subscriber too slow: more than "
        + maxQueuedNotices + " notices were waiting; reconnect, subscribe and list"), true);
    pump();
  }

  /** Schedules the timer for the running timeout, unless it is due before that anyway. */
  private void armTimer() {
    long deadline = timeouts.deadline();
    if (timer != null && timerDue - deadline <= 0) {
      return;
    }
    schedule(deadline);
  }

  private void schedule(long due) {
    if (timer != null) {
      timer.remove();
    }
    timerDue = due;
    timer = connection.getIoThread().executeAfter(this::checkTimeouts, Math.max(1, due - System.nanoTime()),
        TimeUnit.NANOSECONDS);
  }

  private void checkTimeouts() {
    timer = null;
    if (!connection.isOpen()) {
      return;
    }
    long now = System.nanoTime();
    if (awaiting) {
      // waiting on this server, not on the client
      schedule(now + timeouts.idleNanos());
      return;
    }
    if (now - timeouts.deadline() < 0) {
      schedule(timeouts.deadline());
      return;
    }
    switch (timeouts.kind()) {
      case WRITE -> {
        log.debug("closing {}: it took no bytes for {} ms", peer(), TimeUnit.NANOSECONDS.toMillis(
            timeouts.writeNanos()));
        close();
      }
      case REQUEST -> {
        log.debug("closing {}: a request frame did not arrive whole in time", peer());
        queueError(new ErrorMessage(ErrorCode.BAD_REQUEST, true, "the request frame did not arrive whole within "
            + TimeUnit.NANOSECONDS.toMillis(timeouts.requestNanos()) + " ms (the server's --request-timeout)"),
            true);
        pump();
      }
      case IDLE -> {
        if (waitingForNotices()) {
          schedule(now + timeouts.idleNanos());
        } else {
          log.debug("closing {}: idle for {} ms", peer(), TimeUnit.NANOSECONDS.toMillis(timeouts.idleNanos()));
          close();
        }
      }
    }
  }

  /** Part of a request frame is in, the rest is awaited. */
  private boolean partialRequest() {
    return input.position() > 0 || decoder.hasPartialFrame();
  }

  /** A subscriber with nothing to send and no request half received is waiting, not idle. */
  private boolean waitingForNotices() {
    return client.subscribed() && output.isEmpty() && !partialRequest();
  }

  private void close() {
    IoUtils.safeClose(connection);
  }

  private void closed() {
    if (timer != null) {
      timer.remove();
    }
    while (!output.isEmpty()) {
      output.poll().release();
    }
    clients.remove(this);
    onClosed.run();
  }

  private SocketAddress peer() {
    return connection.getPeerAddress();
  }
}
