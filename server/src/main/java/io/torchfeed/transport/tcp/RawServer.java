package io.torchfeed.transport.tcp;

import io.torchfeed.model.ModelId;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ServedModel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The raw port for the simplest clients (off by default): on every connection, send one model's bytes, optionally
 * behind a size header, and close. Nothing is read from the client; one that takes no bytes for the write timeout
 * is disconnected.
 */
public final class RawServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RawServer.class);

  private final XnioWorker worker;
  private final InetSocketAddress address;
  private final ModelCatalog catalog;
  private final ModelId model;
  private final RawHeader header;
  private final long timeoutNanos;
  private AcceptingChannel<StreamConnection> acceptor;

  public RawServer(XnioWorker worker, InetSocketAddress address, ModelCatalog catalog, ModelId model,
      RawHeader header, java.time.Duration timeout) {
    this.worker = worker;
    this.address = address;
    this.catalog = catalog;
    this.model = model;
    this.header = header;
    this.timeoutNanos = timeout.toNanos();
  }

  /** Checks that the model is served and fits the header, then listens. */
  public void start() throws IOException {
    header.encode(catalog.resolve(model).manifest().size());
    ChannelListener<AcceptingChannel<StreamConnection>> onAccept = this::acceptAll;
    acceptor = worker.createStreamConnectionServer(address, onAccept,
        OptionMap.create(Options.REUSE_ADDRESSES, true, Options.TCP_NODELAY, true));
    acceptor.resumeAccepts();
    log.info("raw port {} sends {} with header {}", address().getPort(), model,
        header.name().toLowerCase(java.util.Locale.ROOT));
  }

  public InetSocketAddress address() {
    return acceptor.getLocalAddress(InetSocketAddress.class);
  }

  private void acceptAll(AcceptingChannel<StreamConnection> channel) {
    try {
      StreamConnection connection;
      while ((connection = channel.accept()) != null) {
        send(connection);
      }
    } catch (IOException e) {
      log.warn("raw accept failed: {}", e.toString());
    }
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
    new RawTransfer(connection, List.of(Outbound.bytes(sizeHeader),
        Outbound.file(served.file(), 0, served.manifest().size())), timeoutNanos).start();
  }

  @Override
  public void close() {
    IoUtils.safeClose(acceptor);
  }
}
