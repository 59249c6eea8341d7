package io.torchfeed.support;

import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One download over a plain socket, TCP protocol (HELLO, FETCH, FETCH_HEADER) or HTTP/1.1 ({@code GET}), read as
 * the test chooses: a few bytes at a time, to the end, or not at all before a reset. The bytes are hashed as they
 * are read, never kept.
 */
public final class RawDownload implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final long size;
  private final String sha256;
  private final MessageDigest digest;
  private volatile long received;

  private RawDownload(Socket socket, DataInputStream in, long size, String sha256) {
    this.socket = socket;
    this.in = in;
    this.size = size;
    this.sha256 = sha256;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A socket to {@code address}; {@code receiveBuffer} > 0 sets SO_RCVBUF before connecting. */
  public static Socket connect(InetSocketAddress address, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.setSoTimeout(60_000);
    socket.connect(address, 30_000);
    return socket;
  }

  /** HELLO, then FETCH of the whole of {@code name} (latest version); returns once the FETCH_HEADER is read. */
  public static RawDownload tcp(InetSocketAddress address, String name, int receiveBuffer) throws IOException {
    Socket socket = connect(address, receiveBuffer);
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      out.write(MessageEncoder.encode(new Hello(Protocol.VERSION, "fault-test/1", "")));
      out.write(MessageEncoder.encode(new FetchRequest(name, 0, 0, 0)));
      out.flush();
      readFrame(in);
      Message answer = readFrame(in);
      if (!(answer instanceof FetchHeader header)) {
        throw new IOException("not a FETCH_HEADER: " + answer);
      }
      return new RawDownload(socket, in, header.payloadSize(), header.sha256Hex());
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** {@code GET path}; returns once the response head (which must be 200) is read. */
  public static RawDownload http(InetSocketAddress address, String path, int receiveBuffer) throws IOException {
    Socket socket = connect(address, receiveBuffer);
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String head = readHead(in);
      if (!head.startsWith("HTTP/1.1 200")) {
        throw new IOException("not 200: " + head);
      }
      return new RawDownload(socket, in, Long.parseLong(header(head, "content-length")),
          header(head, "x-torchfeed-sha256"));
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private static Message readFrame(DataInputStream in) throws IOException {
    int type = in.readUnsignedByte();
    byte[] payload = new byte[in.readInt()];
    in.readFully(payload);
    return MessageDecoder.decode(new Frame(type, payload));
  }

  private static String readHead(DataInputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("end of stream in the response head: " + head);
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > 64 * 1024) {
        throw new IOException("response head over 64 KiB");
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static String header(String head, String name) throws IOException {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    throw new IOException("no " + name + " in " + head);
  }

  /** The payload size the server announced. */
  public long size() {
    return size;
  }

  /** The sha256 the server announced (FETCH_HEADER or {@code X-Torchfeed-Sha256}). */
  public String announcedSha256() {
    return sha256;
  }

  public long received() {
    return received;
  }

  /** Reads at most {@code max} payload bytes (at least one unless the payload is complete); returns the count. */
  public int read(int max) throws IOException {
    int wanted = (int) Math.min(max, size - received);
    if (wanted == 0) {
      return 0;
    }
    byte[] buffer = new byte[wanted];
    int n = in.read(buffer, 0, wanted);
    if (n < 0) {
      throw new EOFException("end of stream after " + received + " of " + size + " bytes");
    }
    digest.update(buffer, 0, n);
    received += n;
    return n;
  }

  /** Reads the rest of the payload; returns the sha256 of everything read. */
  public String finish() throws IOException {
    while (received < size) {
      read(256 * 1024);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Closes with SO_LINGER 0: the peer gets a RST, not a FIN. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
