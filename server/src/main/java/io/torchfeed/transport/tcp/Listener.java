package io.torchfeed.transport.tcp;

import io.torchfeed.transport.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.JsseXnioSsl;
import org.xnio.ssl.SslConnection;

/**
 * A listening socket of the TCP transport, plain or TLS, that hands every accepted connection to a consumer. With
 * TLS it is XNIO's {@code JsseXnioSsl} connection server: each accepted {@link SslConnection} is a
 * {@link StreamConnection} whose channels carry plaintext; the handshake runs on the first read or write, on the
 * connection's I/O thread, so a client that stalls it holds no thread and is closed by the idle timeout like any
 * other.
 */
final class Listener {
  private static final Logger log = LoggerFactory.getLogger(Listener.class);

  private Listener() {}

  /** Binds and starts accepting. */
  static AcceptingChannel<? extends StreamConnection> open(XnioWorker worker, InetSocketAddress address,
      Optional<ServerTls> tls, OptionMap options, Consumer<StreamConnection> onConnection) throws IOException {
    AcceptingChannel<? extends StreamConnection> acceptor;
    if (tls.isPresent()) {
      ChannelListener<AcceptingChannel<SslConnection>> onAccept = channel -> acceptAll(channel, onConnection);
      JsseXnioSsl ssl = new JsseXnioSsl(worker.getXnio(), OptionMap.EMPTY, tls.get().context());
      acceptor = ssl.createSslConnectionServer(worker, address, onAccept,
          OptionMap.builder().addAll(options).addAll(tls.get().xnioOptions()).getMap());
    } else {
      ChannelListener<AcceptingChannel<StreamConnection>> onAccept = channel -> acceptAll(channel, onConnection);
      acceptor = worker.createStreamConnectionServer(address, onAccept, options);
    }
    acceptor.resumeAccepts();
    return acceptor;
  }

  /** Whether the bytes of this connection are encrypted in user space (no {@code sendfile(2)} then). */
  static boolean encrypted(StreamConnection connection) {
    return connection instanceof SslConnection;
  }

  private static <C extends StreamConnection> void acceptAll(AcceptingChannel<C> channel,
      Consumer<StreamConnection> onConnection) {
    try {
      C connection;
      while ((connection = channel.accept()) != null) {
        onConnection.accept(connection);
      }
    } catch (IOException e) {
      log.warn("accept on port {} failed: {}", channel.getLocalAddress(InetSocketAddress.class).getPort(),
          e.toString());
    }
  }
}
