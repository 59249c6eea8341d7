package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.repository.FileStamp;
import io.torchfeed.repository.ManifestCache;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line as users run it: {@code java -jar torchfeed.jar <command>} against a real server. */
class CliIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path tmp;
  static TestServer server;
  static String address;

  @BeforeAll
  static void start() {
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
    address = "127.0.0.1:" + server.address().getPort();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static java.util.List<String> goodModels() {
    return Fixtures.GOOD;
  }

  private static void assertTensorsMatchGolden(String name, JsonNode json) {
    Manifest golden = Fixtures.golden(name);
    try {
      assertEquals(JSON.readTree(JSON.writeValueAsString(golden.parameters())), json.get("parameters"));
      assertEquals(JSON.readTree(JSON.writeValueAsString(golden.buffers())), json.get("buffers"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void inspectPrintsWhatLibTorchLists(String name) throws Exception {
    Cli.Result result = Cli.run("inspect", Fixtures.model(name).toString(), "--json");
    assertEquals(0, result.exit(), result.toString());
    JsonNode json = JSON.readTree(result.out());
    assertTensorsMatchGolden(name, json);
    assertEquals(Fixtures.golden(name).sha256(), json.get("sha256").asText());
    for (JsonNode tensor : json.get("parameters")) {
      assertEquals(java.util.List.of("name", "shape", "dtype"), iterable(tensor.fieldNames()));
    }
  }

  private static java.util.List<String> iterable(java.util.Iterator<String> it) {
    java.util.List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"empty", "not_torchscript", "random", "state_dict", "truncated"})
  void inspectRejectsEveryBadFixtureWithOneLine(String stem) throws Exception {
    Cli.Result result = Cli.run("inspect", Fixtures.bad(stem).toString());
    assertEquals(1, result.exit(), result.toString());
    assertEquals("", result.out());
    String[] lines = result.err().strip().split("\n");
    assertEquals(1, lines.length, result.toString());
    assertTrue(lines[0].startsWith("torchfeed: "), result.toString());
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void verifyPassesForEveryFixture(String name) throws Exception {
    Cli.Result result = Cli.run("verify", "--server", address, name);
    assertEquals(0, result.exit(), result.toString());
    assertTrue(result.out().contains(name + ":1 verified"), result.toString());
  }

  @Test
  void versionNamesTorchfeedTheProtocolVersionsAndLibTorchAndExitsZero() throws Exception {
    Cli.Result result = Cli.run("--version");
    assertEquals(0, result.exit(), result.toString());
    assertEquals("torchfeed 0.1.0\nprotocol versions 1 to 3\nLibTorch 2.10.0 (JavaCPP presets 1.5.13; loaded by "
        + "validation, inspect, verify and watch)\n", result.out(), result.toString());
  }

  @Test
  void verifyFailsWhenTheServersManifestDisagreesWithLibTorch() throws Exception {
    Path repo = tmp.resolve("doctored");
    Path file = repo.resolve("toynet").resolve("1").resolve("model.pt");
    Fixtures.copy(Fixtures.model("toynet"), file);
    java.util.List<TensorInfo> params = new java.util.ArrayList<>(Fixtures.golden("toynet").parameters());
    params.set(8, new TensorInfo("linear2.weight", java.util.List.of(10L, 85L), "float32"));
    new ManifestCache(tmp.resolve("doctored-cache"), ManifestCache.identity())
        .put(ManifestCache.Entry.valid(FileStamp.of(file.toAbsolutePath()), new ArchiveFacts().read(file),
            new ModuleInfo(params, java.util.List.of())));
    try (TestServer doctored = TestServer.start(repo, tmp.resolve("doctored-cache"))) {
      Cli.Result result = Cli.run("verify", "--server", "127.0.0.1:" + doctored.address().getPort(), "toynet");
      assertEquals(1, result.exit(), result.toString());
      assertTrue(result.out().contains("1 difference(s)"), result.toString());
      assertTrue(result.out().contains("parameter linear2.weight: expected float32[10, 85], got float32[10, 84]"),
          result.toString());
    }
  }

  @Test
  void listAndManifestShowTheServersView() throws Exception {
    Cli.Result list = Cli.run("list", "--server", address);
    assertEquals(0, list.exit(), list.toString());
    for (String name : Fixtures.GOOD) {
      assertTrue(list.out().contains(name), list.toString());
    }
    assertTrue(list.out().contains("REJECTED (5)"), list.toString());
    assertTrue(list.out().contains("bad-empty/1/model.pt: "), list.toString());

    Cli.Result manifest = Cli.run("manifest", "--server", address, "toynet:1", "--json");
    assertEquals(0, manifest.exit(), manifest.toString());
    assertTensorsMatchGolden("toynet", JSON.readTree(manifest.out()));

    Cli.Result table = Cli.run("manifest", "--server", address, "bnnet");
    assertTrue(table.out().contains("running_mean"), table.toString());
    assertTrue(table.out().contains("num_batches_tracked  []"), table.toString());
  }

  @Test
  void fetchWritesAtomicallyAndResumesAPartialFile() throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    Path target = tmp.resolve("toynet.pt");
    Cli.Result fresh = Cli.run("fetch", "--server", address, "toynet", "-o", target.toString());
    assertEquals(0, fresh.exit(), fresh.toString());
    assertTrue(Arrays.equals(file, Files.readAllBytes(target)));

    // toynet is one chunk (protocol version 3): a .part short of it is resumed at its start, so its bytes, even a
    // flipped one, are sent again; a .part resumed at a chunk boundary and a bad chunk kept in it: the next test
    Path resumed = tmp.resolve("resumed.pt");
    byte[] wrong = Arrays.copyOf(file, 100_000);
    wrong[5000] ^= 1;
    Files.write(tmp.resolve("resumed.pt.part"), wrong);
    Files.writeString(tmp.resolve("resumed.pt.part.sha256"), Fixtures.golden("toynet").sha256());
    Cli.Result resume = Cli.run("fetch", "--server", address, "toynet:1", "-o", resumed.toString());
    assertEquals(0, resume.exit(), resume.toString());
    assertFalse(resume.out().contains("resumed at"), resume.toString());
    assertTrue(Arrays.equals(file, Files.readAllBytes(resumed)));
    assertFalse(Files.exists(tmp.resolve("resumed.pt.part")));
  }

  @Test
  void fetchResumesAPartFileAtItsFirstChunkNotWhollyWrittenAndRefusesABadWholeChunkInIt() throws Exception {
    Path repo = tmp.resolve("chunks");
    byte[] file = Files.readAllBytes(Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 20,
        3));
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
    int chunk = ChunkDigests.DEFAULT_SIZE;
    try (TestServer chunks = TestServer.start(repo, tmp.resolve("chunks-cache"))) {
      String at = "127.0.0.1:" + chunks.address().getPort();
      Path resumed = tmp.resolve("big.pt");
      Files.write(tmp.resolve("big.pt.part"), Arrays.copyOf(file, chunk + 100_000));
      Files.writeString(tmp.resolve("big.pt.part.sha256"), sha256);
      Cli.Result resume = Cli.run("fetch", "--server", at, "big", "-o", resumed.toString());
      assertEquals(0, resume.exit(), resume.toString());
      assertTrue(resume.out().contains("resumed at " + chunk), resume.toString());
      assertTrue(Arrays.equals(file, Files.readAllBytes(resumed)));

      Path corrupt = tmp.resolve("bad-chunk.pt");
      byte[] bad = Arrays.copyOf(file, chunk + 100_000);
      bad[5000] ^= 1;  // in chunk 0, which the .part holds whole: it is not fetched again, and checked
      Files.write(tmp.resolve("bad-chunk.pt.part"), bad);
      Files.writeString(tmp.resolve("bad-chunk.pt.part.sha256"), sha256);
      Cli.Result refused = Cli.run("fetch", "--server", at, "big", "-o", corrupt.toString());
      assertEquals(1, refused.exit(), refused.toString());
      String[] lines = refused.err().strip().split("\n");
      assertEquals(1, lines.length, refused.toString());
      assertTrue(lines[0].startsWith("torchfeed: chunk 0 of big:1 (offset 0) hashes to "), refused.toString());
      assertFalse(Files.exists(corrupt), "nothing is written under the target name");
      assertFalse(Files.exists(tmp.resolve("bad-chunk.pt.part")), "the bad partial file is discarded");
    }
  }

  @Test
  void failuresAreOneLineWithExitCode1() throws Exception {
    Cli.Result missing = Cli.run("manifest", "--server", address, "resnet");
    assertEquals(1, missing.exit(), missing.toString());
    assertEquals("torchfeed: NOT_FOUND: no model named 'resnet'", missing.err().strip());

    Cli.Result refused = Cli.run("list", "--server", "127.0.0.1:1");
    assertEquals(1, refused.exit(), refused.toString());
    assertTrue(refused.err().strip().matches("torchfeed: cannot connect to 127.0.0.1:1: connection refused"),
        refused.toString());

    Cli.Result usage = Cli.run("fetch", "toynet");
    assertEquals(1, usage.exit(), usage.toString());
    assertEquals(1, usage.err().strip().lines().count(), usage.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"serve", "inspect", "list", "manifest", "fetch", "verify"})
  void everyCommandHasHelp(String command) throws Exception {
    Cli.Result help = Cli.run(command, "--help");
    assertEquals(0, help.exit(), help.toString());
    assertTrue(help.out().contains("Usage: torchfeed " + command), help.toString());
  }
}
