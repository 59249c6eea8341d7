package io.torchfeed.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * The server's meters, exposed in Prometheus text format by {@link #scrape()}. One instance per server, passed to
 * whoever counts; every method is safe to call from any thread.
 *
 * <table>
 *   <caption>Prometheus names</caption>
 *   <tr><td>{@code torchfeed_sent_bytes_total{transport}}</td><td>bytes written to clients (model bytes and
 *       frames on TCP, model bytes on HTTP)</td></tr>
 *   <tr><td>{@code torchfeed_fetches_total{name,version,transport}}</td><td>model downloads started</td></tr>
 *   <tr><td>{@code torchfeed_fetch_duration_seconds{transport,outcome}}</td><td>histogram of downloads' durations,
 *       from the first byte queued to the last sent; outcome {@code complete} or {@code aborted}</td></tr>
 *   <tr><td>{@code torchfeed_fetch_size_bytes{transport,outcome}}</td><td>histogram of the bytes each download
 *       sent</td></tr>
 *   <tr><td>{@code torchfeed_http_requests_seconds{method,status}}</td><td>HTTP requests answered, by method and
 *       status code, with their duration (a download's included)</td></tr>
 *   <tr><td>{@code torchfeed_tcp_connections}</td><td>open TCP protocol connections</td></tr>
 *   <tr><td>{@code torchfeed_subscribers}</td><td>clients subscribed to catalog events</td></tr>
 *   <tr><td>{@code torchfeed_validation_seconds{outcome}}</td><td>LibTorch validations and their duration;
 *       outcome {@code valid}, {@code rejected} (including crashes and time-outs) or {@code unavailable}</td></tr>
 *   <tr><td>{@code torchfeed_validation_rejects_total}</td><td>files the validator rejected</td></tr>
 *   <tr><td>{@code torchfeed_rejected_files}</td><td>files currently listed as rejected</td></tr>
 *   <tr><td>{@code torchfeed_store_requests_total{operation,outcome}}</td><td>requests to the bucket store
 *       (docs/store.md)</td></tr>
 *   <tr><td>{@code torchfeed_bus_messages_total{direction,kind,outcome}}</td><td>messages of the bus between
 *       replicas (docs/bus.md): direction {@code out} or {@code in}, kind {@code notice} or {@code receipt}, and the
 *       outcome the bus names</td></tr>
 * </table>
 *
 * <p>{@link #bindJvmAndProcess()} adds what Prometheus users expect of any JVM service: Micrometer's JVM binders
 * ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*}, {@code jvm_info},
 * {@code system_cpu_*}, {@code process_cpu_usage}) and the Prometheus client's standard process metrics
 * ({@code process_cpu_seconds_total}, {@code process_resident_memory_bytes}, {@code process_open_fds},
 * {@code process_max_fds}, {@code process_start_time_seconds}, ...). Micrometer's own uptime and file-descriptor
 * binders are left out: they would export a second {@code process_start_time_seconds} and duplicate the standard
 * descriptor gauges. Two of {@code ProcessorMetrics}' meters fail {@code promtool check metrics}: its
 * {@code process_cpu_time_ns_total} (an abbreviated unit, and the same figure as the standard
 * {@code process_cpu_seconds_total}) is left out, and its {@code system_cpu_count} (a gauge named like a histogram's
 * count) is exported as {@code system_cpus}.
 */
public final class Metrics implements AutoCloseable {
  public static final String HTTP = "http";
  public static final String TCP = "tcp";

  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");
  private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofMinutes(1), Duration.ofMinutes(5)};
  private static final double[] SIZE_BUCKETS = {1 << 20, 16 << 20, 64 << 20, 256 << 20, 1L << 30, 4L << 30,
      16L << 30, 64L << 30};

  private final PrometheusMeterRegistry registry = newRegistry();
  private final Map<String, Counter> sent = Map.of(HTTP, sentCounter(HTTP), TCP, sentCounter(TCP));
  private final Counter rejects = Counter.builder("torchfeed.validation.rejects")
      .description("Files the validator rejected (including crashes and time-outs)").register(registry);
  private final AtomicReference<IntSupplier> tcpConnections = new AtomicReference<>(() -> 0);
  private final AtomicReference<IntSupplier> subscribers = new AtomicReference<>(() -> 0);
  private final AtomicReference<IntSupplier> rejectedFiles = new AtomicReference<>(() -> 0);
  private JvmGcMetrics gc;

  public Metrics() {
    gauge("torchfeed.tcp.connections", "Open TCP protocol connections", tcpConnections);
    gauge("torchfeed.subscribers", "Clients subscribed to catalog events", subscribers);
    gauge("torchfeed.rejected.files", "Model files currently rejected", rejectedFiles);
  }

  /** Counts {@code bytes} written to a client of {@code transport} ({@link #HTTP} or {@link #TCP}). */
  public void sent(String transport, long bytes) {
    sent.get(transport).increment(bytes);
  }

  /**
   * Binds the JVM and process meters (see the class comment). Once per registry; the server's {@code Metrics}
   * does it, tests of the torchfeed meters need not.
   */
  public synchronized Metrics bindJvmAndProcess() {
    if (gc == null) {
      new ClassLoaderMetrics().bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new JvmInfoMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
      ProcessMetrics.builder().register(registry.getPrometheusRegistry());
    }
    return this;
  }

  /**
   * Counts one download of {@code name:version} starting over {@code transport}; the caller ends the returned
   * {@link Download} when its last byte is sent or its connection is lost.
   */
  public Download fetchStarted(String transport, String name, int version) {
    Counter.builder("torchfeed.fetches").description("Model downloads started")
        .tags("name", name, "version", String.valueOf(version), "transport", transport)
        .register(registry).increment();
    return new Download(this, transport, System.nanoTime());
  }

  void downloadEnded(String transport, String outcome, long nanos, long bytes) {
    Timer.builder("torchfeed.fetch.duration")
        .description("Model downloads, from the first byte queued to the last byte sent or the connection lost")
        .tags("transport", transport, "outcome", outcome).serviceLevelObjectives(DURATION_BUCKETS)
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    DistributionSummary.builder("torchfeed.fetch.size").baseUnit("bytes").description("Bytes each download sent")
        .tags("transport", transport, "outcome", outcome).serviceLevelObjectives(SIZE_BUCKETS)
        .register(registry).record(bytes);
  }

  /**
   * Records one HTTP request answered with {@code status} after {@code nanos}. Methods outside the standard
   * set are counted as {@code other}, so hostile requests cannot grow the label set.
   */
  public void httpRequest(String method, int status, long nanos) {
    String m = method.toUpperCase(Locale.ROOT);
    Timer.builder("torchfeed.http.requests").description("HTTP requests answered, by method and status code")
        .tags("method", METHODS.contains(m) ? m : "other", "status", String.valueOf(status))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records one validation by LibTorch; {@code outcome} is valid, rejected or unavailable. */
  public void validated(String outcome, Duration took) {
    Timer.builder("torchfeed.validation").description("LibTorch validations of model files")
        .tag("outcome", outcome).register(registry).record(took);
    if (outcome.equals(MeteredValidator.REJECTED)) {
      rejects.increment();
    }
  }

  /**
   * Counts one message of the bus between replicas: {@code direction} {@code out} (outcome {@code sent},
   * {@code dropped} or {@code failed}) or {@code in} (outcome {@code delivered}, {@code own} or {@code unreadable});
   * {@code kind} {@code notice}, {@code receipt} (or {@code other} for a kind a newer replica sends). The bus passes
   * only these fixed values, so the label set stays small.
   */
  public void busMessage(String direction, String kind, String outcome) {
    Counter.builder("torchfeed.bus.messages").description("Messages of the bus between replicas")
        .tags("direction", direction, "kind", kind, "outcome", outcome).register(registry).increment();
  }

  /**
   * Counts one request to the bucket store: {@code operation} is get, put, list, head or delete, {@code outcome}
   * ok, missing (no such key), conflict (a conditional write refused) or error (the store failed or was
   * unreachable). A call the S3 client retried counts once; each page of a listing counts.
   */
  public void storeRequest(String operation, String outcome) {
    Counter.builder("torchfeed.store.requests").description("Requests to the bucket store, by operation and outcome")
        .tags("operation", operation, "outcome", outcome).register(registry).increment();
  }

  /**
   * Counts one version a replica copied into its directory ({@code BucketMirror}): {@code source} bucket (a GET of
   * its blob) or local (the same bytes served here already), {@code outcome} ok, refused (the bytes were not the
   * manifest's: altered in the bucket) or error (the bucket or the disk failed).
   */
  public void replicaCopy(String source, String outcome) {
    Counter.builder("torchfeed.replica.copies").description("Versions a replica copied from its bucket")
        .tags("source", source, "outcome", outcome).register(registry).increment();
  }

  /** A registry with the filters of the class comment, set before any meter registers (Micrometer's rule). */
  private static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config()
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(new MeterFilter() {
          @Override
          public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
          }
        });
    return registry;
  }

  /** The source of {@code torchfeed_tcp_connections}. */
  public void tcpConnections(IntSupplier source) {
    tcpConnections.set(source);
  }

  /** The source of {@code torchfeed_subscribers} (0 until set). */
  public void subscribers(IntSupplier source) {
    subscribers.set(source);
  }

  /** The source of {@code torchfeed_rejected_files}. */
  public void rejectedFiles(IntSupplier source) {
    rejectedFiles.set(source);
  }

  /** Every meter in the Prometheus text exposition format, version 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  /** Stops the garbage-collection listener that {@link #bindJvmAndProcess()} installed. */
  @Override
  public synchronized void close() {
    if (gc != null) {
      gc.close();
    }
  }

  private Counter sentCounter(String transport) {
    return Counter.builder("torchfeed.sent").baseUnit("bytes").description("Bytes written to clients")
        .tag("transport", transport).register(registry);
  }

  private void gauge(String name, String description, AtomicReference<IntSupplier> source) {
    Gauge.builder(name, source, s -> s.get().getAsInt()).description(description).register(registry);
  }
}
