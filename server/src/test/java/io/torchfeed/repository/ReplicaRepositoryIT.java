package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.support.Fixtures;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.WorkerValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's {@link ModelRepository}: changes go upstream first, and {@link ModelRepository#follow} brings the
 * directory in line with upstream without undoing a change made here meanwhile. Upstream is {@link Ledger}, an
 * in-memory one (the bucket's is tested in {@code store/}); the validation is the real worker's.
 */
class ReplicaRepositoryIT {
  @TempDir
  Path tmp;
  Path repo;
  WorkerValidator validator;
  Ledger upstream;
  ModelRepository repository;

  /** Upstream in memory: numbers versions from 1, records every call, runs a hook inside each. */
  static final class Ledger implements Upstream {
    final List<String> calls = new ArrayList<>();
    Runnable during = () -> { };
    int next = 1;

    @Override
    public Manifest publish(Manifest manifest, Path file) {
      during.run();
      calls.add("publish " + manifest.name());
      return manifest.numbered(next++);
    }

    @Override
    public void moveAlias(String name, String alias, int version) {
      during.run();
      calls.add("alias " + name + "@" + alias + "=" + version);
    }

    @Override
    public void removeAlias(String name, String alias) {
      during.run();
      calls.add("unalias " + name + "@" + alias);
    }

    @Override
    public void delete(String name, int version) {
      during.run();
      if (version == 99) {
        throw new ConflictException("refused upstream");
      }
      calls.add("delete " + name + ":" + version);
    }
  }

  @BeforeEach
  void start() throws IOException {
    repo = Files.createDirectories(tmp.resolve("copy"));
    validator = new WorkerValidator();
    upstream = new Ledger();
    ArchiveFacts facts = new ArchiveFacts();
    ManifestCache cache = new ManifestCache(tmp.resolve("cache"), "test");
    repository = new ModelRepository(repo, new RepositoryLoader(new RepositoryScanner(repo, w -> { }), facts,
        validator, cache, Duration.ofMillis(200)), facts, cache,
        new ModelRepository.Settings(0, false, Duration.ofMinutes(30)), Optional.of(upstream));
    repository.start();
  }

  @AfterEach
  void stop() {
    repository.close();
    validator.close();
  }

  @Test
  void aPublishTakesTheNumberUpstreamGivesAndIsRecordedThereFirst() throws IOException {
    upstream.next = 7;
    Manifest published = repository.publish("toynet", upload("toynet"), false);

    assertEquals(7, published.version());
    assertEquals(List.of("publish toynet"), upstream.calls);
    assertTrue(Files.isRegularFile(repo.resolve("toynet/7/model.pt")));
  }

  @Test
  void aChangeRefusedUpstreamChangesNothingHere() throws IOException {
    upstream.next = 99;
    repository.publish("toynet", upload("toynet"), false);

    assertThrows(ConflictException.class, () -> repository.delete(new ModelId("toynet", 99)));
    assertTrue(Files.isRegularFile(repo.resolve("toynet/99/model.pt")));
  }

  @Test
  void anAdoptedVersionIsValidatedHereAndARetiredOneLeaves() throws IOException {
    Path arrived = Files.createDirectories(repo.resolve(".incoming")).resolve("toynet.3.pt");
    Fixtures.copy(Fixtures.model("toynet"), arrived);

    assertTrue(repository.follow(List.of(new MirrorChange.Adopt("toynet", 3, arrived, true),
        new MirrorChange.Aliases("toynet", Map.of("stable", 3))), repository.upstreamChanges()));

    assertEquals(Fixtures.golden("toynet").module(),
        repository.catalog().current().resolve(new ModelId("toynet", ModelId.LATEST, "stable")).manifest().module());
    assertTrue(upstream.calls.isEmpty(), "following upstream records nothing upstream");

    repository.follow(List.of(new MirrorChange.Aliases("toynet", Map.of()), new MirrorChange.Retire("toynet", 3)),
        repository.upstreamChanges());
    assertFalse(repository.catalog().current().versions("toynet").containsKey(3));
    assertFalse(Files.exists(repo.resolve("toynet/3")));
  }

  @Test
  void aSnapshotReadWhileAnAliasChangeWasUnderwayDoesNotUndoIt() throws IOException {
    upstream.next = 1;
    repository.publish("toynet", upload("toynet"), false);
    // The mirror reads the count, then the bucket, while the change is being written upstream: its snapshot may
    // or may not hold the change, so it must not be applied over it.
    AtomicLong readDuringTheWrite = new AtomicLong(-1);
    upstream.during = () -> readDuringTheWrite.set(repository.upstreamChanges());
    repository.setAlias("toynet", "stable", 1);

    assertFalse(repository.follow(List.of(new MirrorChange.Aliases("toynet", Map.of())), readDuringTheWrite.get()),
        "the caller is told to read the bucket again");
    assertEquals(1, repository.catalog().current().resolve(new ModelId("toynet", ModelId.LATEST, "stable"))
        .manifest().version(), "the alias set here stays");
  }

  private Path upload(String fixture) throws IOException {
    Path file = Files.createTempFile(tmp, "upload", ".pt");
    Files.copy(Fixtures.model(fixture), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return file;
  }
}
