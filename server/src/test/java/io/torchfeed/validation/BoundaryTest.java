package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The LibTorch boundary is the package io.torchfeed.validation: who may use org.bytedeco, and how. */
class BoundaryTest {
  static final List<String> IMPORTERS = List.of(
      "io/torchfeed/validation/LibTorchInspector.java",
      "io/torchfeed/validation/NativeTensors.java");

  /** An import, or a qualified name in code: {@code -Dorg.bytedeco...} in a string does not count. */
  static final Pattern USE =
      Pattern.compile("(?m)^import (static )?org\\.bytedeco\\.|[^-\\w.\"]org\\.bytedeco\\.\\w+\\.[A-Z]");

  @Test
  void onlyTheBoundaryClassesUseOrgBytedeco() throws IOException {
    Path sources = io.torchfeed.support.Fixtures.root().resolveSibling("server/src/main/java");
    List<String> users = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String code = Files.readString(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        if (USE.matcher(code).find()) {
          users.add(sources.relativize(file).toString().replace('\\', '/'));
        }
      }
    }
    assertEquals(IMPORTERS, users);
  }

  @Test
  void noPublicSignatureOfTheBoundaryHasAnOrgBytedecoType() {
    for (Class<?> type : List.of(LibTorchInspector.class, LibTorchInspector.LoadedModule.class)) {
      List<Executable> members = new ArrayList<>(List.of(type.getConstructors()));
      members.addAll(List.of(type.getMethods()));
      for (Executable member : members) {
        if (!Modifier.isPublic(member.getModifiers())) {
          continue;
        }
        List<Type> types = new ArrayList<>(List.of(member.getGenericParameterTypes()));
        if (member instanceof Method method) {
          types.add(method.getGenericReturnType());
        }
        for (Type t : types) {
          assertFalse(t.getTypeName().contains("org.bytedeco"), member.toString());
        }
      }
    }
  }
}
