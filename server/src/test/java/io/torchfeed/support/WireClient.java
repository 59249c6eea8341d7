package io.torchfeed.support;

import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A socket speaking raw frames, for tests of what the server does with bad or unusual input. */
public final class WireClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  public WireClient(InetSocketAddress address) throws IOException {
    this(new Socket(address.getAddress(), address.getPort()));
  }

  /** Speaks frames over a socket the test connected itself (e.g. with a small receive buffer). */
  public WireClient(Socket socket) throws IOException {
    this.socket = socket;
    // bounds a hang, not a speed: as long as the suite's other waits (Await.DEADLINE), so a loaded machine is no
    // failure (20 s timed out once on a 2-core machine running three builds besides)
    socket.setSoTimeout((int) Await.DEADLINE.toMillis());
    in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
    out = socket.getOutputStream();
  }

  public WireClient hello() throws IOException {
    return hello(Protocol.VERSION);
  }

  /** Exchanges the hello speaking {@code protocolVersion}. */
  public WireClient hello(int protocolVersion) throws IOException {
    send(new Hello(protocolVersion, "wire-test/1", ""));
    readMessage();
    return this;
  }

  public void send(Message message) throws IOException {
    out.write(MessageEncoder.encode(message));
    out.flush();
  }

  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public Message readMessage() throws IOException {
    int type = in.readUnsignedByte();
    int length = in.readInt();
    byte[] payload = new byte[length];
    in.readFully(payload);
    return MessageDecoder.decode(new Frame(type, payload));
  }

  public byte[] readBytes(long count) throws IOException {
    byte[] bytes = new byte[(int) count];
    in.readFully(bytes);
    return bytes;
  }

  /** True when the server closed the connection (EOF within the read timeout). */
  public boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (EOFException e) {
      return true;
    }
  }

  public Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
