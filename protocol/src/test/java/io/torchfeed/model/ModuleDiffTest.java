package io.torchfeed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleDiffTest {
  private static TensorInfo t(String name, String dtype, long... shape) {
    return new TensorInfo(name, java.util.Arrays.stream(shape).boxed().toList(), dtype);
  }

  private static final ModuleInfo BASE = new ModuleInfo(
      List.of(t("w", "float32", 2, 3), t("b", "float32", 2)), List.of(t("n", "int64")));

  @Test
  void identicalModulesHaveNoDifferences() {
    assertTrue(ModuleDiff.between(BASE, BASE).isEmpty());
  }

  @Test
  void reportsShapeDtypeMissingAndExtra() {
    ModuleInfo other = new ModuleInfo(List.of(t("w", "float32", 3, 3), t("c", "float32", 2)),
        List.of(t("n", "int32")));
    List<String> diffs = ModuleDiff.between(BASE, other).stream().map(Object::toString).toList();
    assertEquals(List.of(
        "parameter w: expected float32[2, 3], got float32[3, 3]",
        "parameter b: expected float32[2], got missing",
        "parameter c: expected missing, got float32[2]",
        "buffer n: expected int64[], got int32[]"), diffs);
  }

  @Test
  void reportsOrderChanges() {
    ModuleInfo swapped = new ModuleInfo(List.of(t("b", "float32", 2), t("w", "float32", 2, 3)), BASE.buffers());
    assertEquals("parameter order: expected w,b, got b,w",
        ModuleDiff.between(BASE, swapped).get(0).toString());
  }
}
