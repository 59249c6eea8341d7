package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.Scans;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.WorkerValidator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository service with the real validation worker: publish, shape contract, aliases, keep, hot reload. */
class ModelRepositoryIT {
  /** The settle window of the test servers (see {@code TestServer.config}). */
  private static final Duration SETTLE = Duration.ofMillis(200);
  /**
   * A settle window longer than any wait of a passing test: a file written during the test is still settling at
   * every scan the test waits for, however slowly those scans come on a loaded machine.
   */
  private static final Duration LONG_SETTLE = Duration.ofMinutes(10);
  /** A modification time older than {@link #LONG_SETTLE}: a file that has been in place for a while. */
  private static final FileTime LONG_AGO = FileTime.from(Instant.now().minus(LONG_SETTLE).minusSeconds(60));

  @TempDir
  Path tmp;
  Path repo;
  WorkerValidator validator;
  ModelRepository repository;
  final List<CatalogEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    validator = new WorkerValidator();
    repository = open(0);
  }

  private ModelRepository open(int keep) {
    return open(keep, SETTLE);
  }

  private ModelRepository open(int keep, Duration settle) {
    ArchiveFacts facts = new ArchiveFacts();
    ManifestCache cache = new ManifestCache(tmp.resolve("cache"), "test");
    ModelRepository r = new ModelRepository(repo, new RepositoryLoader(new RepositoryScanner(repo, w -> { }),
        facts, validator, cache, settle), facts, cache,
        new ModelRepository.Settings(keep, false, Duration.ofSeconds(30)));
    r.addListener(events::add);
    r.start();
    return r;
  }

  @AfterEach
  void stop() {
    repository.close();
    validator.close();
  }

  private Path upload(String fixture) throws IOException {
    Path file = Files.createTempFile(tmp, "upload", ".pt");
    Files.copy(Fixtures.model(fixture), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  private List<String> files() throws IOException {
    try (Stream<Path> walk = Files.walk(repo)) {
      return walk.map(p -> repo.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void publishesTheNextVersionAtomicallyAndTellsListeners() throws IOException {
    Manifest published = repository.publish("toynet", upload("toynet"), false);
    assertEquals(2, published.version());
    assertEquals(2, repository.catalog().resolve(ModelId.parse("toynet")).manifest().version());
    assertTrue(Files.isRegularFile(repo.resolve("toynet/2/model.pt")));
    assertTrue(events.stream().anyMatch(e -> e.kind() == CatalogEvent.Kind.PUBLISHED && e.version() == 2));

    Manifest fresh = repository.publish("newmodel", upload("bnnet"), false);
    assertEquals(new ModelId("newmodel", 1), fresh.id());
  }

  @Test
  void aChangedShapeContractIsRefusedWithTheDifferenceAndNothingChanges() throws IOException {
    List<String> before = files();
    Path upload = upload("bnnet");
    ShapeChangeException e = assertThrows(ShapeChangeException.class,
        () -> repository.publish("toynet", upload, false));
    assertTrue(e.getMessage().contains("parameter conv0.weight: expected float32[6, 1, 5, 5], got missing"),
        e.getMessage());
    assertEquals(before, files());
    assertEquals(2, repository.publish("toynet", upload, true).version(), "allowed on request");
  }

  @Test
  void badUploadsAreRejectedAndLeaveTheRepositoryAsItWas() throws IOException {
    List<String> before = files();
    for (String stem : Fixtures.BAD) {
      Path upload = Files.createTempFile(tmp, "bad", ".pt");
      Files.copy(Fixtures.bad(stem), upload, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThrows(ModelRejectedException.class, () -> repository.publish("toynet", upload, true), stem);
      assertEquals(before, files(), stem);
    }
  }

  @Test
  void aliasesPinVersionsAgainstDeletionAndPruning() throws IOException {
    repository.close();
    repository = open(2);
    repository.setAlias("toynet", "stable", 1);
    assertEquals(1, repository.catalog().resolve(ModelId.parse("toynet@stable")).manifest().version());
    assertThrows(ConflictException.class, () -> repository.delete(new ModelId("toynet", 1)));
    assertThrows(ModelNotFoundException.class, () -> repository.setAlias("toynet", "canary", 9));

    for (int i = 0; i < 3; i++) {
      repository.publish("toynet", upload("toynet"), false);
    }
    assertEquals(List.of(1, 3, 4), List.copyOf(repository.catalog().current().versions("toynet").keySet()),
        "--keep 2 pruned version 2 but kept the aliased 1");
    assertFalse(Files.exists(repo.resolve("toynet/2")));

    repository.setAlias("toynet", "stable", 4);
    repository.delete(new ModelId("toynet", 1));
    assertEquals(List.of(3, 4), List.copyOf(repository.catalog().current().versions("toynet").keySet()));
    assertTrue(events.stream().anyMatch(e -> e.kind() == CatalogEvent.Kind.ALIAS && e.version() == 4));
    assertTrue(events.stream().anyMatch(e -> e.kind() == CatalogEvent.Kind.REMOVED && e.version() == 1));

    repository.removeAlias("toynet", "stable");
    assertEquals(Map.of(), repository.catalog().current().aliases("toynet"));
    assertTrue(events.stream().anyMatch(e -> e.kind() == CatalogEvent.Kind.ALIAS && e.alias().equals("stable")
        && e.version() == 0), "a removed alias is an alias event with version 0");
    assertThrows(ModelNotFoundException.class, () -> repository.removeAlias("toynet", "stable"));
    repository.delete(new ModelId("toynet", 4));
    assertEquals(List.of(3), List.copyOf(repository.catalog().current().versions("toynet").keySet()));
  }

  @Test
  void aDeletedOrPrunedVersionNumberIsNeverUsedAgainAlsoAfterARestart() throws IOException {
    assertEquals(2, repository.publish("toynet", upload("toynet"), false).version());
    repository.delete(new ModelId("toynet", 2));
    assertEquals(3, repository.publish("toynet", upload("toynet"), false).version(), "2 was deleted");
    repository.delete(new ModelId("toynet", 3));

    repository.close();
    repository = open(1);
    assertEquals(4, repository.publish("toynet", upload("toynet"), false).version(), "after a restart too");
    assertEquals(List.of(4), List.copyOf(repository.catalog().current().versions("toynet").keySet()),
        "--keep 1 pruned version 1");
    repository.delete(new ModelId("toynet", 4));
    assertEquals(5, repository.publish("toynet", upload("toynet"), false).version(),
        "neither the pruned 1 nor the deleted 4 comes back");
    assertTrue(Files.isRegularFile(repo.resolve("toynet/.last-version")));
    assertEquals(List.of(5), List.copyOf(repository.catalog().current().versions("toynet").keySet()));
  }

  private int latestVersion(String name) {
    return repository.catalog().resolve(ModelId.parse(name)).manifest().version();
  }

  @Test
  void onceTwoMoreScansAreCountedAChangeMadeBeforeIsServed() throws IOException {
    Path file = repo.resolve("toynet/2/model.pt");
    Fixtures.copy(Fixtures.model("toynet"), file);
    Files.setLastModifiedTime(file, LONG_AGO); // settled: the next scan takes it
    Scans.awaitTwoOfTheFilesAsTheyAreNow(repository);
    assertEquals(2, latestVersion("toynet"), "the counted scans saw the new version and their catalog is served");
  }

  /**
   * A copy made in place ({@code cp -p}): written in pieces, then given its source's (old) modification time.
   * After each piece, two complete scans must leave the half-written file out (neither served nor rejected) and
   * keep serving version 1. The settle window is {@link #LONG_SETTLE}, so each piece is still "being written" at
   * every one of those scans; with the usual 200 ms, a slow scan could find it settled and reject it.
   */
  @Test
  void aSlowlyCopiedVersionIsLeftOutUntilCompleteWhileTheOldOneIsServed() throws Exception {
    repository.close();
    Files.setLastModifiedTime(repo.resolve("toynet/1/model.pt"), LONG_AGO); // in place for a while: settled
    repository = open(0, LONG_SETTLE);
    byte[] model = Files.readAllBytes(Fixtures.model("toynet"));
    Path file = repo.resolve("toynet/2/model.pt");
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int off = 0; off < model.length; off += 32 * 1024) {
        out.write(model, off, Math.min(32 * 1024, model.length - off));
        Scans.awaitTwoOfTheFilesAsTheyAreNow(repository);
        String state = Math.min(off + 32 * 1024, model.length) + " of " + model.length + " bytes written";
        assertEquals(List.of(1), List.copyOf(repository.catalog().current().versions("toynet").keySet()), state);
        assertEquals(1, latestVersion("toynet"), "the old version is served meanwhile; " + state);
        assertEquals(List.of(), repository.catalog().current().rejected(),
            "the half-written file is left out, not rejected; " + state);
      }
    }
    Files.setLastModifiedTime(file, LONG_AGO); // the copy is complete and keeps its source's time
    Await.until(() -> {
      repository.rescanSoon();
      return latestVersion("toynet") == 2;
    }, "version 2 to be served once complete");
    assertEquals(RepositorySnapshot.sha256(file), repository.catalog().resolve(ModelId.parse("toynet:2")).manifest()
        .sha256(), "the whole file is served");
    assertEquals(List.of(), repository.catalog().current().rejected());
  }

  @Test
  void leftoversOfAnInterruptedPublishOrDeleteAreRemovedAtStart() throws IOException {
    repository.close();
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/.2.publishing/model.pt"));
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/.7.deleting/model.pt"));
    repository = open(0);
    assertFalse(Files.exists(repo.resolve("toynet/.2.publishing")));
    assertFalse(Files.exists(repo.resolve("toynet/.7.deleting")));
    assertEquals(List.of(1), List.copyOf(repository.catalog().current().versions("toynet").keySet()));
    assertEquals(2, repository.publish("toynet", upload("toynet"), false).version());
  }
}
