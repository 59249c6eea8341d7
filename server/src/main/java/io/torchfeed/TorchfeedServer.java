package io.torchfeed;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.event.Event;
import io.torchfeed.bus.EventBus;
import io.torchfeed.bus.nats.BusHealth;
import io.torchfeed.bus.nats.BusMessage;
import io.torchfeed.bus.nats.NatsBus;
import io.torchfeed.metrics.MeteredValidator;
import io.torchfeed.metrics.Metrics;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.repository.AnnouncingUpstream;
import io.torchfeed.repository.ManifestCache;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.repository.RepositoryWatcher;
import io.torchfeed.repository.RepositoryLoader;
import io.torchfeed.repository.RepositoryScanner;
import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.store.BucketLayout;
import io.torchfeed.store.BucketMirror;
import io.torchfeed.store.BucketRepository;
import io.torchfeed.store.ObjectStore;
import io.torchfeed.store.S3ObjectStore;
import io.torchfeed.store.StoreHealth;
import io.torchfeed.transport.Drain;
import io.torchfeed.transport.ServerTls;
import io.torchfeed.transport.http.CatalogPage;
import io.torchfeed.transport.http.HttpServer;
import io.torchfeed.transport.http.HttpSettings;
import io.torchfeed.transport.http.LiveRoutes;
import io.torchfeed.transport.http.RouteContribution;
import io.torchfeed.transport.http.SigningRoutes;
import io.torchfeed.transport.tcp.ClientInfo;
import io.torchfeed.transport.tcp.ClientReceipt;
import io.torchfeed.transport.tcp.ClientRegistry;
import io.torchfeed.transport.tcp.FleetClients;
import io.torchfeed.transport.tcp.RawServer;
import io.torchfeed.transport.tcp.TcpServer;
import io.torchfeed.transport.tcp.TcpSettings;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.WorkerValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The running server, wired from a {@link ServerConfig}: opens the HTTP API (whose {@code /readyz} and model
 * routes answer 503 until the repository is ready), scans and validates the repository, then opens the TCP protocol port
 * and, if configured, the raw port. Every answer about models reflects a validated repository.
 *
 * <p>Catalog changes after the first scan go to {@link #events()}, as do the load receipts TCP clients send; TCP
 * subscribers hear the catalog changes as NOTICE frames and browsers on {@code /v1/events} as WebSocket messages.
 * {@link #clients()} lists the connected TCP clients.
 *
 * <p>{@link #stop()} stops gracefully (docs/shutdown.md), {@link #close()} at once.
 */
public final class TorchfeedServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TorchfeedServer.class);

  private final ServerConfig config;
  private final Metrics metrics = new Metrics();
  private final EventBus events = new EventBus();
  private final ClientRegistry clients = new ClientRegistry();
  private final FleetClients fleet = new FleetClients(java.time.Clock.systemUTC());
  private final Drain drain = new Drain();
  private final AtomicBoolean closed = new AtomicBoolean();
  private LiveRoutes live;
  private ModelRepository repository;
  private RepositoryWatcher watcher;
  private WorkerValidator validator;
  private XnioWorker worker;
  private TcpServer tcp;
  private HttpServer http;
  private RawServer raw;
  private Optional<ManifestSigner> signer = Optional.empty();
  private ObjectStore bucketStore;
  private volatile BucketMirror mirror;
  private volatile NatsBus bus;

  public TorchfeedServer(ServerConfig config) {
    this.config = config;
  }

  /** Starts everything; on failure, closes what was started and throws. */
  public TorchfeedServer start() throws IOException {
    try {
      open();
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void open() throws IOException {
    // TLS and the signing key first: a bad certificate, key, password or key file stops the start before anything
    // listens or is validated.
    Optional<ServerTls> tls = config.tls().map(ServerTls::load);
    signer = config.signingKey().map(ManifestSigner::load);
    signer.ifPresent(s -> log.info("signing manifests with Ed25519 key {}", s.publicKey().keyIdHex()));
    RepositoryScanner scanner = new RepositoryScanner(config.models(), log::warn, config.limits().names());
    validator = new WorkerValidator(WorkerValidator.Settings.defaults()
        .withFileTimeout(config.validationTimeout()).withExtraJvmOptions(config.workerJvmOptions()));
    ManifestCache cache = new ManifestCache(config.cacheDir(), ManifestCache.identity());
    ArchiveFacts facts = new ArchiveFacts();
    Optional<BucketRepository> bucket = config.replica().map(this::openBucket);
    repository = new ModelRepository(config.models(),
        new RepositoryLoader(scanner, facts, new MeteredValidator(validator, metrics), cache, config.settle(),
            config.followSymlinks()), facts,
        cache, new ModelRepository.Settings(config.keep(), config.allowShapeChange(), config.rescanInterval(),
            config.limits().names()),
        bucket.map(b -> new AnnouncingUpstream(b, event -> {
          if (bus != null) {
            bus.publishNotice(event);
          }
          if (mirror != null && event instanceof Event.AliasChanged) {
            // the alias file follows once the version it names is held: the sync brings it in, then writes it
            mirror.syncSoon();
          }
        })));
    ModelCatalog catalog = repository.catalog();
    repository.addListener(event -> events.publish(event.toEvent()));
    metrics.bindJvmAndProcess();
    metrics.rejectedFiles(() -> catalog.current().rejected().size());
    metrics.subscribers(clients::subscribers);

    worker = Xnio.getInstance(TorchfeedServer.class.getClassLoader()).createWorker(OptionMap.builder()
        .set(Options.WORKER_NAME, "torchfeed")
        .set(Options.WORKER_IO_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()))
        .set(Options.WORKER_TASK_CORE_THREADS, 2)
        .set(Options.WORKER_TASK_MAX_THREADS, 16)
        .getMap());
    ServerHello hello = new ServerHello(io.torchfeed.protocol.Protocol.VERSION, "torchfeed/" + Version.SOFTWARE,
        Version.LIBTORCH);
    ServerConfig.Limits limits = config.limits();
    tcp = new TcpServer(worker, new TcpSettings(new InetSocketAddress(config.bind(), config.port()),
        limits.maxFrameBytes(), limits.idleTimeout(), limits.requestTimeout(), limits.writeTimeout(),
        limits.maxConnections(), limits.maxQueuedNotices()).withTls(tls), catalog, hello, clients, events, metrics,
        signer, drain);
    metrics.tcpConnections(tcp::activeConnections);

    // HTTP opens before the first scan so that /healthz answers during a long one; /readyz and the API answer
    // 503 until it is done. The catalog page, /v1/clients and the /v1/events WebSocket join the API's routes.
    live = new LiveRoutes(clients, events);
    List<RouteContribution> routes = List.of(new CatalogPage(), live,
        new SigningRoutes(catalog, repository::ready, signer));
    // An upload waits for its validation without any I/O: no timeout may close it meanwhile.
    http = new HttpServer(worker, new HttpSettings(new InetSocketAddress(config.bind(), config.http().port()),
        config.http().adminToken(), limits.maxUploadBytes(), limits.maxHttpConnections(), limits.idleTimeout(),
        limits.requestTimeout(), limits.writeTimeout(), config.validationTimeout().multipliedBy(2), tls), repository,
        metrics, routes, drain).withConditions(this::conditions).start();

    if (bucket.isPresent()) {
      // A replica: the bus first (so no notice is missed during the first sync), then its first scan and its first
      // sync with the bucket, both before /readyz says ready and before the TCP port opens.
      ServerConfig.Replica replica = config.replica().get();
      mirror = new BucketMirror(bucket.get(), repository, replica.storePoll(), replica.cacheSize(),
          metrics);
      // versions the copy does not hold are brought in on their first use
      catalog.backfillFrom(mirror);
      bus = replica.bus().map(location -> NatsBus.start(new NatsBus.Settings(location, replica.cluster(),
          replica.id()), metrics, this::heard)).orElse(null);
      if (bus != null) {
        clients.joinFleet(replica.id(), fleet);
        events.addListener(this::shareReceipt);
      }
      repository.start(mirror::start);
    } else {
      repository.start();
    }
    watcher = new RepositoryWatcher(config.models(), repository::rescanSoon).start();
    tcp.start();
    if (config.raw().isPresent()) {
      ServerConfig.Raw r = config.raw().get();
      raw = new RawServer(worker, new InetSocketAddress(config.bind(), r.port()), catalog, r.model(), r.header(),
          limits.writeTimeout(), tls, drain);
      raw.start();
    }
  }

  /** The bucket of a replica, with its S3 client over the AWS SDK's default credentials. */
  private BucketRepository openBucket(ServerConfig.Replica replica) {
    try {
      Files.createDirectories(config.models());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the replica's copy " + config.models() + ": " + e.getMessage(),
          e);
    }
    bucketStore = S3ObjectStore.connect(replica.store(), DefaultCredentialsProvider.builder().build(), metrics);
    log.info("replica {} of {} (a copy in {})", replica.id(), replica.store().describe(""), config.models());
    return new BucketRepository(bucketStore, new BucketLayout(replica.store().prefix()), replica.id());
  }

  /**
   * A message of another replica: a catalog change makes the mirror read the bucket now; a receipt lists its
   * client in {@code /v1/clients}.
   */
  private void heard(BusMessage message) {
    if (message instanceof BusMessage.CatalogNotice && mirror != null) {
      mirror.syncSoon();
    } else if (message instanceof BusMessage.ClientReceipt r) {
      Event.Receipt receipt = r.receipt();
      fleet.heard(r.origin(), new ClientInfo(receipt.client(), r.client().address(), r.client().software(),
          r.client().libtorch(), r.client().connectedAt(), r.client().subscriptions(), List.of()),
          new ClientReceipt(receipt.name(), receipt.version(), receipt.sha256(), receipt.status(), receipt.reason(),
              receipt.libtorch(), r.at()));
    }
  }

  /** A receipt of a client of this replica, for the other replicas' {@code /v1/clients}. */
  private void shareReceipt(Event event) {
    if (!(event instanceof Event.Receipt receipt)) {
      return;
    }
    clients.find(receipt.client()).ifPresent(c -> {
      String at = c.receipts().stream().filter(k -> k.name().equals(receipt.name())).map(ClientReceipt::at)
          .findFirst().orElse(java.time.Instant.now().toString());
      bus.publishReceipt(receipt, at, new BusMessage.Client(c.address(), c.software(), c.libtorch(),
          c.connectedAt(), c.subscriptions()));
    });
  }

  /** {@code /readyz}'s conditions: a replica's store and bus. */
  private Map<String, String> conditions() {
    Map<String, String> conditions = new TreeMap<>();
    if (mirror != null) {
      StoreHealth store = mirror.health();
      conditions.put("store", store.reachable() ? "ok" : store.reason());
    }
    if (bus != null) {
      BusHealth health = bus.health();
      conditions.put("bus", health.connected() ? "ok" : health.state().name().toLowerCase(java.util.Locale.ROOT)
          + (health.lastError().isEmpty() ? "" : ": " + health.lastError()) + "; polling the bucket meanwhile");
    }
    return conditions;
  }

  /** The replica's link to the bucket; empty when the server is not a replica. */
  public Optional<BucketMirror> mirror() {
    return Optional.ofNullable(mirror);
  }

  public ModelCatalog catalog() {
    return repository.catalog();
  }

  public ModelRepository repository() {
    return repository;
  }

  public InetSocketAddress tcpAddress() {
    return tcp.address();
  }

  public InetSocketAddress httpAddress() {
    return http.address();
  }

  /** The key manifests are signed with; empty when the server signs nothing. */
  public Optional<ManifestSigner> signer() {
    return signer;
  }

  public Metrics metrics() {
    return metrics;
  }

  /**
   * Every event, as it happens: catalog changes (published, removed, alias; on the repository thread) and the
   * load receipts TCP clients send (on a TCP I/O thread). Listeners must not block; {@code EventJson.write} gives
   * the JSON the protocol and the HTTP API send.
   */
  public EventBus events() {
    return events;
  }

  /** The connected TCP clients: {@code clients().snapshot()} is the body of {@code GET /v1/clients}. */
  public ClientRegistry clients() {
    return clients;
  }

  public TcpServer tcpServer() {
    return tcp;
  }

  public Optional<InetSocketAddress> rawAddress() {
    return Optional.ofNullable(raw).map(RawServer::address);
  }

  /**
   * Stops gracefully, in this order, and returns what became of the transfers in flight:
   *
   * <ol>
   *   <li>no port accepts connections (TCP protocol, raw, HTTP);
   *   <li>no new request is answered: TCP gets a fatal ERROR UNAVAILABLE, HTTP a 503 and a close; subscribers are
   *       sent that ERROR at once and closed, {@code /v1/events} listeners are closed;
   *   <li>transfers in flight (downloads on every port, uploads) finish, for at most the configured grace;
   *   <li>those left are cut (their connections closed), then everything is closed as by {@link #close()}.
   * </ol>
   */
  public Drain.Outcome stop() {
    if (raw != null) {
      raw.close();
    }
    tcp.close();
    http.close();
    drain.stop();
    tcp.stopping();
    live.close();
    log.info("stopping: no new connections or requests; {} transfer(s) in flight get up to {} ms to finish",
        drain.inFlight(), config.shutdownGrace().toMillis());
    Drain.Outcome outcome = drain.await(config.shutdownGrace());
    close();
    return outcome;
  }

  /** Stops at once: connections and transfers in flight are closed. Only the first call does anything. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (live != null) {
      live.close();
    }
    if (http != null) {
      http.close();
    }
    if (raw != null) {
      raw.close();
    }
    if (tcp != null) {
      tcp.close();
    }
    if (worker != null) {
      worker.shutdownNow();
    }
    if (bus != null) {
      bus.close();
    }
    if (mirror != null) {
      mirror.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (repository != null) {
      repository.close();
    }
    if (validator != null) {
      validator.close();
    }
    if (bucketStore != null) {
      bucketStore.close();
    }
    metrics.close();
  }
}
