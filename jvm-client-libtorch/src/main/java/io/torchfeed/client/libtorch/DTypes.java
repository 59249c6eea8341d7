package io.torchfeed.client.libtorch;

import java.util.Map;

/**
 * LibTorch's {@code c10::ScalarType} names (as the JavaCPP enum spells them) to the names PyTorch's Python
 * prints ({@code torch.float32} without the {@code torch.}). Plain Java, so it is tested without LibTorch.
 */
final class DTypes {
  private static final Map<String, String> PYTHON_NAMES = Map.ofEntries(
      Map.entry("Byte", "uint8"),
      Map.entry("Char", "int8"),
      Map.entry("Short", "int16"),
      Map.entry("Int", "int32"),
      Map.entry("Long", "int64"),
      Map.entry("Half", "float16"),
      Map.entry("Float", "float32"),
      Map.entry("Double", "float64"),
      Map.entry("ComplexHalf", "complex32"),
      Map.entry("ComplexFloat", "complex64"),
      Map.entry("ComplexDouble", "complex128"),
      Map.entry("Bool", "bool"),
      Map.entry("QInt8", "qint8"),
      Map.entry("QUInt8", "quint8"),
      Map.entry("QInt32", "qint32"),
      Map.entry("BFloat16", "bfloat16"),
      Map.entry("QUInt4x2", "quint4x2"),
      Map.entry("QUInt2x4", "quint2x4"),
      Map.entry("Bits1x8", "bits1x8"),
      Map.entry("Bits2x4", "bits2x4"),
      Map.entry("Bits4x2", "bits4x2"),
      Map.entry("Bits8", "bits8"),
      Map.entry("Bits16", "bits16"),
      Map.entry("Float8_e5m2", "float8_e5m2"),
      Map.entry("Float8_e4m3fn", "float8_e4m3fn"),
      Map.entry("Float8_e5m2fnuz", "float8_e5m2fnuz"),
      Map.entry("Float8_e4m3fnuz", "float8_e4m3fnuz"),
      Map.entry("Float8_e8m0fnu", "float8_e8m0fnu"),
      Map.entry("Float4_e2m1fn_x2", "float4_e2m1fn_x2"),
      Map.entry("UInt16", "uint16"),
      Map.entry("UInt32", "uint32"),
      Map.entry("UInt64", "uint64"),
      Map.entry("UInt1", "uint1"),
      Map.entry("UInt2", "uint2"),
      Map.entry("UInt3", "uint3"),
      Map.entry("UInt4", "uint4"),
      Map.entry("UInt5", "uint5"),
      Map.entry("UInt6", "uint6"),
      Map.entry("UInt7", "uint7"),
      Map.entry("Int1", "int1"),
      Map.entry("Int2", "int2"),
      Map.entry("Int3", "int3"),
      Map.entry("Int4", "int4"),
      Map.entry("Int5", "int5"),
      Map.entry("Int6", "int6"),
      Map.entry("Int7", "int7"));

  private DTypes() {}

  /**
   * The Python spelling of a scalar type.
   *
   * @throws LoadException for {@code Undefined} and types this table does not know
   */
  static String pythonName(String scalarType, String tensorName) {
    String name = PYTHON_NAMES.get(scalarType);
    if (name == null) {
      throw new LoadException("tensor '" + Reasons.oneLine(tensorName) + "' has unsupported dtype "
          + Reasons.oneLine(scalarType));
    }
    return name;
  }

  static boolean isKnown(String scalarType) {
    return PYTHON_NAMES.containsKey(scalarType);
  }
}
