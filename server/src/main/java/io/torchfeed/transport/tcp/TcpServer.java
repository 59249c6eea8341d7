package io.torchfeed.transport.tcp;

import io.torchfeed.bus.EventBus;
import io.torchfeed.metrics.Metrics;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.transport.Drain;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/** The TCP protocol listener (default port 7070): accepts connections and hands each to a {@link TcpConnection}. */
public final class TcpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpServer.class);

  private final XnioWorker worker;
  private final TcpSettings settings;
  private final RequestHandler handler;
  private final ServerHello hello;
  private final ClientRegistry clients;
  private final EventBus.Registration notices;
  private final Metrics metrics;
  private final AtomicInteger active = new AtomicInteger();
  private AcceptingChannel<? extends StreamConnection> acceptor;

  /**
   * @param clients where connections are registered while they are open
   * @param events  catalog events to notify subscribers of; receipts clients send are published to it
   * @param metrics bytes sent, fetches and connections
   * @param signer  signs the manifests sent to clients that speak protocol version 2; none: nothing is signed
   * @param drain   FETCH payloads are transfers in it; once it stops, requests are refused
   */
  public TcpServer(XnioWorker worker, TcpSettings settings, ModelCatalog catalog, ServerHello hello,
      ClientRegistry clients, EventBus events, Metrics metrics, Optional<ManifestSigner> signer, Drain drain) {
    this.worker = worker;
    this.settings = settings;
    this.handler = new RequestHandler(catalog, events, metrics, signer, drain);
    this.hello = hello;
    this.clients = clients;
    this.notices = events.addListener(new NoticeFanOut(clients));
    this.metrics = metrics;
  }

  public void start() throws IOException {
    acceptor = Listener.open(worker, settings.address(), settings.tls(),
        OptionMap.builder().set(Options.REUSE_ADDRESSES, true).set(Options.TCP_NODELAY, true)
            .set(Options.KEEP_ALIVE, true).getMap(), this::accept);
    log.info("TCP protocol listening on port {}{}", address().getPort(), settings.tls().isPresent() ? " (TLS)" : "");
  }

  public InetSocketAddress address() {
    return acceptor.getLocalAddress(InetSocketAddress.class);
  }

  public int activeConnections() {
    return active.get();
  }

  private void accept(StreamConnection connection) {
    if (active.incrementAndGet() > settings.maxConnections()) {
      active.decrementAndGet();
      // sent when the socket is writable (after the handshake, with TLS), then closed; a refused client that
      // stalls (its handshake, or reading the refusal) is not counted, so it gets the shorter of the request and
      // write timeouts, never the idle timeout
      Duration patience = settings.requestTimeout().compareTo(settings.writeTimeout()) < 0
          ? settings.requestTimeout() : settings.writeTimeout();
      new RawTransfer(connection, List.of(Outbound.bytes(ByteBuffer.wrap(MessageEncoder.encode(new ErrorMessage(
          ErrorCode.UNAVAILABLE, true, "the server is at its limit of " + settings.maxConnections()
          + " connections; try again later"))))), patience.toNanos()).start();
      return;
    }
    new TcpConnection(connection, settings, handler, hello, clients, metrics, active::decrementAndGet).start();
  }

  /**
   * The server is stopping (after {@link #close()} and {@code Drain.stop()}): every subscriber is told to
   * reconnect to another replica and closed; other connections get that answer to their next request.
   */
  public void stopping() {
    clients.connections().forEach(TcpConnection::stopping);
  }

  /** Stops accepting connections and sending notices; the connections open stay until the worker stops. */
  @Override
  public void close() {
    notices.close();
    IoUtils.safeClose(acceptor);
  }
}
