package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.NameLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryScannerTest {
  @TempDir
  Path repo;

  private void touch(String relative) throws IOException {
    Path file = repo.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {1});
  }

  @Test
  void findsTritonLayoutAndSkipsTheRestWithWarnings() throws IOException {
    touch("toynet/1/model.pt");
    touch("toynet/10/model.pt");
    touch("toynet/2/model.pt");
    touch("toynet/config.pbtxt");
    touch("toynet/3/labels.txt");
    touch("bad name/1/model.pt");
    touch("toynet/latest/model.pt");
    touch("toynet/0/model.pt");
    touch(".cache/1/model.pt");
    touch("other/1/model.pt");
    Files.createDirectories(repo.resolve("dir/1/model.pt"));
    List<String> warnings = new ArrayList<>();

    List<ModelFile> files = new RepositoryScanner(repo, warnings::add).scan();

    assertEquals(List.of("dir:1", "other:1", "toynet:1", "toynet:2", "toynet:10"),
        files.stream().map(f -> f.id().toString()).toList());
    assertEquals("toynet/10/model.pt", files.get(4).relative());
    assertEquals(3, warnings.size(), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("'bad name'")), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("toynet/latest")), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("toynet/0")), warnings.toString());
  }

  @Test
  void aModelNameLongerThanTheConfiguredLimitIsSkippedWithAWarning() throws IOException {
    touch("eightchr/1/model.pt");
    touch("ninechars/1/model.pt");
    List<String> warnings = new ArrayList<>();

    List<ModelFile> files = new RepositoryScanner(repo, warnings::add, new NameLimit(8)).scan();

    assertEquals(List.of("eightchr:1"), files.stream().map(f -> f.id().toString()).toList());
    assertEquals(List.of("skipping 'ninechars': 9 characters, longer than --max-name-length 8"), warnings);
  }
}
