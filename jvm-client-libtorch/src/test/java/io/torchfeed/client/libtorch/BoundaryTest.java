package io.torchfeed.client.libtorch;

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

/**
 * The JVM's one LibTorch boundary is {@link LibTorch} with its helper {@code NativeTensors}: who may use
 * org.bytedeco in any module's main code (the server included), and how.
 */
class BoundaryTest {
  static final List<String> IMPORTERS = List.of(
      "jvm-client-libtorch/src/main/java/io/torchfeed/client/libtorch/LibTorch.java",
      "jvm-client-libtorch/src/main/java/io/torchfeed/client/libtorch/NativeTensors.java");

  /** An import, or a qualified name in code: {@code -Dorg.bytedeco...} in a string does not count. */
  static final Pattern USE =
      Pattern.compile("(?m)^import (static )?org\\.bytedeco\\.|[^-\\w.\"]org\\.bytedeco\\.\\w+\\.[A-Z]");

  @Test
  void onlyTheBoundaryClassesOfAnyModuleUseOrgBytedeco() throws IOException {
    Path root = io.torchfeed.support.Fixtures.root().getParent();
    List<String> users = new ArrayList<>();
    List<Path> modules;
    try (Stream<Path> dirs = Files.list(root)) {
      modules = dirs.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).sorted().toList();
    }
    assertEquals(List.of("jvm-client", "jvm-client-libtorch", "protocol", "server"),
        modules.stream().map(m -> m.getFileName().toString()).toList(), "every Maven module is searched");
    for (Path module : modules) {
      try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
          String code = Files.readString(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
          if (USE.matcher(code).find()) {
            users.add(root.relativize(file).toString().replace('\\', '/'));
          }
        }
      }
    }
    assertEquals(IMPORTERS, users);
  }

  @Test
  void noPublicSignatureOfThisArtifactHasAnOrgBytedecoType() {
    for (Class<?> type : List.of(LibTorch.class, LoadedModel.class, ModelClient.class, LoadException.class,
        InferenceException.class)) {
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
