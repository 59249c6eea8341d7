package io.torchfeed.metrics;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.validation.Validator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final Metrics metrics = new Metrics();

  private void assertLine(String line) {
    String scrape = metrics.scrape();
    assertTrue(scrape.lines().anyMatch(l -> l.equals(line)), "no line '" + line + "' in\n" + scrape);
  }

  @Test
  void countsBytesPerTransportAndFetchesPerVersion() {
    metrics.sent(Metrics.HTTP, 100);
    metrics.sent(Metrics.HTTP, 23);
    metrics.sent(Metrics.TCP, 7);
    metrics.fetchStarted(Metrics.TCP, "toynet", 3);
    metrics.fetchStarted(Metrics.TCP, "toynet", 3);
    assertLine("torchfeed_sent_bytes_total{transport=\"http\"} 123.0");
    assertLine("torchfeed_sent_bytes_total{transport=\"tcp\"} 7.0");
    assertLine("torchfeed_fetches_total{name=\"toynet\",transport=\"tcp\",version=\"3\"} 2.0");
  }

  @Test
  void aDownloadIsRecordedOnceWhenItEndsByTransportAndOutcome() {
    Download complete = metrics.fetchStarted(Metrics.HTTP, "toynet", 1);
    complete.ended(3 << 20, true);
    complete.ended(5, false);
    metrics.fetchStarted(Metrics.TCP, "toynet", 1).ended(1000, false);
    assertLine("torchfeed_fetch_duration_seconds_count{outcome=\"complete\",transport=\"http\"} 1");
    assertLine("torchfeed_fetch_size_bytes_sum{outcome=\"complete\",transport=\"http\"} 3145728.0");
    assertLine("torchfeed_fetch_size_bytes_bucket{outcome=\"complete\",transport=\"http\",le=\"1048576.0\"} 0");
    assertLine("torchfeed_fetch_size_bytes_bucket{outcome=\"complete\",transport=\"http\",le=\"1.6777216E7\"} 1");
    assertLine("torchfeed_fetch_duration_seconds_count{outcome=\"aborted\",transport=\"tcp\"} 1");
    assertLine("torchfeed_fetch_size_bytes_sum{outcome=\"aborted\",transport=\"tcp\"} 1000.0");
    assertTrue(metrics.scrape().lines().noneMatch(l -> l.startsWith(
        "torchfeed_fetch_duration_seconds_count{outcome=\"aborted\",transport=\"http\"}")), "ended once only");
  }

  @Test
  void httpRequestsAreCountedByStatusAndStandardMethod() {
    metrics.httpRequest("get", 200, 1_000_000);
    metrics.httpRequest("GET", 200, 1_000_000);
    metrics.httpRequest("BREW", 405, 1_000_000);
    metrics.httpRequest("X" + System.nanoTime(), 405, 1_000_000);
    assertLine("torchfeed_http_requests_seconds_count{method=\"GET\",status=\"200\"} 2");
    assertLine("torchfeed_http_requests_seconds_count{method=\"other\",status=\"405\"} 2");
  }

  @Test
  void busMessagesAreCountedByDirectionKindAndOutcome() {
    metrics.busMessage("out", "notice", "sent");
    metrics.busMessage("out", "notice", "sent");
    metrics.busMessage("in", "receipt", "own");
    assertLine("torchfeed_bus_messages_total{direction=\"out\",kind=\"notice\",outcome=\"sent\"} 2.0");
    assertLine("torchfeed_bus_messages_total{direction=\"in\",kind=\"receipt\",outcome=\"own\"} 1.0");
  }

  @Test
  void theJvmAndProcessMetersAreBoundOnlyWhenAsked() {
    assertTrue(metrics.scrape().lines().noneMatch(l -> l.startsWith("jvm_") || l.startsWith("process_")));
    try (Metrics bound = new Metrics().bindJvmAndProcess().bindJvmAndProcess()) {
      String scrape = bound.scrape();
      assertTrue(scrape.lines().anyMatch(l -> l.startsWith("jvm_memory_used_bytes{")), scrape);
      assertTrue(scrape.lines().anyMatch(l -> l.startsWith("process_resident_memory_bytes ")), scrape);
    }
  }

  @Test
  void gaugesReadTheirSourcesAndStartAtZero() {
    assertLine("torchfeed_subscribers 0.0");
    metrics.subscribers(() -> 4);
    metrics.tcpConnections(() -> 2);
    metrics.rejectedFiles(() -> 1);
    assertLine("torchfeed_subscribers 4.0");
    assertLine("torchfeed_tcp_connections 2.0");
    assertLine("torchfeed_rejected_files 1.0");
  }

  @Test
  void meteredValidatorRecordsOutcomesAndRejects() {
    Validator fine = new StubValidator(null);
    Validator bad = new StubValidator(new ModelRejectedException("not a zip archive"));
    new MeteredValidator(fine, metrics).validate(Path.of("a.pt"));
    assertThrows(ModelRejectedException.class, () -> new MeteredValidator(bad, metrics).validate(Path.of("b.pt")));
    assertLine("torchfeed_validation_seconds_count{outcome=\"valid\"} 1");
    assertLine("torchfeed_validation_seconds_count{outcome=\"rejected\"} 1");
    assertLine("torchfeed_validation_rejects_total 1.0");
  }

  private record StubValidator(RuntimeException failure) implements Validator {
    @Override
    public ModuleInfo validate(Path file) {
      if (failure != null) {
        throw failure;
      }
      return new ModuleInfo(List.of(), List.of());
    }

    @Override
    public void close() {}
  }
}
