package io.torchfeed.transport.tcp;

import io.torchfeed.model.ModelId;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ServedModel;
import io.torchfeed.transport.Drain;
import io.torchfeed.transport.ServerTls;
import io.torchfeed.transport.ShuttingDownException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The raw port for the simplest clients (off by default): on every connection, send one model's bytes, optionally
 * behind a size header, and close. Nothing is read from the client; one that takes no bytes for the write timeout
 * is disconnected. With TLS (when the server has it, every port has it) the bytes follow the handshake. Each
 * sending is a transfer of the server's {@link Drain}; once it stops, a connection accepted late is closed unsent.
 */
public final class RawServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RawServer.class);

  private final XnioWorker worker;
  private final InetSocketAddress address;
  private final ModelCatalog catalog;
  private final ModelId model;
  private final RawHeader header;
  private final long timeoutNanos;
  private final Optional<ServerTls> tls;
  private final Drain drain;
  private AcceptingChannel<? extends StreamConnection> acceptor;

  public RawServer(XnioWorker worker, InetSocketAddress address, ModelCatalog catalog, ModelId model,
      RawHeader header, java.time.Duration timeout, Optional<ServerTls> tls, Drain drain) {
    this.worker = worker;
    this.address = address;
    this.catalog = catalog;
    this.model = model;
    this.header = header;
    this.timeoutNanos = timeout.toNanos();
    this.tls = tls;
    this.drain = drain;
  }

  /** Checks that the model is served and fits the header, then listens. */
  public void start() throws IOException {
    header.encode(catalog.resolve(model).manifest().size());
    acceptor = Listener.open(worker, address, tls,
        OptionMap.create(Options.REUSE_ADDRESSES, true, Options.TCP_NODELAY, true), this::send);
    log.info("raw port {} sends {} with header {}{}", address().getPort(), model,
        header.name().toLowerCase(java.util.Locale.ROOT), tls.isPresent() ? " (TLS)" : "");
  }

  public InetSocketAddress address() {
    return acceptor.getLocalAddress(InetSocketAddress.class);
  }

  private void send(StreamConnection connection) {
    ServedModel served;
    java.nio.ByteBuffer sizeHeader;
    try {
      served = catalog.resolve(model);
      sizeHeader = header.encode(served.manifest().size());
    } catch (RuntimeException e) {
      log.warn("raw port: {}", e.getMessage());
      IoUtils.safeClose(connection);
      return;
    }
    if (!served.file().retain()) {
      IoUtils.safeClose(connection);
      return;
    }
    Drain.Transfer transfer;
    try {
      transfer = drain.begin();
    } catch (ShuttingDownException e) {
      served.file().release();
      IoUtils.safeClose(connection);
      return;
    }
    new RawTransfer(connection, List.of(Outbound.bytes(sizeHeader),
        Outbound.file(served.file(), 0, served.manifest().size(), Listener.encrypted(connection))),
        timeoutNanos, Optional.of(transfer)).start();
  }

  /** Stops accepting connections; those open finish sending (or are closed when the worker stops). */
  @Override
  public void close() {
    IoUtils.safeClose(acceptor);
  }
}
