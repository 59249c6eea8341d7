package io.torchfeed.client;

import io.torchfeed.event.Event;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Notice;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.protocol.ProtocolException;
import io.torchfeed.protocol.ReceiptOk;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.protocol.SubscribeRequest;
import io.torchfeed.protocol.Subscribed;
import io.torchfeed.signing.TrustKey;
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
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A blocking client of the TCP protocol (docs/protocol.md) for the JVM: one connection, one request at a time.
 * Used by the CLI ({@code list}, {@code manifest}, {@code fetch}, {@code verify}, {@code watch}) and by inference
 * programs. Not thread-safe: use it from one thread ({@link #close()} may come from another). Over TLS when the
 * address says so ({@link ServerAddress#withTls}): the same frames, inside TLS.
 *
 * <pre>{@code
 * try (TorchfeedClient client = TorchfeedClient.connect(ServerAddress.parse("localhost:7070"))) {
 *   Manifest manifest = client.manifest(ModelId.parse("toynet"));
 * }
 * }</pre>
 *
 * <p>After {@link #subscribe} the server may send NOTICE frames between any two answers. The client keeps those
 * that arrive while it waits for an answer, in order, and {@link #nextNotice} (or {@link Subscription#next})
 * hands them out first; read them regularly, as they are kept in memory until then.
 *
 * <p>Given several replicas ({@link #connect(List)}, {@link Replicas}), it connects to the first that answers;
 * the downloads made with it ({@link FileDownload}, {@link MemoryDownload}, {@link ScratchFile}) resume on the next
 * replica when this connection fails, and {@link ModelWatcher} reconnects to the next one.
 */
public final class TorchfeedClient implements AutoCloseable {
  /** Largest response frame accepted (a manifest of a very large model). */
  public static final int MAX_RESPONSE_FRAME = Protocol.MAX_RESPONSE_PAYLOAD;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  private static final int TLS_ALERT = 0x15;
  private static final int TLS_HANDSHAKE = 0x16;

  private final ServerAddress address;
  private final Replicas replicas;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final ServerHello serverHello;
  private final int readTimeoutMillis;
  private final ArrayDeque<Event> notices = new ArrayDeque<>();
  private final Optional<TrustKey> trustKey;
  private final Optional<SignatureCheck> check;
  private volatile boolean closedByCaller;

  private TorchfeedClient(ServerAddress address, Replicas replicas, Socket socket, int version, String libtorch,
      Optional<TrustKey> trustKey) throws IOException {
    this.address = address;
    this.replicas = replicas;
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
    this.out = new BufferedOutputStream(socket.getOutputStream());
    this.readTimeoutMillis = socket.getSoTimeout();
    this.trustKey = trustKey;
    this.check = trustKey.map(SignatureCheck::new);
    send(new Hello(version, "torchfeed-java/" + ClientVersion.VERSION, libtorch));
    if (!(socket instanceof javax.net.ssl.SSLSocket)) {
      refuseTls();
    }
    try {
      this.serverHello = expect(ServerHello.class);
    } catch (RemoteException e) {
      if (trustKey.isPresent() && e.code() == ErrorCode.UNSUPPORTED && version == Protocol.SIGNED_VERSION) {
        throw new UntrustedManifestException("the server does not speak protocol version " + version
            + " and cannot send signed manifests, which --trust-key requires (" + e.getMessage() + ")");
      }
      throw e;
    }
  }

  /** A TLS record (an alert or a handshake) where SERVER_HELLO should be: the server wants TLS. */
  private void refuseTls() throws IOException {
    in.mark(1);
    int first = in.read();
    in.reset();
    if (first == TLS_ALERT || first == TLS_HANDSHAKE) {
      throw new TlsAnswer();
    }
  }

  /** A plaintext client met a TLS port: no other attempt would do better. */
  private static final class TlsAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    TlsAnswer() {
      super("the server answered with TLS; connect with --tls-ca (ServerAddress.withTls)");
    }
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
    return connect(address, connectTimeout, readTimeout, libtorch, Optional.empty());
  }

  /**
   * Connects and exchanges the hello; with a trust key, every manifest and fetch must be signed by that key
   * (docs/protocol.md, section 5.10), or {@link #manifest} and {@link #fetch} throw {@link
   * UntrustedManifestException} before anything is written.
   *
   * @param libtorch the LibTorch version this client loads models with, or empty
   * @param trustKey the key manifests must be signed with; empty: signatures are not asked for
   */
  public static TorchfeedClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout,
      String libtorch, Optional<TrustKey> trustKey) {
    return connect(Replicas.of(address).timeouts(connectTimeout, readTimeout).libtorch(libtorch)
        .trustKey(trustKey));
  }

  /** Connects to one of these replicas (a random one first, then the next) with the default timeouts. */
  public static TorchfeedClient connect(List<ServerAddress> servers) {
    return connect(Replicas.of(servers));
  }

  /**
   * Connects to one of these replicas: a random one first, then the next while they refuse or are unavailable
   * ({@link Replicas#connect()}); for the order given, {@code connect(Replicas.of(servers).inOrder(true)...)}.
   *
   * @param libtorch the LibTorch version this client loads models with, or empty
   * @param trustKey the key manifests must be signed with; empty: signatures are not asked for
   */
  public static TorchfeedClient connect(List<ServerAddress> servers, Duration connectTimeout, Duration readTimeout,
      String libtorch, Optional<TrustKey> trustKey) {
    return connect(Replicas.of(servers).timeouts(connectTimeout, readTimeout).libtorch(libtorch)
        .trustKey(trustKey));
  }

  /** {@link Replicas#connect()}. */
  public static TorchfeedClient connect(Replicas replicas) {
    return replicas.connect();
  }

  /**
   * Connects to {@code address}, one of {@code replicas}, and exchanges the hello: protocol version 3 first; when
   * the server refuses it (ERROR UNSUPPORTED, which closes the connection), again on a new connection with the
   * version before ({@link Replicas#versionBeforeChunks()}), remembered for that server for a while
   * ({@link Replicas#chunksRetry(Duration)}).
   */
  static TorchfeedClient open(ServerAddress address, Replicas replicas, Duration connectTimeout,
      Duration readTimeout, String libtorch, Optional<TrustKey> trustKey) {
    int version = replicas.protocolVersion(address);
    try {
      return open(address, replicas, version, connectTimeout, readTimeout, libtorch, trustKey);
    } catch (RemoteException e) {
      if (e.code() != ErrorCode.UNSUPPORTED || version != Protocol.CHUNKS_VERSION) {
        throw e;
      }
      replicas.refusedChunks(address);
      return open(address, replicas, replicas.versionBeforeChunks(), connectTimeout, readTimeout, libtorch,
          trustKey);
    }
  }

  private static TorchfeedClient open(ServerAddress address, Replicas replicas, int version,
      Duration connectTimeout, Duration readTimeout, String libtorch, Optional<TrustKey> trustKey) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(address.host(), address.port()), (int) connectTimeout.toMillis());
      Socket connected = socket;
      if (address.tls().isPresent()) {
        socket.setSoTimeout((int) connectTimeout.toMillis());  // the handshake is part of connecting
        connected = address.tls().get().handshake(socket, address);
      }
      connected.setSoTimeout((int) readTimeout.toMillis());
      return new TorchfeedClient(address, replicas, connected, version, libtorch, trustKey);
    } catch (ClientException e) {
      closeQuietly(socket);
      throw e;
    } catch (ConnectException e) {
      closeQuietly(socket);
      throw new ConnectionFailedException("cannot connect to " + address + ": connection refused", e);
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new ConnectionFailedException("cannot connect to " + address + ": timed out", e);
    } catch (IOException e) {
      closeQuietly(socket);
      String reason = e.getMessage() != null ? e.getMessage()
          : e instanceof EOFException ? "the server closed the connection" : e.toString();
      String message = "cannot connect to " + address + ": " + reason;
      if (e instanceof TlsAnswer || e instanceof javax.net.ssl.SSLException) {
        throw new ClientException(message, e);  // the same would happen again
      }
      throw new ConnectionFailedException(message, e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  public ServerHello serverHello() {
    return serverHello;
  }

  /** The server this client is connected to. */
  public ServerAddress address() {
    return address;
  }

  /** The servers it was connected from (this one alone for {@link #connect(ServerAddress)}). */
  Replicas replicas() {
    return replicas;
  }

  /** The key this client requires manifests to be signed with, if any. */
  public Optional<TrustKey> trustKey() {
    return trustKey;
  }

  public ModelListing list() {
    return call(new ListRequest(), ListResult.class).listing();
  }

  /**
   * MANIFEST.
   *
   * @throws UntrustedManifestException with a trust key, when the manifest is not signed by it or is not the
   *     manifest of {@code id}
   */
  public Manifest manifest(ModelId id) {
    ManifestResult result = call(new ManifestRequest(id.wireName(), id.version()), ManifestResult.class);
    return check.map(c -> c.manifest(id, result)).orElseGet(result::manifest);
  }

  /**
   * FETCH: writes exactly the payload to {@code sink} as it arrives and returns the header.
   *
   * @param length bytes wanted, 0 for "to the end"
   * @param progress told the running count of payload bytes received; may be null
   * @throws UntrustedManifestException with a trust key, when the header is not signed by it or does not match
   *     its signed manifest: then nothing was written to {@code sink} (the bytes were read and dropped)
   */
  public FetchHeader fetch(ModelId id, long offset, long length, OutputStream sink, Progress progress) {
    return fetch(id, offset, length, sink, progress, header -> {});
  }

  /**
   * {@link #fetch(ModelId, long, long, OutputStream, Progress)}, with {@code accept} told the header before any
   * byte is written: when it throws, the bytes are read and dropped (the connection stays usable) and its
   * exception is thrown. A failure of the connection is a {@link ConnectionFailedException}; one of the sink is
   * not.
   */
  FetchHeader fetch(ModelId id, long offset, long length, OutputStream sink, Progress progress,
      Consumer<FetchHeader> accept) {
    FetchHeader header = call(new FetchRequest(id.wireName(), id.version(), offset, length), FetchHeader.class);
    try {
      check.ifPresent(c -> c.fetchHeader(id, header));
      accept.accept(header);
    } catch (ClientException e) {
      drop(header.payloadSize());
      throw e;
    }
    byte[] chunk = new byte[256 * 1024];
    long remaining = header.payloadSize();
    if (progress != null) {
      progress.started(header);
    }
    while (remaining > 0) {
      int n;
      try {
        n = in.read(chunk, 0, (int) Math.min(chunk.length, remaining));
        if (n < 0) {
          throw new EOFException("connection closed with " + remaining + " payload bytes missing");
        }
      } catch (IOException e) {
        throw broken("fetch of " + id + " interrupted: " + e.getMessage(), e);
      }
      writeOrClose(sink, chunk, n, id);
      remaining -= n;
      if (progress != null) {
        progress.advanced(header.payloadSize() - remaining);
      }
    }
    return header;
  }

  /** Reads and drops the raw bytes of a refused FETCH, so that the connection stays usable. */
  private void drop(long count) {
    byte[] chunk = new byte[64 * 1024];
    try {
      for (long remaining = count; remaining > 0; ) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, remaining));
        if (n < 0) {
          throw new EOFException("connection closed with " + remaining + " payload bytes missing");
        }
        remaining -= n;
      }
    } catch (IOException e) {
      throw broken("connection to the server failed: " + e.getMessage(), e);
    }
  }

  /**
   * SUBSCRIBE: from now on the server notifies changes to these models (docs/protocol.md 5.7); subscribing
   * again replaces the set.
   *
   * @param names model names; empty for every model, including models published later
   * @return the subscription the server acknowledged
   */
  public Subscription subscribe(List<String> names) {
    Subscribed answer = call(new SubscribeRequest(names), Subscribed.class);
    return new Subscription(this, answer.names());
  }

  /**
   * The next NOTICE's event: one received earlier, or the next to arrive within {@code timeout}.
   *
   * @return empty when none arrived in time (a zero timeout only looks at what has been received)
   * @throws RemoteException when the server sent an ERROR instead, such as the fatal UNAVAILABLE it sends a
   *     subscriber that fell too far behind
   * @throws ClientException when the connection failed or the server sent something that answers no request
   */
  public Optional<Event> nextNotice(Duration timeout) {
    if (!notices.isEmpty()) {
      return Optional.of(notices.poll());
    }
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    try {
      while (awaitFrame(deadline - System.nanoTime())) {
        Message message = readMessage();
        if (message instanceof Notice notice) {
          return Optional.of(notice.event());
        }
        if (message instanceof ErrorMessage error) {
          throw remote(error);
        }
        throw protocolError("protocol error: the server sent " + message.type()
            + " while no request was waiting for an answer", null);
      }
      return Optional.empty();
    } catch (IOException e) {
      throw broken("connection to the server failed: " + e.getMessage(), e);
    }
  }

  /**
   * RECEIPT: tells the server how loading a fetched version went (docs/protocol.md 5.9). An empty
   * {@code libtorch} in the receipt stands for the version this client announced when it connected.
   */
  public void receipt(LoadReceipt receipt) {
    call(receipt, ReceiptOk.class);
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
      throw broken("connection to the server failed: " + e.getMessage(), e);
    }
  }

  private void send(Message message) throws IOException {
    out.write(MessageEncoder.encode(message));
    out.flush();
  }

  private <T extends Message> T expect(Class<T> answer) throws IOException {
    Message message = readMessage();
    while (message instanceof Notice notice) {
      notices.add(notice.event());
      message = readMessage();
    }
    if (message instanceof ErrorMessage error) {
      throw remote(error);
    }
    if (!answer.isInstance(message)) {
      throw protocolError("protocol error: expected " + answer.getSimpleName() + ", got "
          + message.getClass().getSimpleName(), null);
    }
    return answer.cast(message);
  }

  private RemoteException remote(ErrorMessage error) {
    if (error.fatal()) {
      closeQuietly(socket);
    }
    return new RemoteException(error);
  }

  /** Whether a frame starts within {@code nanos}; reads nothing when none does. */
  private boolean awaitFrame(long nanos) throws IOException {
    if (in.available() > 0) {
      return true;
    }
    if (nanos <= 0) {
      return false;
    }
    socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos))));
    try {
      in.mark(1);
      if (in.read() < 0) {
        throw broken("the server closed the connection", null);
      }
      in.reset();
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(readTimeoutMillis);
      }
    }
  }

  private Message readMessage() throws IOException {
    int type;
    long length;
    try {
      type = in.readUnsignedByte();
      length = Integer.toUnsignedLong(in.readInt());
    } catch (EOFException e) {
      throw broken("the server closed the connection", e);
    }
    if (length > MAX_RESPONSE_FRAME) {
      throw protocolError("protocol error: a frame of " + length + " bytes exceeds the client's limit of "
          + MAX_RESPONSE_FRAME, null);
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    try {
      return MessageDecoder.decode(new Frame(type, payload));
    } catch (ProtocolException e) {
      throw protocolError("protocol error: " + e.getMessage(), e);
    }
  }

  /**
   * False once the client was closed, by {@link #close()}, by a fatal ERROR, or by a failure that leaves the
   * connection unusable (an I/O error, a protocol error, a fetch whose sink failed midway). A failure with the
   * client still open (an ERROR that was not fatal, a checksum mismatch) leaves it usable.
   */
  public boolean isOpen() {
    return !socket.isClosed();
  }

  /** Closes the connection, which failed, and says why. */
  private ConnectionFailedException broken(String message, Throwable cause) {
    closeQuietly(socket);
    return new ConnectionFailedException(message, cause);
  }

  /** Closes the connection, whose byte stream can no longer be trusted, and says why. */
  private ClientException protocolError(String message, Throwable cause) {
    closeQuietly(socket);
    return new ClientException(message, cause);
  }

  /** Writes to the sink; when it fails, the rest of the payload is not read: the connection is closed. */
  private void writeOrClose(OutputStream sink, byte[] chunk, int n, ModelId id) {
    try {
      sink.write(chunk, 0, n);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new ClientException("fetch of " + id + " interrupted: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {  // the rest of the payload is not read: out of frame sync
      closeQuietly(socket);
      throw e;
    }
  }

  @Override
  public void close() {
    closedByCaller = true;
    closeQuietly(socket);
  }

  /** Whether {@link #close()} was called (a failure closes the connection, not this). */
  boolean closedByCaller() {
    return closedByCaller;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
