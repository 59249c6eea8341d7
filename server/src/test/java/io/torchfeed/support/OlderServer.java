package io.torchfeed.support;

import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real server seen as one older than protocol version 3: a HELLO of version 3 is answered with a fatal ERROR
 * UNSUPPORTED, as a server of version 2 answers it; any other hello is relayed to the real server, and the rest of
 * the connection both ways unchanged. Records the version of every hello. Threads per connection.
 */
public final class OlderServer implements AutoCloseable {
  private final InetSocketAddress server;
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Integer> hellos = new CopyOnWriteArrayList<>();

  public OlderServer(InetSocketAddress server) throws IOException {
    this.server = server;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(this::accept);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** The protocol version of every HELLO received, in order. */
  public List<Integer> hellos() {
    return hellos;
  }

  private void accept() throws IOException {
    while (true) {
      Socket client = listener.accept();
      sockets.add(client);
      daemon(() -> serve(client));
    }
  }

  private void serve(Socket client) throws IOException {
    DataInputStream in = new DataInputStream(client.getInputStream());
    int type = in.readUnsignedByte();
    byte[] payload = new byte[in.readInt()];
    in.readFully(payload);
    Hello hello = (Hello) MessageDecoder.decode(new Frame(type, payload));
    hellos.add(hello.protocolVersion());
    if (hello.protocolVersion() > Protocol.SIGNED_VERSION) {
      client.getOutputStream().write(MessageEncoder.encode(new ErrorMessage(ErrorCode.UNSUPPORTED, true,
          "protocol version " + hello.protocolVersion() + " is not supported; this server speaks 1 to 2")));
      client.close();
      return;
    }
    Socket upstream = new Socket(server.getAddress(), server.getPort());
    sockets.add(upstream);
    upstream.getOutputStream().write(ByteBuffer.allocate(5).put((byte) type).putInt(payload.length).array());
    upstream.getOutputStream().write(payload);
    daemon(() -> copy(upstream.getInputStream(), client.getOutputStream(), client, upstream));
    copy(in, upstream.getOutputStream(), client, upstream);
  }

  private interface Work {
    void run() throws IOException;
  }

  private static void daemon(Work work) {
    Thread thread = new Thread(() -> {
      try {
        work.run();
      } catch (IOException e) {
        // closed
      }
    }, "older-server");
    thread.setDaemon(true);
    thread.start();
  }

  private static void copy(InputStream in, OutputStream out, Socket a, Socket b) throws IOException {
    try {
      in.transferTo(out);
    } finally {
      a.close();
      b.close();
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
