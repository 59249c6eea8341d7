package io.torchfeed;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.event.EventBus;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.repository.ManifestCache;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.repository.RepositoryWatcher;
import io.torchfeed.repository.RepositoryLoader;
import io.torchfeed.repository.RepositoryScanner;
import io.torchfeed.transport.tcp.ClientRegistry;
import io.torchfeed.transport.tcp.RawServer;
import io.torchfeed.transport.tcp.TcpServer;
import io.torchfeed.transport.tcp.TcpSettings;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.WorkerValidator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The running server, wired from a {@link ServerConfig}: scans and validates the repository, then opens the TCP
 * protocol port and, if configured, the raw port. Ports open once the first scan is done, so every answer
 * reflects a validated repository.
 *
 * <p>Catalog changes after the first scan go to {@link #events()}, as do the load receipts TCP clients send; TCP
 * subscribers hear the catalog changes as NOTICE frames. {@link #clients()} lists the connected TCP clients.
 */
public final class TorchfeedServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TorchfeedServer.class);

  private final ServerConfig config;
  private final EventBus events = new EventBus();
  private final ClientRegistry clients = new ClientRegistry();
  private ModelRepository repository;
  private RepositoryWatcher watcher;
  private WorkerValidator validator;
  private XnioWorker worker;
  private TcpServer tcp;
  private RawServer raw;

  public TorchfeedServer(ServerConfig config) {
    this.config = config;
  }

  public TorchfeedServer start() throws IOException {
    RepositoryScanner scanner = new RepositoryScanner(config.models(), log::warn);
    validator = new WorkerValidator(WorkerValidator.Settings.defaults()
        .withFileTimeout(config.validationTimeout()).withExtraJvmOptions(config.workerJvmOptions()));
    ManifestCache cache = new ManifestCache(config.cacheDir(), ManifestCache.identity());
    ArchiveFacts facts = new ArchiveFacts();
    repository = new ModelRepository(config.models(),
        new RepositoryLoader(scanner, facts, validator, cache, config.settle()), facts, cache,
        new ModelRepository.Settings(config.keep(), config.allowShapeChange(), config.rescanInterval()));
    repository.start();
    repository.addListener(event -> events.publish(event.toEvent()));
    watcher = new RepositoryWatcher(config.models(), repository::rescanSoon).start();
    ModelCatalog catalog = repository.catalog();

    worker = Xnio.getInstance(TorchfeedServer.class.getClassLoader()).createWorker(OptionMap.builder()
        .set(Options.WORKER_NAME, "torchfeed")
        .set(Options.WORKER_IO_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()))
        .set(Options.WORKER_TASK_CORE_THREADS, 2)
        .set(Options.WORKER_TASK_MAX_THREADS, 8)
        .getMap());
    ServerHello hello = new ServerHello(io.torchfeed.protocol.Protocol.VERSION, "torchfeed/" + Version.SOFTWARE,
        Version.LIBTORCH);
    tcp = new TcpServer(worker, new TcpSettings(new InetSocketAddress(config.bind(), config.port()),
        config.maxFrameBytes(), config.idleTimeout(), config.maxConnections()), catalog, hello, clients, events);
    tcp.start();
    if (config.raw().isPresent()) {
      ServerConfig.Raw r = config.raw().get();
      raw = new RawServer(worker, new InetSocketAddress(config.bind(), r.port()), catalog, r.model(), r.header(),
          config.idleTimeout());
      raw.start();
    }
    return this;
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

  public TcpServer tcpServer() {
    return tcp;
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

  public Optional<InetSocketAddress> rawAddress() {
    return Optional.ofNullable(raw).map(RawServer::address);
  }

  @Override
  public void close() {
    if (raw != null) {
      raw.close();
    }
    if (tcp != null) {
      tcp.close();
    }
    if (worker != null) {
      worker.shutdownNow();
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
  }
}
