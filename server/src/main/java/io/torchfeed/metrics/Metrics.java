package io.torchfeed.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
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
 *   <tr><td>{@code torchfeed_tcp_connections}</td><td>open TCP protocol connections</td></tr>
 *   <tr><td>{@code torchfeed_subscribers}</td><td>clients subscribed to catalog events</td></tr>
 *   <tr><td>{@code torchfeed_validation_seconds{outcome}}</td><td>LibTorch validations and their duration;
 *       outcome {@code valid}, {@code rejected} (including crashes and time-outs) or {@code unavailable}</td></tr>
 *   <tr><td>{@code torchfeed_validation_rejects_total}</td><td>files the validator rejected</td></tr>
 *   <tr><td>{@code torchfeed_rejected_files}</td><td>files currently listed as rejected</td></tr>
 * </table>
 */
public final class Metrics {
  public static final String HTTP = "http";
  public static final String TCP = "tcp";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> sent = Map.of(HTTP, sentCounter(HTTP), TCP, sentCounter(TCP));
  private final Counter rejects = Counter.builder("torchfeed.validation.rejects")
      .description("Files the validator rejected (including crashes and time-outs)").register(registry);
  private final AtomicReference<IntSupplier> tcpConnections = new AtomicReference<>(() -> 0);
  private final AtomicReference<IntSupplier> subscribers = new AtomicReference<>(() -> 0);
  private final AtomicReference<IntSupplier> rejectedFiles = new AtomicReference<>(() -> 0);

  public Metrics() {
    gauge("torchfeed.tcp.connections", "Open TCP protocol connections", tcpConnections);
    gauge("torchfeed.subscribers", "Clients subscribed to catalog events", subscribers);
    gauge("torchfeed.rejected.files", "Model files currently rejected", rejectedFiles);
  }

  /** Counts {@code bytes} written to a client of {@code transport} ({@link #HTTP} or {@link #TCP}). */
  public void sent(String transport, long bytes) {
    sent.get(transport).increment(bytes);
  }

  /** Counts one download of {@code name:version} starting over {@code transport}. */
  public void fetched(String transport, String name, int version) {
    Counter.builder("torchfeed.fetches").description("Model downloads started")
        .tags("name", name, "version", String.valueOf(version), "transport", transport)
        .register(registry).increment();
  }

  /** Records one validation by LibTorch; {@code outcome} is valid, rejected or unavailable. */
  public void validated(String outcome, Duration took) {
    Timer.builder("torchfeed.validation").description("LibTorch validations of model files")
        .tag("outcome", outcome).register(registry).record(took);
    if (outcome.equals(MeteredValidator.REJECTED)) {
      rejects.increment();
    }
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

  private Counter sentCounter(String transport) {
    return Counter.builder("torchfeed.sent").baseUnit("bytes").description("Bytes written to clients")
        .tag("transport", transport).register(registry);
  }

  private void gauge(String name, String description, AtomicReference<IntSupplier> source) {
    Gauge.builder(name, source, s -> s.get().getAsInt()).description(description).register(registry);
  }
}
