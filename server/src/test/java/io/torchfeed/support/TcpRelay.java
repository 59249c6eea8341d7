package io.torchfeed.support;

import io.torchfeed.bus.nats.BusLocation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Relays TCP connections from a loopback port to another one, unchanged, and can cut them: {@link #cut()} closes
 * every relayed connection and closes new ones at once until {@link #restore()}, as a network partition between
 * one client and a server that stays up; {@link #cutAfter(long)} ends each new connection after a number of bytes
 * from the server, as a server that dies in the middle of a transfer. Threads per connection; {@link #close()}
 * ends them.
 */
public final class TcpRelay implements AutoCloseable {
  private final int target;
  private final ServerSocket listener;
  private final List<Socket> sockets = new ArrayList<>();
  private boolean open = true;
  private long cutAfter = Long.MAX_VALUE;

  public TcpRelay(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(this::accept, "tcp-relay").start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** {@code nats://127.0.0.1:<relay port>}. */
  public BusLocation location() {
    return BusLocation.parse(BusLocation.SCHEME + "127.0.0.1:" + port());
  }

  /** Closes every relayed connection; connections made from now on are closed as soon as they are accepted. */
  public synchronized void cut() {
    open = false;
    sockets.forEach(TcpRelay::closeQuietly);
    sockets.clear();
  }

  /**
   * Each connection accepted from now on ends once {@code bytes} bytes have gone from the server to the client:
   * those arrive whole, then the client reads the end of the stream and both connections are closed.
   */
  public synchronized void cutAfter(long bytes) {
    cutAfter = bytes;
  }

  /** Relays new connections again. */
  public synchronized void restore() {
    open = true;
  }

  @Override
  public void close() throws IOException {
    listener.close();
    cut();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (!relayed(client)) {
          closeQuietly(client);
        }
      } catch (IOException e) {
        // closed, or one connection failed
      }
    }
  }

  private boolean relayed(Socket client) throws IOException {
    synchronized (this) {
      if (!open) {
        return false;
      }
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
      sockets.add(client);
      sockets.add(upstream);
      long limit = cutAfter;
      daemon(() -> pipe(client, upstream, Long.MAX_VALUE), "tcp-relay-up").start();
      daemon(() -> pipe(upstream, client, limit), "tcp-relay-down").start();
      return true;
    }
  }

  /** Copies at most {@code limit} bytes, then ends the stream (a FIN after the data, not a reset). */
  private static void pipe(Socket from, Socket to, long limit) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      byte[] buffer = new byte[16 * 1024];
      for (long left = limit; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
      out.flush();
      to.shutdownOutput();
    } catch (IOException e) {
      // one side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
