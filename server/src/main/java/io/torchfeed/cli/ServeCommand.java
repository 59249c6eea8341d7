package io.torchfeed.cli;

import io.torchfeed.TorchfeedServer;
import io.torchfeed.bus.nats.BusLocation;
import io.torchfeed.bus.nats.BusMessageFormat;
import io.torchfeed.bus.nats.Subjects;
import io.torchfeed.store.StoreLocation;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.NameLimit;
import io.torchfeed.transport.Drain;
import io.torchfeed.transport.tcp.RawHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: scan and validate the repository, then serve it until SIGTERM or SIGINT, which stop it gracefully
 * ({@link StopSignals}, docs/shutdown.md) and exit 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Validate the model repository and serve it over TCP and HTTP.")
public final class ServeCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Java properties file with option defaults (keys as the long option names).")
  Path config;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "models",
      description = "Model repository: <DIR>/<name>/<version>/model.pt (default: ${DEFAULT-VALUE}).")
  Path models;

  @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "0.0.0.0",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--port", defaultValue = "7070", description = "TCP protocol port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--raw-port", paramLabel = "N", description = "Also serve one model raw on this port.")
  Integer rawPort;

  @Option(names = "--raw-model", paramLabel = "NAME[:VERSION]",
      description = "The model the raw port sends (the latest version if none is given).")
  String rawModel;

  @Option(names = "--raw-header", paramLabel = "none|u32|u64", defaultValue = "u64",
      description = "Size header before the raw bytes: none, u32 (signed) or u64 (default: ${DEFAULT-VALUE}).")
  String rawHeader;

  @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "65536",
      description = "Largest TCP request frame payload (default: ${DEFAULT-VALUE}).")
  int maxFrame;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m",
      converter = DurationConverter.class,
      description = "Close connections with no request in progress and nothing to send for this long "
          + "(default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "1m",
      converter = DurationConverter.class,
      description = "A request that has started must arrive whole within this (TCP frame, HTTP request head); "
          + "an HTTP request body must not stall for longer (default: ${DEFAULT-VALUE}).")
  Duration requestTimeout;

  @Option(names = "--write-timeout", paramLabel = "DURATION", defaultValue = "2m",
      converter = DurationConverter.class,
      description = "Disconnect a client that takes none of the bytes sent to it for this long "
          + "(default: ${DEFAULT-VALUE}).")
  Duration writeTimeout;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
      description = "Concurrent TCP protocol connections (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--max-http-connections", paramLabel = "N", defaultValue = "10000",
      description = "Concurrent HTTP connections; requests on more are answered 503 (default: ${DEFAULT-VALUE}).")
  int maxHttpConnections;

  @Option(names = "--max-queued-notices", paramLabel = "N", defaultValue = "1000",
      description = "Undelivered notices a TCP subscriber may have before it is dropped as too slow "
          + "(default: ${DEFAULT-VALUE}).")
  int maxQueuedNotices;

  @Option(names = "--max-name-length", paramLabel = "N", defaultValue = "128",
      description = "Longest model or alias name, 1 to 128; a longer one in a request is refused, a longer "
          + "directory in the repository skipped (default: ${DEFAULT-VALUE}).")
  int maxNameLength;

  @Option(names = "--validation-timeout", paramLabel = "DURATION", defaultValue = "2m",
      converter = DurationConverter.class,
      description = "Time limit for LibTorch to validate one file (default: ${DEFAULT-VALUE}).")
  Duration validationTimeout;

  @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "30s",
      converter = DurationConverter.class,
      description = "On SIGTERM or SIGINT, transfers in flight (downloads, uploads) get this long to finish before "
          + "they are cut; new connections and requests are refused at once (default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Manifest cache and, with --store, the replica's copy of the bucket in DIR/store "
          + "(default: $XDG_CACHE_HOME/torchfeed or ~/.cache/torchfeed).")
  Path cacheDir;

  @Option(names = "--store", paramLabel = "s3://BUCKET[/PREFIX]",
      description = "Run as a replica of this S3 bucket (docs/scale-out.md) instead of serving --models; "
          + "credentials from the AWS SDK's default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles, "
          + "instance roles).")
  String store;

  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "With --store: the S3 service (default: AWS S3 of --s3-region).")
  String s3Endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION", defaultValue = "us-east-1",
      description = "With --store: the signing region (default: ${DEFAULT-VALUE}).")
  String s3Region;

  @Option(names = "--s3-path-style", defaultValue = "false",
      description = "With --store: address the bucket as ENDPOINT/BUCKET/KEY (most S3-compatible services).")
  boolean s3PathStyle;

  @Option(names = "--store-poll", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class,
      description = "With --store: read the bucket for changes this often (default: ${DEFAULT-VALUE}); "
          + "--bus makes it prompt.")
  Duration storePoll;

  @Option(names = "--cache-size", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "With --store: the most bytes of model files the replica's copy holds (default: no limit).")
  Long cacheSize;

  @Option(names = "--bus", paramLabel = "nats://HOST:PORT[,HOST:PORT...]",
      description = "With --store: NATS JetStream servers carrying change notices and receipts between replicas.")
  String bus;

  @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "torchfeed",
      description = "With --bus: the replicas' cluster name; replicas hear each other only within it "
          + "(default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--replica-id", paramLabel = "ID",
      description = "With --bus: this replica's id, unique in the cluster (default: HOSTNAME:PORT).")
  String replicaId;

  @Option(names = "--worker-jvm-option", paramLabel = "OPTION", split = ",",
      defaultValue = "-Xmx512m,-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
      description = "JVM options of the validation worker (default: ${DEFAULT-VALUE}).")
  List<String> workerJvmOptions;

  @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "500ms",
      converter = DurationConverter.class,
      description = "A model file is picked up once unchanged for this long (default: ${DEFAULT-VALUE}).")
  Duration settle;

  @Option(names = "--rescan-interval", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Periodic rescan, the fallback for missed file events (default: ${DEFAULT-VALUE}).")
  Duration rescanInterval;

  @Option(names = "--keep", paramLabel = "N", defaultValue = "0",
      description = "After a publish, keep the N newest versions of the model on disk and delete older ones "
          + "that no alias points at; 0 keeps all (default: ${DEFAULT-VALUE}).")
  int keep;

  @Option(names = "--allow-shape-change", defaultValue = "false",
      description = "Accept new versions whose parameter or buffer names, shapes or dtypes differ from the "
          + "latest version's.")
  boolean allowShapeChange;

  @Option(names = "--http-port", paramLabel = "N", defaultValue = "7071",
      description = "HTTP API port; 0 picks a free port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--admin-token", paramLabel = "TOKEN",
      description = "Bearer token for the HTTP API's uploads, deletes and aliases; without one the API is "
          + "read-only. Prefer TORCHFEED_ADMIN_TOKEN: a command line is visible to other users.")
  String adminToken;

  @Option(names = "--max-upload", paramLabel = "SIZE", defaultValue = "4GiB", converter = SizeConverter.class,
      description = "Largest model upload over HTTP, e.g. 512MiB (default: ${DEFAULT-VALUE}).")
  long maxUpload;

  @Option(names = "--follow-symlinks", defaultValue = "false",
      description = "Serve model files that are symbolic links to files outside the repository (refused by "
          + "default).")
  boolean followSymlinks;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "TLS on every port: the server's certificate chain (PEM, the server's certificate first); "
          + "needs --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The private key of --tls-cert: PEM, unencrypted PKCS#8 (BEGIN PRIVATE KEY), RSA or EC.")
  Path tlsKey;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "TLS on every port from a PKCS#12 keystore (instead of --tls-cert/--tls-key); its password "
          + "comes from TORCHFEED_TLS_KEYSTORE_PASSWORD or --tls-keystore-password-file.")
  Path tlsKeystore;

  @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
      description = "A file whose first line is the password of --tls-keystore.")
  Path tlsKeystorePasswordFile;

  /** The environment variable holding the keystore password (never an option: command lines are visible). */
  static final String KEYSTORE_PASSWORD_ENV = "TORCHFEED_TLS_KEYSTORE_PASSWORD";

  @Option(names = "--signing-key", paramLabel = "FILE",
      description = "Sign every manifest sent with this Ed25519 private key (PEM PKCS#8, as written by "
          + "openssl genpkey -algorithm ed25519 -out FILE); clients check it with --trust-key. Default: unsigned.")
  Path signingKey;

  @Override
  public Integer call() throws Exception {
    ServerConfig serverConfig = toConfig();
    TorchfeedServer server = new TorchfeedServer(serverConfig).start();
    // any other way out of the JVM (SIGHUP, say) closes the server at once, without the grace
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "torchfeed-shutdown"));
    StopSignals signals = StopSignals.install();
    int served = server.catalog().current().all().size();
    spec.commandLine().getOut().printf("torchfeed ready: %d model version%s, %d rejected; TCP on %s, HTTP on %s%s%s%n",
        served, served == 1 ? "" : "s", server.catalog().current().rejected().size(), display(server.tcpAddress()),
        display(server.httpAddress()), server.rawAddress().map(a -> ", raw on " + display(a)).orElse(""),
        serverConfig.tls().isPresent() ? " (TLS)" : "");
    spec.commandLine().getOut().flush();
    String signal = signals.await();
    Drain.Outcome outcome = server.stop();
    spec.commandLine().getOut().println(stoppedLine(signal, outcome));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** {@code torchfeed stopped (SIGTERM): 2 transfers finished, 1 cut}, and any abandoned by their clients. */
  static String stoppedLine(String signal, Drain.Outcome outcome) {
    return "torchfeed stopped (" + signal + "): " + outcome.finished() + " transfer"
        + (outcome.finished() == 1 ? "" : "s") + " finished, " + outcome.cut() + " cut"
        + (outcome.abandoned() == 0 ? "" : ", " + outcome.abandoned() + " abandoned by "
            + (outcome.abandoned() == 1 ? "its client" : "their clients"));
  }

  private static String display(java.net.InetSocketAddress address) {
    java.net.InetAddress ip = address.getAddress();
    String host = ip == null || ip.isAnyLocalAddress() ? "*" : ip.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  ServerConfig toConfig() {
    if (shutdownGrace.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--shutdown-grace must not be negative");
    }
    if (rawModel == null && rawPort != null) {
      throw new ParameterException(spec.commandLine(), "--raw-port needs --raw-model NAME[:VERSION]");
    }
    RawHeader header;
    try {
      header = RawHeader.valueOf(rawHeader.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--raw-header must be none, u32 or u64, not '"
          + rawHeader + "'");
    }
    Optional<ServerConfig.Raw> raw = rawPort == null ? Optional.empty()
        : Optional.of(new ServerConfig.Raw(rawPort, ModelId.parse(rawModel), header));
    ServerConfig.Limits limits;
    try {
      limits = new ServerConfig.Limits(maxConnections, maxHttpConnections, maxFrame, maxUpload, maxQueuedNotices,
          idleTimeout, requestTimeout, writeTimeout, new NameLimit(maxNameLength));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (raw.isPresent()) {
      try {
        limits.names().check(raw.get().model());
      } catch (InvalidRequestException e) {
        throw new ParameterException(spec.commandLine(), "--raw-model: " + e.getMessage() + " (--max-name-length)");
      }
    }
    Path cache = cacheDir != null ? cacheDir : ServerConfig.defaultCacheDir();
    Optional<ServerConfig.Replica> replica = replica();
    if (replica.isPresent() && keep > 0) {
      throw new ParameterException(spec.commandLine(), "--keep applies to a local --models directory; a replica's "
          + "versions are deleted in the bucket (DELETE /v1/models/NAME/versions/N on any replica)");
    }
    return new ServerConfig(replica.isPresent() ? cache.resolve("store") : models, bind, port, raw, limits,
        validationTimeout, cache, workerJvmOptions, settle, rescanInterval, keep, allowShapeChange,
        new ServerConfig.Http(httpPort, Optional.ofNullable(adminToken)), followSymlinks, tls(),
        Optional.ofNullable(signingKey), shutdownGrace, replica);
  }

  /** The bucket and bus options, which go together. */
  private Optional<ServerConfig.Replica> replica() {
    if (store == null) {
      for (String[] option : new String[][] {{"--s3-endpoint", s3Endpoint}, {"--bus", bus},
          {"--replica-id", replicaId}}) {
        if (option[1] != null) {
          throw new ParameterException(spec.commandLine(), option[0] + " needs --store s3://BUCKET[/PREFIX]");
        }
      }
      if (cacheSize != null) {
        throw new ParameterException(spec.commandLine(), "--cache-size needs --store s3://BUCKET[/PREFIX]");
      }
      return Optional.empty();
    }
    try {
      StoreLocation location = StoreLocation.parse(store, s3Endpoint, s3Region, s3PathStyle);
      Optional<BusLocation> busLocation = Optional.ofNullable(bus).map(BusLocation::parse);
      String id = replicaId != null ? replicaId : hostName() + ":" + port;
      new Subjects(cluster);
      return Optional.of(new ServerConfig.Replica(location, storePoll,
          cacheSize != null ? cacheSize : Long.MAX_VALUE, busLocation, cluster, BusMessageFormat.replica(id)));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }

  /** Which TLS options go together; the files themselves are read when the server starts. */
  private Optional<ServerConfig.Tls> tls() {
    if (tlsKeystore != null && (tlsCert != null || tlsKey != null)) {
      throw new ParameterException(spec.commandLine(), "give either --tls-cert and --tls-key or --tls-keystore, "
          + "not both");
    }
    if (tlsKeystore != null) {
      return Optional.of(new ServerConfig.Tls.Keystore(tlsKeystore, keystorePassword()));
    }
    if (tlsKeystorePasswordFile != null) {
      throw new ParameterException(spec.commandLine(), "--tls-keystore-password-file needs --tls-keystore");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(spec.commandLine(), tlsCert == null ? "--tls-key needs --tls-cert"
          : "--tls-cert needs --tls-key");
    }
    return tlsCert == null ? Optional.empty() : Optional.of(new ServerConfig.Tls.Pem(tlsCert, tlsKey));
  }

  private String keystorePassword() {
    if (tlsKeystorePasswordFile != null) {
      try {
        return Files.readString(tlsKeystorePasswordFile).lines().findFirst().orElse("");
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read --tls-keystore-password-file "
            + tlsKeystorePasswordFile + ": " + ConfigDefaults.firstLine(e));
      }
    }
    String fromEnv = System.getenv(KEYSTORE_PASSWORD_ENV);
    if (fromEnv == null) {
      throw new ParameterException(spec.commandLine(), "--tls-keystore needs its password: set "
          + KEYSTORE_PASSWORD_ENV + " or give --tls-keystore-password-file FILE");
    }
    return fromEnv;
  }
}
