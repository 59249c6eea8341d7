package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DTypesTest {
  @Test
  void spellsCommonTypesLikePython() {
    assertEquals("float32", DTypes.pythonName("Float", "w"));
    assertEquals("float64", DTypes.pythonName("Double", "w"));
    assertEquals("float16", DTypes.pythonName("Half", "w"));
    assertEquals("bfloat16", DTypes.pythonName("BFloat16", "w"));
    assertEquals("int64", DTypes.pythonName("Long", "w"));
    assertEquals("int32", DTypes.pythonName("Int", "w"));
    assertEquals("int16", DTypes.pythonName("Short", "w"));
    assertEquals("int8", DTypes.pythonName("Char", "w"));
    assertEquals("uint8", DTypes.pythonName("Byte", "w"));
    assertEquals("bool", DTypes.pythonName("Bool", "w"));
    assertEquals("complex64", DTypes.pythonName("ComplexFloat", "w"));
    assertEquals("complex128", DTypes.pythonName("ComplexDouble", "w"));
    assertEquals("qint8", DTypes.pythonName("QInt8", "w"));
    assertEquals("quint8", DTypes.pythonName("QUInt8", "w"));
    assertEquals("float8_e4m3fn", DTypes.pythonName("Float8_e4m3fn", "w"));
  }

  @Test
  void knowsEveryScalarTypeOfTheBindings() {
    List<String> names = LibTorch.scalarTypeNames();
    assertTrue(names.size() > 40, names::toString);
    for (String name : names) {
      assertTrue(DTypes.isKnown(name), () -> "no Python name for ScalarType " + name);
    }
  }

  @Test
  void rejectsUndefined() {
    LoadException e =
        assertThrows(LoadException.class, () -> DTypes.pythonName("Undefined", "bn.weight"));
    assertEquals("tensor 'bn.weight' has unsupported dtype Undefined", e.getMessage());
  }
}
