package io.torchfeed.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a real server (its own, so every count here is this class's traffic) after downloads
 * and requests the tests make: downloads timed and sized by transport and outcome, HTTP requests counted by
 * status, the JVM and process meters present, and the whole scrape accepted by Prometheus's own
 * {@code promtool check metrics}.
 */
class MetricsIT {
  private static final String PROMTOOL = "/usr/bin/promtool";

  @TempDir
  static Path tmp;
  static TestServer server;
  static HttpApi http;
  static long toynetSize;
  static long bigSize;

  @BeforeAll
  static void start() throws IOException {
    Fixtures.copy(Fixtures.model("toynet"), tmp.resolve("repo/toynet/1/model.pt"));
    bigSize = Files.size(Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("repo/big/1/model.pt"), 32, 5));
    toynetSize = Files.size(Fixtures.model("toynet"));
    server = TestServer.start(tmp.resolve("repo"), tmp.resolve("cache"));
    http = new HttpApi(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void completeDownloadsAreTimedAndSizedPerTransport() throws IOException {
    for (String transport : List.of("tcp", "http")) {
      String count = series("torchfeed_fetch_duration_seconds_count", "complete", transport);
      String bytes = series("torchfeed_fetch_size_bytes_sum", "complete", transport);
      String scrape = scrape();
      double before = value(scrape, count);
      double bytesBefore = value(scrape, bytes);
      try (RawDownload download = download(transport, "toynet")) {
        download.finish();
      }
      // the server records a download when it has sent its last byte, which may be just after the client has it
      String after = Await.value(() -> value(scrape(), count) > before ? scrape() : null, count + " to grow");
      assertEquals(before + 1, value(after, count), count);
      assertEquals(bytesBefore + toynetSize, value(after, bytes), bytes);
      assertTrue(after.contains("torchfeed_fetch_duration_seconds_bucket{outcome=\"complete\",transport=\""
          + transport + "\",le=\"+Inf\"}"), "a histogram, not a summary");
    }
  }

  @Test
  void downloadsCutByTheClientAreCountedAsAbortedWithWhatWasSent() throws IOException {
    for (String transport : List.of("tcp", "http")) {
      String count = series("torchfeed_fetch_duration_seconds_count", "aborted", transport);
      String bytes = series("torchfeed_fetch_size_bytes_sum", "aborted", transport);
      String scrape = scrape();
      double before = value(scrape, count);
      double bytesBefore = value(scrape, bytes);
      RawDownload download = download(transport, "big");
      try {
        download.read(64 * 1024);
      } finally {
        download.reset();
      }
      String after = Await.value(() -> value(scrape(), count) > before ? scrape() : null, count + " to grow");
      assertEquals(before + 1, value(after, count), count);
      double sent = value(after, bytes) - bytesBefore;
      assertTrue(sent >= 64 * 1024 && sent < bigSize, "sent " + sent + " of " + bigSize + " bytes before the reset");
    }
  }

  @Test
  void httpRequestsAreCountedByMethodAndStatus() {
    String notFound = "torchfeed_http_requests_seconds_count{method=\"GET\",status=\"404\"}";
    String brewed = "torchfeed_http_requests_seconds_count{method=\"other\",status=\"405\"}";
    String scrape = scrape();
    double notFoundBefore = value(scrape, notFound);
    double brewedBefore = value(scrape, brewed);

    assertEquals(404, http.get("/v1/models/absent/manifest").statusCode());
    HttpResponse<byte[]> brew = http.send(http.request("/v1/models").method("BREW",
        HttpRequest.BodyPublishers.noBody()));
    assertEquals(405, brew.statusCode(), HttpApi.describe(brew));

    // a request is counted when its exchange completes, which may be just after the client has the answer
    String after = Await.value(() -> {
      String s = scrape();
      return value(s, notFound) > notFoundBefore && value(s, brewed) > brewedBefore ? s : null;
    }, notFound + " and " + brewed + " to grow");
    assertEquals(notFoundBefore + 1, value(after, notFound), notFound);
    assertEquals(brewedBefore + 1, value(after, brewed), brewed + ": an unknown method is counted as other");
  }

  @Test
  void theJvmAndProcessMetricsPrometheusUsersExpectAreThere() {
    String scrape = scrape();
    for (String family : List.of("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
        "jvm_info", "system_cpus", "process_cpu_usage", "process_cpu_seconds_total",
        "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds")) {
      assertEquals(1, scrape.lines().filter(l -> l.startsWith("# TYPE " + family + " ")).count(),
          family + " is exported exactly once in\n" + scrape);
    }
  }

  @Test
  void theScrapePassesPromtoolCheckMetrics() throws Exception {
    try (RawDownload tcp = download("tcp", "toynet"); RawDownload web = download("http", "toynet")) {
      tcp.finish();
      web.finish();
    }
    http.get("/v1/models/absent");
    HttpResponse<byte[]> response = http.get("/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(Files.isExecutable(Path.of(PROMTOOL)), PROMTOOL + " is missing: .ci/setup installs Debian's "
        + "prometheus package");
    Process promtool = new ProcessBuilder(PROMTOOL, "check", "metrics").redirectErrorStream(true).start();
    try (var in = promtool.getOutputStream()) {
      in.write(response.body());
    }
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(promtool.waitFor(1, TimeUnit.MINUTES), "promtool did not finish");
    assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + output);
  }

  /** A download of the latest version of {@code model} over {@code transport} ("tcp" or "http"), header read. */
  private static RawDownload download(String transport, String model) throws IOException {
    return transport.equals("tcp") ? RawDownload.tcp(server.address(), model, 0)
        : RawDownload.http(server.httpAddress(), "/v1/models/" + model + "/content", 0);
  }

  /** A download meter's series name as exported: its labels in Prometheus's (alphabetical) order. */
  private static String series(String name, String outcome, String transport) {
    return name + "{outcome=\"" + outcome + "\",transport=\"" + transport + "\"}";
  }

  private static String scrape() {
    HttpResponse<byte[]> response = http.get("/metrics");
    assertEquals(200, response.statusCode());
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** The value of the sample {@code series} (name and labels exactly as exported), 0 if it is not there yet. */
  private static double value(String scrape, String series) {
    return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip())).orElse(0.0);
  }
}
