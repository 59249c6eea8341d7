package io.torchfeed.client.libtorch;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.pytorch.DType;
import org.pytorch.MemoryFormat;

/**
 * Copies tensors between PyTorch's Java API ({@link org.pytorch.Tensor}: plain Java, its data in a direct
 * buffer) and LibTorch ({@link Tensor}). Part of the LibTorch boundary: with {@link LibTorch} the only
 * class of torchfeed that imports {@code org.bytedeco}. Package-private, so LibTorch's types stay in this package.
 *
 * <p>The dtypes are exactly those {@code org.pytorch.Tensor} can hold: {@value #SUPPORTED}. Any other LibTorch
 * tensor (float16, bfloat16, bool, int16, complex, quantized, sparse, ...) is refused with an
 * {@link UnsupportedOperationException} that names the tensor and its dtype.
 *
 * <p>Every conversion copies once: {@link #toNative} into memory LibTorch allocates (owned by the caller's
 * {@code PointerScope}), {@link #toJava} into a new direct buffer owned by the Java heap, so the result never
 * points at native memory that is freed later.
 */
final class NativeTensors {
  static final String SUPPORTED = "uint8, int8, int32, int64, float32, float64";

  private NativeTensors() {}

  /**
   * A LibTorch copy of {@code tensor} with the same shape, dtype and values. A {@code CHANNELS_LAST} (or
   * {@code CHANNELS_LAST_3D}) tensor, whose data are in NHWC (NDHWC) order, becomes a channels-last LibTorch
   * tensor of the same logical NCHW (NCDHW) shape, as PyTorch itself would build it.
   *
   * @param what names the tensor in error messages, e.g. {@code input 0}
   * @throws IllegalArgumentException if the tensor's data do not fill its shape exactly, or a channels-last
   *     tensor does not have 4 (5) dimensions
   */
  static Tensor toNative(org.pytorch.Tensor tensor, String what) {
    Objects.requireNonNull(tensor, what);
    long[] shape = tensor.shape();
    MemoryFormat format = tensor.memoryFormat();
    long[] stored = storedShape(shape, format, what);
    Tensor copy = torch.empty(stored, new TensorOptions(scalarType(tensor.dtype())), new MemoryFormatOptional());
    copyData(tensor, copy.data_ptr(), Math.toIntExact(tensor.numel()), what);
    return switch (format) {
      case CONTIGUOUS -> copy;
      case CHANNELS_LAST -> copy.permute(0, 3, 1, 2);
      case CHANNELS_LAST_3D -> copy.permute(0, 4, 1, 2, 3);
    };
  }

  /**
   * A contiguous {@code org.pytorch.Tensor} copy of a CPU tensor.
   *
   * @param what names the tensor in error messages, e.g. {@code parameter 'conv.weight'}
   * @throws UnsupportedOperationException if {@code org.pytorch.Tensor} cannot hold it: its dtype, layout or
   *     size (2 GiB at most)
   */
  static org.pytorch.Tensor toJava(Tensor tensor, String what) {
    if (!tensor.defined()) {
      throw new UnsupportedOperationException(what + " is an undefined tensor");
    }
    torch.ScalarType type = tensor.scalar_type().intern();
    if (!isSupported(type)) {
      throw new UnsupportedOperationException(what + " has dtype " + pythonName(type)
          + ", which org.pytorch.Tensor cannot hold (it holds " + SUPPORTED + ")");
    }
    if (tensor.layout().intern() != torch.Layout.Strided) {
      throw new UnsupportedOperationException(what + " has layout " + tensor.layout().intern()
          + "; org.pytorch.Tensor holds only dense (strided) tensors");
    }
    Tensor dense = tensor.contiguous();
    long[] shape = dense.shape();
    if (dense.nbytes() > Integer.MAX_VALUE) {
      throw new UnsupportedOperationException(what + " is " + dense.nbytes() + " bytes (shape "
          + Arrays.toString(shape) + "); org.pytorch.Tensor holds at most 2 GiB");
    }
    int n = (int) dense.numel();
    Pointer data = dense.data_ptr();
    return switch (type) {
      case Byte -> org.pytorch.Tensor.fromBlobUnsigned(bytes(data, n), shape);
      case Char -> org.pytorch.Tensor.fromBlob(bytes(data, n), shape);
      case Int -> org.pytorch.Tensor.fromBlob(ints(data, n), shape);
      case Long -> org.pytorch.Tensor.fromBlob(longs(data, n), shape);
      case Float -> org.pytorch.Tensor.fromBlob(floats(data, n), shape);
      case Double -> org.pytorch.Tensor.fromBlob(doubles(data, n), shape);
      default -> throw new AssertionError(type);
    };
  }

  private static boolean isSupported(torch.ScalarType type) {
    return switch (type) {
      case Byte, Char, Int, Long, Float, Double -> true;
      default -> false;
    };
  }

  private static String pythonName(torch.ScalarType type) {
    return DTypes.isKnown(type.name()) ? DTypes.pythonName(type.name(), "") : type.name();
  }

  private static torch.ScalarType scalarType(DType dtype) {
    return switch (dtype) {
      case UINT8 -> torch.ScalarType.Byte;
      case INT8 -> torch.ScalarType.Char;
      case INT32 -> torch.ScalarType.Int;
      case INT64 -> torch.ScalarType.Long;
      case FLOAT32 -> torch.ScalarType.Float;
      case FLOAT64 -> torch.ScalarType.Double;
    };
  }

  /** The sizes in the order the data are stored: NHWC (NDHWC) for the channels-last formats. */
  private static long[] storedShape(long[] shape, MemoryFormat format, String what) {
    int rank = switch (format) {
      case CONTIGUOUS -> shape.length;
      case CHANNELS_LAST -> 4;
      case CHANNELS_LAST_3D -> 5;
    };
    if (shape.length != rank) {
      throw new IllegalArgumentException(what + " is " + format + " with shape " + Arrays.toString(shape)
          + "; that memory format needs " + rank + " dimensions");
    }
    if (format == MemoryFormat.CONTIGUOUS) {
      return shape;
    }
    long[] stored = new long[rank];
    stored[0] = shape[0];
    System.arraycopy(shape, 2, stored, 1, rank - 2);
    stored[rank - 1] = shape[1];
    return stored;
  }

  /**
   * {@code getDataAs...Array()} rewinds the tensor's one buffer and reads it relatively, so two threads reading
   * the same tensor at once would disturb each other: reads through here are serialized on the tensor.
   */
  private static void copyData(org.pytorch.Tensor tensor, Pointer target, int numel, String what) {
    synchronized (tensor) {
      switch (tensor.dtype()) {
        case UINT8 -> {
          byte[] values = tensor.getDataAsUnsignedByteArray();
          if (fills(values.length, numel, what)) {
            new BytePointer(target).put(values);
          }
        }
        case INT8 -> {
          byte[] values = tensor.getDataAsByteArray();
          if (fills(values.length, numel, what)) {
            new BytePointer(target).put(values);
          }
        }
        case INT32 -> {
          int[] values = tensor.getDataAsIntArray();
          if (fills(values.length, numel, what)) {
            new IntPointer(target).put(values);
          }
        }
        case INT64 -> {
          long[] values = tensor.getDataAsLongArray();
          if (fills(values.length, numel, what)) {
            new LongPointer(target).put(values);
          }
        }
        case FLOAT32 -> {
          float[] values = tensor.getDataAsFloatArray();
          if (fills(values.length, numel, what)) {
            new FloatPointer(target).put(values);
          }
        }
        case FLOAT64 -> {
          double[] values = tensor.getDataAsDoubleArray();
          if (fills(values.length, numel, what)) {
            new DoublePointer(target).put(values);
          }
        }
      }
    }
  }

  /** True if there is something to copy; throws if the data do not match the shape's element count. */
  private static boolean fills(int length, int numel, String what) {
    if (length != numel) {
      throw new IllegalArgumentException(what + " holds " + length + " values but its shape needs " + numel);
    }
    return numel > 0;
  }

  private static ByteBuffer bytes(Pointer data, int n) {
    ByteBuffer copy = org.pytorch.Tensor.allocateByteBuffer(n);
    if (n > 0) {
      copy.put(new BytePointer(data).capacity(n).asBuffer());
    }
    return copy.rewind();
  }

  private static IntBuffer ints(Pointer data, int n) {
    IntBuffer copy = org.pytorch.Tensor.allocateIntBuffer(n);
    if (n > 0) {
      copy.put(new IntPointer(data).capacity(n).asBuffer());
    }
    return copy.rewind();
  }

  private static LongBuffer longs(Pointer data, int n) {
    LongBuffer copy = org.pytorch.Tensor.allocateLongBuffer(n);
    if (n > 0) {
      copy.put(new LongPointer(data).capacity(n).asBuffer());
    }
    return copy.rewind();
  }

  private static FloatBuffer floats(Pointer data, int n) {
    FloatBuffer copy = org.pytorch.Tensor.allocateFloatBuffer(n);
    if (n > 0) {
      copy.put(new FloatPointer(data).capacity(n).asBuffer());
    }
    return copy.rewind();
  }

  private static DoubleBuffer doubles(Pointer data, int n) {
    DoubleBuffer copy = org.pytorch.Tensor.allocateDoubleBuffer(n);
    if (n > 0) {
      copy.put(new DoublePointer(data).capacity(n).asBuffer());
    }
    return copy.rewind();
  }
}
