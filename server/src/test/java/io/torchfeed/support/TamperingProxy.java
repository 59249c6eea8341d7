package io.torchfeed.support;

import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.MessageDecoder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A man in the middle for tests: relays a client's bytes to a real server unchanged, and the server's frames back
 * through {@link Tamper}, frame by frame (it decodes each FETCH_HEADER to know how many raw bytes follow, which it
 * relays through {@link Tamper#raw}). Threads per connection; {@link #close()} ends them.
 */
public final class TamperingProxy implements AutoCloseable {
  /** Rewrites what the server sends; by default nothing. */
  public interface Tamper {
    /** The payload to send in place of a frame of this type (it may be changed in place). */
    default byte[] frame(int type, byte[] payload) {
      return payload;
    }

    /** The raw bytes after a FETCH_HEADER, {@code offset} being where this chunk starts among them. */
    default void raw(byte[] chunk, int length, long offset) {}
  }

  private final InetSocketAddress server;
  private final Tamper tamper;
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public TamperingProxy(InetSocketAddress server, Tamper tamper) throws IOException {
    this.server = server;
    this.tamper = tamper;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tampering-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
  }

  private void accept() {
    try {
      while (true) {
        Socket client = listener.accept();
        Socket upstream = new Socket(server.getAddress(), server.getPort());
        sockets.add(client);
        sockets.add(upstream);
        start(() -> copy(client.getInputStream(), upstream.getOutputStream()), client, upstream);
        start(() -> frames(new DataInputStream(upstream.getInputStream()), client.getOutputStream()), client,
            upstream);
      }
    } catch (IOException e) {
      // closed
    }
  }

  private interface Relay {
    void run() throws IOException;
  }

  private static void start(Relay relay, Socket a, Socket b) {
    Thread thread = new Thread(() -> {
      try {
        relay.run();
      } catch (IOException e) {
        // one side went away
      } finally {
        closeQuietly(a);
        closeQuietly(b);
      }
    }, "tampering-proxy-relay");
    thread.setDaemon(true);
    thread.start();
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      out.write(buffer, 0, n);
      out.flush();
    }
  }

  private void frames(DataInputStream in, OutputStream out) throws IOException {
    while (true) {
      int type = in.readUnsignedByte();
      byte[] payload = new byte[in.readInt()];
      in.readFully(payload);
      long raw = 0;
      if (type == 0x84 || type == 0x89) {
        raw = ((FetchHeader) MessageDecoder.decode(new Frame(type, payload.clone()))).payloadSize();
      }
      byte[] sent = tamper.frame(type, payload);
      byte[] header = {(byte) type, (byte) (sent.length >>> 24), (byte) (sent.length >>> 16),
          (byte) (sent.length >>> 8), (byte) sent.length};
      out.write(header);
      out.write(sent);
      byte[] chunk = new byte[64 * 1024];
      for (long done = 0; done < raw; ) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, raw - done));
        if (n < 0) {
          return;
        }
        tamper.raw(chunk, n, done);
        out.write(chunk, 0, n);
        done += n;
      }
      out.flush();
    }
  }

  @Override
  public void close() {
    closeQuietly(listener);
    sockets.forEach(TamperingProxy::closeQuietly);
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
