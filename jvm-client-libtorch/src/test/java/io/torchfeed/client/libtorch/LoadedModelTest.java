package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.ClientException;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.Fixtures.Forward;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pytorch.DType;
import org.pytorch.Tensor;

/** Loading a model file for inference: forward, parameter and buffer values, closing. No network. */
class LoadedModelTest {
  static final double TOLERANCE = 1e-4;
  static final Path TOYNET = Fixtures.model("toynet");
  static final Manifest TOYNET_MANIFEST = Fixtures.golden("toynet");
  static final Forward FORWARD = Fixtures.toynetForward();
  /** test-fixtures/validation (make_models.py): a ConvNet saved untrained, and tied float32 weights. */
  static final Path CONVNET = Fixtures.root().resolve("validation/convnet.pt");
  static final Path TIED = Fixtures.root().resolve("validation/dtypes.pt");

  @TempDir
  Path dir;

  /** A file loaded with a manifest that only names it: these tests are about what LibTorch loads. */
  static LoadedModel load(Path file) {
    return LoadedModel.load(TOYNET_MANIFEST, file);
  }

  static Tensor input(Forward forward) {
    return Tensor.fromBlob(forward.input(), forward.inputShape());
  }

  static void assertOutput(Forward forward, Tensor output) {
    assertEquals(DType.FLOAT32, output.dtype());
    assertArrayEquals(forward.outputShape(), output.shape());
    float[] actual = output.getDataAsFloatArray();
    for (int i = 0; i < actual.length; i++) {
      assertEquals(forward.output()[i], actual[i], TOLERANCE, "output " + i);
    }
  }

  @Test
  void forwardOfToynetMatchesPythonsOutput() {
    try (LoadedModel model = load(TOYNET)) {
      assertOutput(FORWARD, model.forward(input(FORWARD)));
      assertEquals(TOYNET_MANIFEST, model.manifest());
      assertEquals(TOYNET_MANIFEST.id(), model.id());
    }
  }

  @Test
  void theFileMayBeDeletedOnceLoaded() throws IOException {
    Path copy = Files.copy(TOYNET, dir.resolve("model.pt"), StandardCopyOption.REPLACE_EXISTING);
    try (LoadedModel model = load(copy)) {
      Files.delete(copy);
      System.gc();
      assertOutput(FORWARD, model.forward(input(FORWARD)));
    }
  }

  @Test
  void moduleDescribesWhatLibTorchLoadedAsTheGoldenManifestsDo() {
    for (String name : Fixtures.GOOD) {
      try (LoadedModel model = LoadedModel.load(Fixtures.golden(name), Fixtures.model(name))) {
        assertEquals(Fixtures.golden(name).module(), model.module(), name + ", every dtype included");
      }
    }
  }

  @Test
  void listsParametersAndBuffersWithTheirValuesInLibTorchOrder() {
    try (LoadedModel module = load(CONVNET)) {
      assertEquals(module.module().parameters(), describe(module.parameters()));
      assertEquals(module.module().buffers(), describe(module.buffers()));
      // make_models.py saves the ConvNet untrained: BatchNorm2d's initial values
      assertEquals(0, module.buffers().get("bn.num_batches_tracked").getDataAsLongArray()[0]);
      for (float variance : module.buffers().get("bn.running_var").getDataAsFloatArray()) {
        assertEquals(1.0f, variance, "untrained running variance");
      }
      for (float weight : module.parameters().get("bn.weight").getDataAsFloatArray()) {
        assertEquals(1.0f, weight, "BatchNorm's initial weight");
      }
    }
  }

  @Test
  void tiedWeightsHaveTheSameValuesUnderBothNames() {
    try (LoadedModel module = load(TIED)) {
      Map<String, Tensor> parameters = module.parameters();
      assertEquals(List.of("emb.weight", "out.weight"), List.copyOf(parameters.keySet()));
      assertArrayEquals(parameters.get("emb.weight").getDataAsFloatArray(),
          parameters.get("out.weight").getDataAsFloatArray());
    }
  }

  @Test
  void refusesABufferWhoseDtypeJavaCannotHold() {
    try (LoadedModel module = load(TIED)) {
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, module::buffers);
      assertEquals("buffer 'f16' has dtype float16, which org.pytorch.Tensor cannot hold (it holds uint8, int8,"
          + " int32, int64, float32, float64)", e.getMessage());
    }
  }

  @Test
  void aFailingForwardThrowsOneLine() {
    try (LoadedModel module = load(TOYNET)) {
      InferenceException e = assertThrows(InferenceException.class,
          () -> module.forward(Tensor.fromBlob(new float[25], new long[] {1, 1, 5, 5})));
      assertTrue(e.getMessage().startsWith("forward failed: Calculated padded input size per channel"),
          "the error after the TorchScript traceback: " + e.getMessage());
      LibTorchTest.assertOneLine(e);
      assertTrue(e.getCause().getMessage().contains("Traceback of TorchScript"), "the cause keeps the full text");

      e = assertThrows(InferenceException.class, () -> module.forward());
      assertTrue(e.getMessage().startsWith("forward failed: "), e.getMessage());
      LibTorchTest.assertOneLine(e);
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    LoadedModel module = load(TOYNET);
    module.close();
    module.close();
    assertEquals("the module is closed",
        assertThrows(IllegalStateException.class, () -> module.forward(input(FORWARD))).getMessage());
    assertThrows(IllegalStateException.class, module::parameters);
    assertThrows(IllegalStateException.class, module::buffers);
  }

  @Test
  void forwardMayRunInManyThreadsAtOnce() throws Exception {
    Tensor shared = input(FORWARD);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (LoadedModel module = load(TOYNET)) {
      List<Future<Tensor>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        results.add(pool.submit(() -> module.forward(shared)));
      }
      for (Future<Tensor> result : results) {
        assertOutput(FORWARD, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFileThatIsNotAModuleIsRefusedNamingTheVersionAndLibTorch() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.pt"));
    ClientException e = assertThrows(ClientException.class, () -> load(empty));
    assertEquals("LibTorch " + LibTorch.version() + " could not load toynet:1: " + LibTorchTest.NOT_A_ZIP,
        e.getMessage());
  }

  @Test
  void survivesManyLoadsAndCloses() {
    for (int i = 0; i < 100; i++) {
      try (LoadedModel module = load(CONVNET)) {
        assertFalse(module.parameters().isEmpty());
      }
    }
  }

  private static List<TensorInfo> describe(Map<String, Tensor> tensors) {
    return tensors.entrySet().stream()
        .map(e -> new TensorInfo(e.getKey(), Arrays.stream(e.getValue().shape()).boxed().toList(),
            e.getValue().dtype().name().toLowerCase(Locale.ROOT)))
        .toList();
  }
}
