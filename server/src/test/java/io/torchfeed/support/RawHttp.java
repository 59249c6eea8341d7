package io.torchfeed.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests java.net.http will not send as a test needs them: a chosen
 * {@code Transfer-Encoding}, {@code Expect: 100-continue} answered with a final status, a body that stops.
 */
public final class RawHttp {
  /** How a request body is framed. */
  public enum Framing {
    /** {@code Content-Length}, the body right after the head. */
    CONTENT_LENGTH,
    /** {@code Content-Length} and {@code Expect: 100-continue}: the body only after a 100 answer. */
    EXPECT_CONTINUE,
    /** {@code Transfer-Encoding: chunked}, 64 KiB chunks. */
    CHUNKED,
    /** {@code Transfer-Encoding: chunked}, 7-byte chunks. */
    SMALL_CHUNKS
  }

  /** A final answer: status, headers (names in lower case) and body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      String text = text();
      return status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
    }
  }

  private RawHttp() {}

  /** A persistent connection: requests one after the other, each answer read before the next request. */
  public static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    public Connection(InetSocketAddress address, int timeoutMillis) throws IOException {
      socket = connect(address, timeoutMillis);
      in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    /** {@code GET path}, keeping the connection open (unless the server closes it). */
    public Response get(String path) throws IOException {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return readResponse(in);
    }

    /** Sends raw bytes (part of a request, say). */
    public void write(byte[] bytes) throws IOException {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    }

    /** True when the server closed the connection: the stream ends (or is reset) before a byte arrives. */
    public boolean closedByServer() throws IOException {
      try {
        return in.read() < 0;
      } catch (java.net.SocketException e) {
        return true;
      }
    }

    /**
     * Waits up to {@code millis} for the server to close the connection: true if it did (or reset it), false if
     * nothing came. Must not be called while an answer is expected (its first byte would be lost).
     */
    public boolean closedWithin(int millis) throws IOException {
      int timeout = socket.getSoTimeout();
      socket.setSoTimeout(millis);
      try {
        int b = in.read();
        if (b >= 0) {
          throw new IOException("unexpected byte " + b + " from the server");
        }
        return true;
      } catch (java.net.SocketTimeoutException e) {
        return false;
      } catch (java.net.SocketException e) {
        return true;
      } finally {
        if (!socket.isClosed()) {
          socket.setSoTimeout(timeout);
        }
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

  /** A connected socket with a read timeout of {@code timeoutMillis}. */
  public static Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
    Socket socket = new Socket();
    socket.setSoTimeout(timeoutMillis);
    socket.connect(address, timeoutMillis);
    return socket;
  }

  /**
   * Sends {@code method path} with {@code headers} (each {@code "Name: value"}, besides Host, Connection: close and
   * the framing's) and {@code body} framed as asked, and reads the final answer. A body the server stops reading
   * (it answered early and closed) is cut short; the answer is read anyway. Throws on a read timeout.
   */
  public static Response send(InetSocketAddress address, String method, String path, byte[] body, Framing framing,
      int timeoutMillis, String... headers) throws IOException {
    try (Socket socket = connect(address, timeoutMillis)) {
      OutputStream out = socket.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      StringBuilder head = new StringBuilder(method).append(' ').append(path)
          .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      for (String header : headers) {
        head.append(header).append("\r\n");
      }
      boolean chunked = framing == Framing.CHUNKED || framing == Framing.SMALL_CHUNKS;
      head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
      if (framing == Framing.EXPECT_CONTINUE) {
        head.append("Expect: 100-continue\r\n");
      }
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (framing == Framing.EXPECT_CONTINUE) {
        Response interim = readResponse(in);
        if (interim.status() != 100) {
          return interim;
        }
      }
      try {
        if (chunked) {
          writeChunked(out, body, framing == Framing.SMALL_CHUNKS ? 7 : 64 * 1024);
        } else {
          out.write(body);
        }
        out.flush();
      } catch (IOException e) {
        // the server answered before reading everything and closed: its answer is waiting
      }
      return readResponse(in);
    }
  }

  /** Writes {@code body} as chunks of {@code size} bytes and the last chunk. */
  public static void writeChunked(OutputStream out, byte[] body, int size) throws IOException {
    for (int from = 0; from < body.length; from += size) {
      int n = Math.min(size, body.length - from);
      out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, from, n);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Reads one answer: the head, then {@code Content-Length} bytes, or up to the end of the stream. */
  public static Response readResponse(InputStream in) throws IOException {
    String[] lines = readHead(in).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + lines[0]);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    int status = Integer.parseInt(statusLine[1]);
    if (status == 100) {
      return new Response(status, headers, new byte[0]);
    }
    String length = headers.get("content-length");
    byte[] body = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
    return new Response(status, headers, body);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("end of stream in the response head: '" + head + "'");
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > 64 * 1024) {
        throw new IOException("response head over 64 KiB");
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
