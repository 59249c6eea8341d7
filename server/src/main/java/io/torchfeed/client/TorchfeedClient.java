package io.torchfeed.client;

import io.torchfeed.Version;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.protocol.ProtocolException;
import io.torchfeed.protocol.ServerHello;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A blocking client of the TCP protocol (docs/protocol.md) for the JVM: one connection, one request at a time.
 * Used by the CLI ({@code list}, {@code manifest}, {@code fetch}, {@code verify}) and by inference programs.
 *
 * <pre>{@code
 * try (TorchfeedClient client = TorchfeedClient.connect(ServerAddress.parse("localhost:7070"))) {
 *   Manifest manifest = client.manifest(ModelId.parse("toynet"));
 * }
 * }</pre>
 */
public final class TorchfeedClient implements AutoCloseable {
  /** Largest response frame accepted (a manifest of a very large model). */
  public static final int MAX_RESPONSE_FRAME = Protocol.MAX_RESPONSE_PAYLOAD;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final ServerHello serverHello;

  private TorchfeedClient(Socket socket, String libtorch) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
    this.out = new BufferedOutputStream(socket.getOutputStream());
    send(new Hello(Protocol.VERSION, "torchfeed-java/" + Version.SOFTWARE, libtorch));
    this.serverHello = expect(ServerHello.class);
  }

  public static TorchfeedClient connect(ServerAddress address) {
    return connect(address, "");
  }

  /**
   * Connects with the default timeouts (10 s to connect, 60 s of silence) and exchanges the hello.
   *
   * @param libtorch the LibTorch version this client loads models with, or empty
   */
  public static TorchfeedClient connect(ServerAddress address, String libtorch) {
    return connect(address, CONNECT_TIMEOUT, READ_TIMEOUT, libtorch);
  }

  /**
   * Connects and exchanges the hello.
   *
   * @param libtorch the LibTorch version this client loads models with, or empty
   */
  public static TorchfeedClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout,
      String libtorch) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(address.host(), address.port()), (int) connectTimeout.toMillis());
      socket.setSoTimeout((int) readTimeout.toMillis());
      return new TorchfeedClient(socket, libtorch);
    } catch (ConnectException e) {
      closeQuietly(socket);
      throw new ClientException("cannot connect to " + address + ": connection refused", e);
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new ClientException("cannot connect to " + address + ": timed out", e);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new ClientException("cannot connect to " + address + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  public ServerHello serverHello() {
    return serverHello;
  }

  public ModelListing list() {
    return call(new ListRequest(), ListResult.class).listing();
  }

  public Manifest manifest(ModelId id) {
    return call(new ManifestRequest(id.wireName(), id.version()), ManifestResult.class).manifest();
  }

  /**
   * FETCH: writes exactly the payload to {@code sink} as it arrives and returns the header.
   *
   * @param length bytes wanted, 0 for "to the end"
   * @param progress told the running count of payload bytes received; may be null
   */
  public FetchHeader fetch(ModelId id, long offset, long length, OutputStream sink, Progress progress) {
    FetchHeader header = call(new FetchRequest(id.wireName(), id.version(), offset, length), FetchHeader.class);
    byte[] chunk = new byte[256 * 1024];
    long remaining = header.payloadSize();
    try {
      if (progress != null) {
        progress.started(header);
      }
      while (remaining > 0) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, remaining));
        if (n < 0) {
          throw new EOFException("connection closed with " + remaining + " payload bytes missing");
        }
        sink.write(chunk, 0, n);
        remaining -= n;
        if (progress != null) {
          progress.advanced(header.payloadSize() - remaining);
        }
      }
    } catch (IOException e) {
      throw new ClientException("fetch of " + id + " interrupted: " + e.getMessage(), e);
    }
    return header;
  }

  /** Receives the progress of a fetch. */
  public interface Progress {
    void started(FetchHeader header);

    void advanced(long received);
  }

  private <T extends Message> T call(Message request, Class<T> answer) {
    try {
      send(request);
      return expect(answer);
    } catch (IOException e) {
      throw new ClientException("connection to the server failed: " + e.getMessage(), e);
    }
  }

  private void send(Message message) throws IOException {
    out.write(MessageEncoder.encode(message));
    out.flush();
  }

  private <T extends Message> T expect(Class<T> answer) throws IOException {
    Message message = readMessage();
    if (message instanceof ErrorMessage error) {
      if (error.fatal()) {
        close();
      }
      throw new RemoteException(error);
    }
    if (!answer.isInstance(message)) {
      throw new ClientException("protocol error: expected " + answer.getSimpleName() + ", got "
          + message.getClass().getSimpleName());
    }
    return answer.cast(message);
  }

  private Message readMessage() throws IOException {
    int type;
    long length;
    try {
      type = in.readUnsignedByte();
      length = Integer.toUnsignedLong(in.readInt());
    } catch (EOFException e) {
      throw new ClientException("the server closed the connection", e);
    }
    if (length > MAX_RESPONSE_FRAME) {
      throw new ClientException("protocol error: a frame of " + length + " bytes exceeds the client's limit of "
          + MAX_RESPONSE_FRAME);
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    try {
      return MessageDecoder.decode(new Frame(type, payload));
    } catch (ProtocolException e) {
      throw new ClientException("protocol error: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
