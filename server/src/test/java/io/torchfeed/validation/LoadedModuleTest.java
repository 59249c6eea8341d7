package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.InferenceException;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.support.Fixtures.Forward;
import io.torchfeed.validation.LibTorchInspector.LoadedModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.pytorch.DType;
import org.pytorch.Tensor;

/** Loading a module for inference: forward, parameter and buffer values, closing. No network. */
class LoadedModuleTest {
  static final double TOLERANCE = 1e-4;
  static final Path TOYNET = io.torchfeed.support.Fixtures.model("toynet");
  static final Forward FORWARD = io.torchfeed.support.Fixtures.toynetForward();

  private final LibTorchInspector inspector = new LibTorchInspector();

  static ByteBuffer direct(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
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
  void forwardOfToynetMatchesPythonsOutput() throws IOException {
    try (LoadedModule module = inspector.load(direct(TOYNET))) {
      assertOutput(FORWARD, module.forward(input(FORWARD)));
    }
  }

  @Test
  void keepsNoReferenceToTheBytesItWasLoadedFrom() throws IOException {
    ByteBuffer bytes = direct(TOYNET);
    try (LoadedModule module = inspector.load(bytes)) {
      while (bytes.hasRemaining()) {
        bytes.put((byte) 0);
      }
      System.gc();
      assertOutput(FORWARD, module.forward(input(FORWARD)));
    }
  }

  @Test
  void loadsFromAFileToo() {
    try (LoadedModule module = inspector.load(TOYNET)) {
      assertOutput(FORWARD, module.forward(input(FORWARD)));
    }
  }

  @Test
  void listsParametersAndBuffersWithTheirValuesInLibTorchOrder() throws IOException {
    try (LoadedModule module = inspector.load(direct(Fixtures.convnet()))) {
      assertEquals(LibTorchInspectorTest.CONVNET.parameters(), describe(module.parameters()));
      assertEquals(LibTorchInspectorTest.CONVNET.buffers(), describe(module.buffers()));
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
  void tiedWeightsHaveTheSameValuesUnderBothNames() throws IOException {
    try (LoadedModule module = inspector.load(direct(Fixtures.dtypes()))) {
      Map<String, Tensor> parameters = module.parameters();
      assertEquals(List.of("emb.weight", "out.weight"), List.copyOf(parameters.keySet()));
      assertArrayEquals(parameters.get("emb.weight").getDataAsFloatArray(),
          parameters.get("out.weight").getDataAsFloatArray());
    }
  }

  @Test
  void refusesABufferWhoseDtypeJavaCannotHold() throws IOException {
    try (LoadedModule module = inspector.load(direct(Fixtures.dtypes()))) {
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, module::buffers);
      assertEquals("buffer 'f16' has dtype float16, which org.pytorch.Tensor cannot hold (it holds uint8, int8,"
          + " int32, int64, float32, float64)", e.getMessage());
    }
  }

  @Test
  void aFailingForwardThrowsOneLine() throws IOException {
    try (LoadedModule module = inspector.load(direct(TOYNET))) {
      InferenceException e = assertThrows(InferenceException.class,
          () -> module.forward(Tensor.fromBlob(new float[25], new long[] {1, 1, 5, 5})));
      assertTrue(e.getMessage().startsWith("forward failed: Calculated padded input size per channel"),
          "the error after the TorchScript traceback: " + e.getMessage());
      LibTorchInspectorTest.assertOneLine(e);
      assertTrue(e.getCause().getMessage().contains("Traceback of TorchScript"), "the cause keeps the full text");

      e = assertThrows(InferenceException.class, () -> module.forward());
      assertTrue(e.getMessage().startsWith("forward failed: "), e.getMessage());
      LibTorchInspectorTest.assertOneLine(e);
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() throws IOException {
    LoadedModule module = inspector.load(direct(TOYNET));
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
    try (LoadedModule module = inspector.load(direct(TOYNET))) {
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
  void rejectsBytesThatAreNotAModule() {
    ModelRejectedException e = assertThrows(ModelRejectedException.class,
        () -> inspector.load(ByteBuffer.allocateDirect(0)));
    assertEquals(LibTorchInspectorTest.NOT_A_ZIP, e.getMessage());
  }

  @Test
  void survivesManyLoadsAndCloses() throws IOException {
    ByteBuffer bytes = direct(Fixtures.convnet());
    for (int i = 0; i < 100; i++) {
      try (LoadedModule module = inspector.load(bytes)) {
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
