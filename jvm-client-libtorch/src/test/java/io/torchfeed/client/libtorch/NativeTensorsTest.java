package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pytorch.DType;
import org.pytorch.MemoryFormat;
import org.pytorch.Tensor;

/**
 * Conversions between org.pytorch.Tensor and LibTorch's tensor. As the boundary's own test it builds LibTorch
 * tensors directly where Java cannot (other dtypes, strides, layouts).
 */
class NativeTensorsTest {
  @BeforeAll
  static void loadLibTorch() {
    LibTorch.version();
  }

  /** One tensor of each dtype org.pytorch.Tensor holds, with its extreme values. */
  static Tensor sample(DType dtype) {
    return switch (dtype) {
      case UINT8 -> Tensor.fromBlobUnsigned(new byte[] {0, 1, 127, (byte) 128, (byte) 255, 42}, new long[] {2, 3});
      case INT8 -> Tensor.fromBlob(new byte[] {-128, -1, 0, 1, 127, 5}, new long[] {3, 2});
      case INT32 -> Tensor.fromBlob(new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 7}, new long[] {6});
      case INT64 -> Tensor.fromBlob(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 40},
          new long[] {1, 2, 3});
      case FLOAT32 -> Tensor.fromBlob(new float[] {Float.NaN, -0.0f, Float.POSITIVE_INFINITY,
          Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 3.5f}, new long[] {2, 3});
      case FLOAT64 -> Tensor.fromBlob(new double[] {Double.NaN, -0.0, Double.MAX_VALUE, Double.MIN_VALUE,
          Math.PI, -1e300}, new long[] {3, 1, 2});
    };
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void roundTripsEveryDtypeJavaHolds(DType dtype) {
    Tensor original = sample(dtype);
    Tensor copy = throughLibTorch(original, t -> {
      assertEquals(dtype.name().toLowerCase(Locale.ROOT),
          DTypes.pythonName(t.scalar_type().intern().name(), "t"));
      assertArrayEquals(original.shape(), t.shape());
      return t;
    });
    assertSame(original, copy);
  }

  @Test
  void roundTripsScalarsAndEmptyTensors() {
    Tensor scalar = Tensor.fromBlob(new double[] {2.5}, new long[0]);
    assertSame(scalar, throughLibTorch(scalar, t -> t));
    Tensor empty = Tensor.fromBlob(new long[0], new long[] {0, 3});
    assertSame(empty, throughLibTorch(empty, t -> t));
  }

  @Test
  void readsChannelsLastDataAsNhwc() {
    long n = 1, c = 2, h = 2, w = 3;
    float[] nhwc = new float[12];
    for (int i = 0; i < nhwc.length; i++) {
      nhwc[i] = i;
    }
    Tensor input = Tensor.fromBlob(nhwc, new long[] {n, c, h, w}, MemoryFormat.CHANNELS_LAST);
    Tensor copy = throughLibTorch(input, t -> {
      assertTrue(t.is_contiguous(torch.MemoryFormat.ChannelsLast), "a channels-last LibTorch tensor");
      return t;
    });
    assertArrayEquals(new long[] {n, c, h, w}, copy.shape());
    assertEquals(MemoryFormat.CONTIGUOUS, copy.memoryFormat());
    float[] nchw = copy.getDataAsFloatArray();
    for (int ci = 0; ci < c; ci++) {
      for (int hi = 0; hi < h; hi++) {
        for (int wi = 0; wi < w; wi++) {
          assertEquals(nhwc[(int) ((hi * w + wi) * c + ci)], nchw[(int) ((ci * h + hi) * w + wi)]);
        }
      }
    }
  }

  @Test
  void refusesAChannelsLastTensorOfTheWrongRank() {
    Tensor input = Tensor.fromBlob(new float[4], new long[] {1, 1, 2, 2}, MemoryFormat.CHANNELS_LAST_3D);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> throughLibTorch(input, t -> t));
    assertEquals("input is CHANNELS_LAST_3D with shape [1, 1, 2, 2]; that memory format needs 5 dimensions",
        e.getMessage());
  }

  @Test
  void refusesDataThatNoLongerFillTheShape() {
    FloatBuffer data = Tensor.allocateFloatBuffer(6);
    Tensor input = Tensor.fromBlob(data, new long[] {2, 3});
    data.limit(4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> throughLibTorch(input, t -> t));
    assertEquals("input holds 4 values but its shape needs 6", e.getMessage());
  }

  @Test
  void copiesANonContiguousLibTorchTensorInLogicalOrder() {
    Tensor matrix = Tensor.fromBlob(new int[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3});
    Tensor transposed = throughLibTorch(matrix, t -> t.t());
    assertArrayEquals(new long[] {3, 2}, transposed.shape());
    assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, transposed.getDataAsIntArray());
  }

  @Test
  void refusesDtypesJavaCannotHoldAndNamesThem() {
    Tensor floats = sample(DType.FLOAT32);
    for (var type : new torch.ScalarType[] {torch.ScalarType.Half, torch.ScalarType.BFloat16,
        torch.ScalarType.Bool, torch.ScalarType.Short, torch.ScalarType.ComplexFloat}) {
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> throughLibTorch(floats, t -> t.to(type)));
      String dtype = DTypes.pythonName(type.name(), "t");
      assertEquals("the result has dtype " + dtype + ", which org.pytorch.Tensor cannot hold (it holds uint8, int8,"
          + " int32, int64, float32, float64)", e.getMessage());
    }
  }

  @Test
  void refusesSparseTensors() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> throughLibTorch(sample(DType.FLOAT32), t -> t.to_sparse()));
    assertTrue(e.getMessage().startsWith("the result has layout Sparse"), e.getMessage());
  }

  /** Java → LibTorch, then {@code step} on the LibTorch tensor, then back to Java; frees what LibTorch held. */
  @SuppressWarnings("try")
  private static Tensor throughLibTorch(Tensor tensor,
      Function<org.bytedeco.pytorch.Tensor, org.bytedeco.pytorch.Tensor> step) {
    try (PointerScope scope = new PointerScope()) {
      return NativeTensors.toJava(step.apply(NativeTensors.toNative(tensor, "input")), "the result");
    }
  }

  private static void assertSame(Tensor expected, Tensor actual) {
    assertEquals(expected.dtype(), actual.dtype());
    assertArrayEquals(expected.shape(), actual.shape());
    switch (expected.dtype()) {
      case UINT8 -> assertArrayEquals(expected.getDataAsUnsignedByteArray(), actual.getDataAsUnsignedByteArray());
      case INT8 -> assertArrayEquals(expected.getDataAsByteArray(), actual.getDataAsByteArray());
      case INT32 -> assertArrayEquals(expected.getDataAsIntArray(), actual.getDataAsIntArray());
      case INT64 -> assertArrayEquals(expected.getDataAsLongArray(), actual.getDataAsLongArray());
      // Arrays.equals semantics: NaN equals NaN, -0.0 differs from 0.0
      case FLOAT32 -> assertTrue(Arrays.equals(expected.getDataAsFloatArray(),
          actual.getDataAsFloatArray()));
      case FLOAT64 -> assertTrue(Arrays.equals(expected.getDataAsDoubleArray(),
          actual.getDataAsDoubleArray()));
    }
  }
}
