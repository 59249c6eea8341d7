package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HostileFixtures;
import io.torchfeed.support.HostileFixtures.Expectation;
import io.torchfeed.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real server over a repository holding every hostile file (test-fixtures/hostile/), a directory and a
 * dangling symbolic link named {@code model.pt}, next to the good and bad fixtures: each hostile one is
 * rejected with its reason, and every good model is still served.
 */
class HostileRepositoryIT {
  @TempDir
  static Path tmp;
  static TestServer server;
  static ModelListing listing;
  static Map<String, Rejection> rejected;

  @BeforeAll
  static void start() throws IOException {
    Path repo = Fixtures.repository(tmp.resolve("repo"));
    for (Expectation e : HostileFixtures.all()) {
      Fixtures.copy(e.path(), repo.resolve(e.modelName()).resolve("1").resolve("model.pt"));
    }
    Files.createDirectories(repo.resolve("hostile-directory/1/model.pt"));
    Files.createDirectories(repo.resolve("hostile-dangling-symlink/1"));
    Files.createSymbolicLink(repo.resolve("hostile-dangling-symlink/1/model.pt"), repo.resolve("missing.pt"));
    server = TestServer.start(repo, tmp.resolve("cache"));
    try (TorchfeedClient client = server.client()) {
      listing = client.list();
    }
    rejected = listing.rejected().stream().collect(Collectors.toMap(Rejection::path, Function.identity()));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static List<Expectation> hostile() {
    return HostileFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void everyHostileFileIsListedAsRejectedWithItsReason(Expectation expected) {
    Rejection r = rejected.get(expected.modelName() + "/1/model.pt");
    assertTrue(r != null, expected + " is not rejected: " + listing.rejected());
    assertTrue(r.reason().contains(expected.reason()), r.reason());
    assertFalse(r.reason().contains("\n"), r.reason());
  }

  @Test
  void aDirectoryOrADanglingLinkNamedModelPtIsRejected() {
    assertEquals("model.pt is a directory, not a file",
        rejected.get("hostile-directory/1/model.pt").reason());
    assertEquals("model.pt is a symbolic link to a missing file",
        rejected.get("hostile-dangling-symlink/1/model.pt").reason());
  }

  @Test
  void onlyTheGoodModelsAreServedAndEverythingElseIsRejected() {
    assertEquals(Fixtures.GOOD, listing.models().stream().map(ModelSummary::name).sorted().toList());
    assertEquals(HostileFixtures.all().size() + 2 + Fixtures.BAD.size(), listing.rejected().size());
  }

  @Test
  void everyGoodModelIsServedByteForByte() throws Exception {
    try (TorchfeedClient client = server.client()) {
      for (String name : Fixtures.GOOD) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FetchHeader header = client.fetch(ModelId.parse(name), 0, 0, out, null);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        assertEquals(Fixtures.golden(name).sha256(), sha256, name);
        assertEquals(Fixtures.golden(name).sha256(), header.sha256Hex(), name);
      }
    }
  }
}
