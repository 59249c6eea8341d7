package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.support.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boundary's file route: describing fixtures, one-line reasons, versions. No network. */
class LibTorchTest {
  static final String NOT_A_ZIP =
      "torch::jit::load failed: PytorchStreamReader failed reading zip archive: not a ZIP archive";

  @TempDir
  Path dir;

  @Test
  void describesEveryGoodFixtureAsItsGoldenManifestDoes() {
    for (String name : Fixtures.GOOD) {
      assertEquals(Fixtures.golden(name).module(), LibTorch.describe(Fixtures.model(name)), name);
    }
  }

  @Test
  void aFileThatIsNotAModuleIsRefusedWithOneLine() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pt"), "this is not a model\n", StandardCharsets.UTF_8);
    LoadException e = assertThrows(LoadException.class, () -> LibTorch.describe(garbage));
    assertEquals(NOT_A_ZIP, e.getMessage());
    assertOneLine(e);
  }

  @Test
  void theBuildTimeVersionThatVersionOutputNamesIsTheLibTorchLoaded() {
    assertEquals(LibTorch.version(), LibTorch.BUILD_VERSION, "the presets' LibTorch, e.g. 2.10.0");
    assertFalse(LibTorch.PRESETS_VERSION.isBlank() || LibTorch.PRESETS_VERSION.contains("$"),
        LibTorch.PRESETS_VERSION);
  }

  static void assertOneLine(Exception e) {
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
  }
}
