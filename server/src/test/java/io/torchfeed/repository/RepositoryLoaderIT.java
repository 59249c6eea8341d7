package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.support.Fixtures;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.Validator;
import io.torchfeed.validation.WorkerValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scanning a repository with the real validation worker, and the manifest cache across restarts. */
class RepositoryLoaderIT {
  @TempDir
  Path tmp;

  /** The real worker, recording which files reached it. */
  private static final class RecordingValidator implements Validator {
    final WorkerValidator real = new WorkerValidator();
    final List<Path> validated = new ArrayList<>();

    @Override
    public ModuleInfo validate(Path file) {
      validated.add(file);
      return real.validate(file);
    }

    @Override
    public void close() {
      real.close();
    }
  }

  private Catalog load(Path repo, RecordingValidator validator) {
    return new RepositoryLoader(new RepositoryScanner(repo, w -> { }), new ArchiveFacts(), validator,
        new ManifestCache(tmp.resolve("cache"), "test"), java.time.Duration.ZERO).load();
  }

  @Test
  void aRestartWithUnchangedFilesRunsNoLibTorch() throws IOException {
    Path repo = Fixtures.repository(tmp.resolve("repo"));
    try (RecordingValidator first = new RecordingValidator()) {
      Catalog catalog = load(repo, first);
      assertEquals(Fixtures.GOOD.size(), catalog.all().size());
      assertEquals(Fixtures.BAD.size(), catalog.rejected().size());
      assertTrue(first.validated.size() >= Fixtures.GOOD.size(), first.validated.toString());
      catalog.all().forEach(m -> m.file().retire());
    }
    try (RecordingValidator second = new RecordingValidator()) {
      Catalog again = load(repo, second);
      assertEquals(List.of(), second.validated, "every outcome came from the cache");
      assertEquals(Fixtures.goldenWithChunks("toynet"), again.resolve(ModelId.parse("toynet")).manifest());
      assertEquals(Fixtures.BAD.size(), again.rejected().size(), "rejections are remembered too");
      again.all().forEach(m -> m.file().retire());
    }
    Path replacement = tmp.resolve("new.pt");
    Files.copy(Fixtures.model("bnnet"), replacement);
    Files.move(replacement, repo.resolve("toynet/1/model.pt"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    try (RecordingValidator third = new RecordingValidator()) {
      Catalog changed = load(repo, third);
      assertEquals(List.of(repo.resolve("toynet/1/model.pt").toAbsolutePath()),
          third.validated.stream().map(Path::toAbsolutePath).toList(), "only the changed file is validated");
      assertEquals(Fixtures.golden("bnnet").sha256(),
          changed.resolve(ModelId.parse("toynet")).manifest().sha256());
      changed.all().forEach(m -> m.file().retire());
    }
  }

  @Test
  void aCachedManifestWithoutChunkDigestsGetsThemWithoutLibTorch() throws IOException {
    Path repo = Fixtures.repository(tmp.resolve("repo"));
    try (RecordingValidator first = new RecordingValidator()) {
      load(repo, first).all().forEach(m -> m.file().retire());
    }
    int stripped = stripChunks(tmp.resolve("cache/manifests"));
    assertEquals(Fixtures.GOOD.size(), stripped, "the entries as a server before protocol version 3 wrote them");
    try (RecordingValidator second = new RecordingValidator()) {
      Catalog upgraded = load(repo, second);
      assertEquals(List.of(), second.validated, "the module came from the cache");
      for (String name : Fixtures.GOOD) {
        assertEquals(Fixtures.goldenWithChunks(name), upgraded.resolve(ModelId.parse(name)).manifest(), name);
      }
      upgraded.all().forEach(m -> m.file().retire());
    }
    assertEquals(Fixtures.GOOD.size(), stripChunks(tmp.resolve("cache/manifests")),
        "the entries were written back with their chunks");
  }

  /** Removes the chunk digests from every valid entry in the cache; how many had them. */
  private static int stripChunks(Path entries) throws IOException {
    ObjectMapper json = new ObjectMapper();
    int stripped = 0;
    try (var files = Files.list(entries)) {
      for (Path entry : files.toList()) {
        ObjectNode tree = (ObjectNode) json.readTree(entry.toFile());
        if (tree.get("facts").isObject() && ((ObjectNode) tree.get("facts")).remove("chunks") != null) {
          stripped++;
          json.writeValue(entry.toFile(), tree);
        }
      }
    }
    return stripped;
  }

  @Test
  void aSymbolicLinkOutOfTheRepositoryIsServedOnlyWhenAllowed() throws IOException {
    Path repo = tmp.resolve("linked");
    Path outside = tmp.resolve("elsewhere.pt");
    Files.copy(Fixtures.model("toynet"), outside);
    Files.createDirectories(repo.resolve("outside/1"));
    Files.createSymbolicLink(repo.resolve("outside/1/model.pt"), outside);
    Fixtures.copy(Fixtures.model("bnnet"), repo.resolve("inside/1/model.pt"));
    Files.createDirectories(repo.resolve("alias-inside/1"));
    Files.createSymbolicLink(repo.resolve("alias-inside/1/model.pt"), repo.resolve("inside/1/model.pt"));
    try (RecordingValidator validator = new RecordingValidator()) {
      Catalog refused = new RepositoryLoader(new RepositoryScanner(repo, w -> { }), new ArchiveFacts(), validator,
          new ManifestCache(tmp.resolve("cache"), "test"), java.time.Duration.ZERO).load();
      assertEquals(List.of("alias-inside", "inside"),
          refused.all().stream().map(m -> m.manifest().name()).toList(), "links inside the repository are fine");
      assertEquals(1, refused.rejected().size());
      assertTrue(refused.rejected().get(0).reason().contains("outside the repository"),
          refused.rejected().get(0).reason());
      assertTrue(refused.rejected().get(0).reason().contains("--follow-symlinks"));
      refused.all().forEach(m -> m.file().retire());

      Catalog followed = new RepositoryLoader(new RepositoryScanner(repo, w -> { }), new ArchiveFacts(), validator,
          new ManifestCache(tmp.resolve("cache"), "test"), java.time.Duration.ZERO, true).load();
      assertEquals(3, followed.all().size());
      assertTrue(followed.rejected().isEmpty());
      followed.all().forEach(m -> m.file().retire());
    }
  }
}
