package io.torchfeed.client;

import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.signing.TrustKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Servers that serve the same models (replicas), how to connect to them, and which one a client tries next.
 *
 * <pre>{@code
 * Replicas replicas = Replicas.of(ServerAddress.parseList("a:7070,b:7070")).libtorch("2.10.0");
 * try (TorchfeedClient client = replicas.connect()) {   // or TorchfeedClient.connect(replicas)
 *   new FileDownload(client).download(ModelId.parse("resnet"), Path.of("resnet.pt"), null);
 * }
 * new ModelWatcher(replicas, List.of("resnet"), loader);
 * }</pre>
 *
 * <ul>
 *   <li>The first server tried is one picked at random, so that clients given the same list spread over the
 *       replicas; with {@link #inOrder(boolean) inOrder(true)} it is the first, then the next in the order given.
 *   <li>A server that refuses, drops the connection, times out or answers ERROR UNAVAILABLE (a replica shutting
 *       down or over its limit) is passed over: the next one is tried at once, and the following connections start
 *       after it. {@link #connect()} tries every server once before it gives up, with one line naming them and the
 *       last error.
 *   <li>A download ({@link FileDownload}, {@link MemoryDownload}, {@link ScratchFile}) cut short resumes on the
 *       next server at the bytes it holds, for the same version, whose sha256 must be the one it started with
 *       ({@link ReplicaMismatchException} otherwise): at most {@link #fetchRounds(int)} rounds over every server,
 *       {@link #retryBackoff(Duration)} (doubled each time) between two rounds.
 * </ul>
 *
 * <p>Configure it before its first use; then it may be shared between threads.
 */
public final class Replicas {
  private final List<ServerAddress> servers;
  private final AtomicInteger next;
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Duration readTimeout = Duration.ofSeconds(60);
  private String libtorch = "";
  private Optional<TrustKey> trustKey = Optional.empty();
  private boolean chunkDigests = true;
  private Duration chunksRetry = Duration.ofMinutes(10);
  private final Map<ServerAddress, Long> beforeChunks = new ConcurrentHashMap<>();  // System.nanoTime() of refusal
  private int fetchRounds = 5;
  private Duration retryBackoff = Duration.ofMillis(200);

  private Replicas(List<ServerAddress> servers) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no server given");
    }
    this.servers = List.copyOf(servers);
    this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(this.servers.size()));
  }

  /** These servers, the first tried picked at random. */
  public static Replicas of(List<ServerAddress> servers) {
    return new Replicas(servers);
  }

  /** One server: connections to it behave as {@link TorchfeedClient#connect(ServerAddress)}'s. */
  public static Replicas of(ServerAddress server) {
    return new Replicas(List.of(server));
  }

  /** True: try the servers in the order given, starting at the first; false (the default): at a random one. */
  public Replicas inOrder(boolean inOrder) {
    next.set(inOrder ? 0 : ThreadLocalRandom.current().nextInt(servers.size()));
    return this;
  }

  /** Connect timeout and read timeout (silence) of each connection (default 10 s and 60 s). */
  public Replicas timeouts(Duration connect, Duration read) {
    this.connectTimeout = Objects.requireNonNull(connect, "connect");
    this.readTimeout = Objects.requireNonNull(read, "read");
    return this;
  }

  /** The LibTorch version HELLO announces: the one the models are loaded with, or empty (the default). */
  public Replicas libtorch(String libtorch) {
    this.libtorch = Objects.requireNonNull(libtorch, "libtorch");
    return this;
  }

  /** The key manifests must be signed with ({@link TorchfeedClient#connect(ServerAddress, Duration, Duration,
   * String, Optional)}); empty (the default): signatures are not asked for. */
  public Replicas trustKey(Optional<TrustKey> trustKey) {
    this.trustKey = Objects.requireNonNull(trustKey, "trustKey");
    return this;
  }

  /**
   * True (the default): ask for chunk digests. HELLO announces protocol version 3 (docs/protocol.md, section 5.3;
   * it includes version 2's signed manifests), manifests carry them
   * ({@link io.torchfeed.model.Manifest#chunkDigests()}) and downloads check each chunk on a pool of threads as it
   * arrives and resume at chunk boundaries. A server older
   * than version 3 refuses that hello (ERROR UNSUPPORTED): it is asked again on a new connection with 2 (with a
   * trust key) or 1, and remembered as such for {@link #chunksRetry(Duration)}; its downloads check the whole
   * file's sha256. False: versions 2 or 1 only, manifests without chunk digests, whole-file checks (the documents
   * and checks of clients before version 3).
   */
  public Replicas chunkDigests(boolean chunkDigests) {
    this.chunkDigests = chunkDigests;
    return this;
  }

  /**
   * How long a server that refused protocol version 3 is asked for the version before (default 10 minutes): the
   * first new connection to it after that asks for 3 again, so that a server upgraded in place (a rolling upgrade
   * of the replicas) sends chunk digests again without the client being restarted. A connection already open keeps
   * its version; asking again costs one refused connection per server and period while the server is still older.
   */
  public Replicas chunksRetry(Duration after) {
    if (after.isNegative()) {
      throw new IllegalArgumentException("the chunks retry must not be negative, not " + after);
    }
    this.chunksRetry = after;
    return this;
  }

  /**
   * The protocol version HELLO announces to {@code server}: 3 with chunk digests, unless it refused 3 less than
   * {@link #chunksRetry(Duration)} ago; else 2 with a trust key (a signing server signs what it sends from version
   * 2 on); else 1.
   */
  int protocolVersion(ServerAddress server) {
    if (chunkDigests && !refusedChunksRecently(server)) {
      return Protocol.CHUNKS_VERSION;
    }
    return versionBeforeChunks();
  }

  /** The version asked for when not 3: 2 with a trust key, else 1. */
  int versionBeforeChunks() {
    return trustKey.isPresent() ? Protocol.SIGNED_VERSION : Protocol.VERSION;
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {  // over about 292 years: never asked again
      return Long.MAX_VALUE;
    }
  }

  private boolean refusedChunksRecently(ServerAddress server) {
    Long refused = beforeChunks.get(server);
    if (refused == null) {
      return false;
    }
    if (System.nanoTime() - refused < saturatedNanos(chunksRetry)) {
      return true;
    }
    beforeChunks.remove(server, refused);  // asked for 3 again, and remembered anew if it refuses
    return false;
  }

  /** {@code server} refused protocol version 3: it is asked for the version before for a while. */
  void refusedChunks(ServerAddress server) {
    beforeChunks.put(server, System.nanoTime());
  }

  /** How many rounds over every server a download makes before it gives up (default 5, at least 1). */
  public Replicas fetchRounds(int rounds) {
    if (rounds < 1) {
      throw new IllegalArgumentException("fetch rounds must be at least 1, not " + rounds);
    }
    this.fetchRounds = rounds;
    return this;
  }

  /** The wait between two rounds of a download, doubled before each next one (default 200 ms). */
  public Replicas retryBackoff(Duration backoff) {
    this.retryBackoff = Objects.requireNonNull(backoff, "backoff");
    return this;
  }

  /** The servers, in the order given. */
  public List<ServerAddress> servers() {
    return servers;
  }

  public int fetchRounds() {
    return fetchRounds;
  }

  public Duration retryBackoff() {
    return retryBackoff;
  }

  /**
   * A client connected to the next server that answers, starting at the one to try next.
   *
   * @throws ClientException when every server failed: with one server, its error as it is; with several, a {@link
   *     ConnectionFailedException} naming them and the last error. A failure no other server would mend (a refused
   *     TLS handshake, a server that cannot sign for a trust key) is thrown at once.
   */
  public TorchfeedClient connect() {
    ClientException last = null;
    for (ServerAddress server : connectOrder()) {
      try {
        return connect(server);
      } catch (ClientException e) {
        if (!nextMayHelp(e)) {
          throw e;
        }
        failed(server);
        last = e;
      }
    }
    throw giveUp("every server failed", last);
  }

  /** The order {@link #connect()} would try the servers in now: the one to try next, then the following ones. */
  List<ServerAddress> connectOrder() {
    int first = next.get();
    return IntStream.range(0, servers.size()).mapToObj(i -> servers.get((first + i) % servers.size())).toList();
  }

  /** A client connected to this one server (one of the list), or its failure. */
  TorchfeedClient connect(ServerAddress server) {
    return TorchfeedClient.open(server, this, connectTimeout, readTimeout, libtorch, trustKey);
  }

  /** The server failed: when it is the one to try next, the following one is. */
  void failed(ServerAddress server) {
    int index = servers.indexOf(server);
    if (index >= 0) {
      next.compareAndSet(index, (index + 1) % servers.size());
    }
  }

  /** The server after this one in the list (itself when it is the only one). */
  ServerAddress after(ServerAddress server) {
    return servers.get((servers.indexOf(server) + 1) % servers.size());
  }

  /** Whether another server may not fail as this did: a connection failure or ERROR UNAVAILABLE. */
  static boolean nextMayHelp(ClientException e) {
    return e instanceof ConnectionFailedException
        || e instanceof RemoteException remote && remote.code() == ErrorCode.UNAVAILABLE;
  }

  /**
   * What to throw when every server failed, the last with {@code last}: {@code last} itself with one server, else
   * a {@link ConnectionFailedException} whose one line says {@code whatHappened}, names the servers and the last
   * error.
   */
  ClientException giveUp(String whatHappened, ClientException last) {
    if (servers.size() == 1) {
      return last;
    }
    return new ConnectionFailedException(whatHappened + " (" + this + "); the last error: " + last.getMessage(),
        last);
  }

  /** {@code a:7070, b:7070}. */
  @Override
  public String toString() {
    return servers.stream().map(ServerAddress::toString).collect(Collectors.joining(", "));
  }
}
