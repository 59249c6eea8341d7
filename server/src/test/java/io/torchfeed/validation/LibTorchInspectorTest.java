package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibTorchInspectorTest {
  static final ModuleInfo CONVNET = new ModuleInfo(
      List.of(
          tensor("conv.weight", "float32", 2, 1, 3, 3),
          tensor("conv.bias", "float32", 2),
          tensor("bn.weight", "float32", 2),
          tensor("bn.bias", "float32", 2),
          tensor("fc.weight", "float32", 3, 2),
          tensor("fc.bias", "float32", 3)),
      List.of(
          tensor("bn.running_mean", "float32", 2),
          tensor("bn.running_var", "float32", 2),
          tensor("bn.num_batches_tracked", "int64")));

  static final String NOT_A_ZIP =
      "torch::jit::load failed: PytorchStreamReader failed reading zip archive: not a ZIP archive";
  static final String NO_CENTRAL_DIRECTORY = "torch::jit::load failed: PytorchStreamReader failed reading zip"
      + " archive: failed finding central directory";

  private final LibTorchInspector inspector = new LibTorchInspector();
  @TempDir Path dir;

  @Test
  void listsParametersAndBuffersInLibTorchOrder() {
    assertEquals(CONVNET, inspector.inspect(Fixtures.convnet()));
  }

  @Test
  void listsTiedWeightsUnderEveryNameAndSpellsDtypesLikePython() {
    ModuleInfo info = inspector.inspect(Fixtures.dtypes());
    assertEquals(List.of(tensor("emb.weight", "float32", 4, 2), tensor("out.weight", "float32", 4, 2)),
        info.parameters());
    assertEquals(List.of("float64", "float16", "bfloat16", "int32", "int16", "int8", "uint8", "bool",
            "complex64", "complex128", "qint8"),
        info.buffers().stream().map(TensorInfo::dtype).toList());
    assertEquals(List.of(1L, 2L), info.buffers().get(3).shape());
  }

  @Test
  void rejectsGarbageEmptyAndTruncatedFilesWithOneLine() {
    byte[] garbage = "this is not a model\n".getBytes(StandardCharsets.UTF_8);
    assertRejected(NOT_A_ZIP, inspectFile("garbage.pt", garbage));
    assertRejected(NOT_A_ZIP, inspectFile("empty.pt", new byte[0]));
    assertRejected(NO_CENTRAL_DIRECTORY, inspectFile("truncated.pt", Fixtures.truncated(5000)));
  }

  @Test
  void rejectsAZipThatIsNotTorchScript() {
    ModelRejectedException e = inspectFile("weights.pt", Zips.versionOnly("weights", "3\n"));
    assertOneLine(e);
    assertTrue(e.getMessage().startsWith("torch::jit::load failed: PytorchStreamReader failed locating file"),
        e.getMessage());
  }

  @Test
  void rejectsAMissingFile() {
    ModelRejectedException e =
        assertThrows(ModelRejectedException.class, () -> inspector.inspect(dir.resolve("missing.pt")));
    assertOneLine(e);
    assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
  }

  @Test
  void knowsItsLibTorchVersion() {
    String version = inspector.libtorchVersion();
    assertTrue(version.matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), version);
  }

  @Test
  void survivesManyLoads() {
    Path bad = Fixtures.write(dir, "one-byte.pt", new byte[1]);
    for (int i = 0; i < 50; i++) {
      assertEquals(CONVNET, inspector.inspect(Fixtures.convnet()));
      assertThrows(ModelRejectedException.class, () -> inspector.inspect(bad));
    }
  }

  static TensorInfo tensor(String name, String dtype, long... shape) {
    return new TensorInfo(name, java.util.Arrays.stream(shape).boxed().toList(), dtype);
  }

  static void assertOneLine(Exception e) {
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
  }

  private ModelRejectedException inspectFile(String name, byte[] bytes) {
    Path file = Fixtures.write(dir, name, bytes);
    return assertThrows(ModelRejectedException.class, () -> inspector.inspect(file));
  }

  private static void assertRejected(String reason, ModelRejectedException e) {
    assertOneLine(e);
    assertEquals(reason, e.getMessage());
  }
}
