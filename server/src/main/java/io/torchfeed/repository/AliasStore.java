package io.torchfeed.repository;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.ModelId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Aliases live in the repository next to the versions they name, one file per model:
 * {@code <repo>/<name>/aliases.json} = {@code {"stable": 3, "canary": 4}}. Triton ignores the file. Writes
 * are atomic (temporary file, then rename); an unreadable file is reported and treated as empty.
 */
final class AliasStore {
  static final String FILE = "aliases.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<TreeMap<String, Integer>> TYPE = new TypeReference<>() {};

  private final Path root;
  private final Consumer<String> warnings;

  AliasStore(Path root, Consumer<String> warnings) {
    this.root = root;
    this.warnings = warnings;
  }

  Map<String, Integer> read(String model) {
    Path file = root.resolve(model).resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      TreeMap<String, Integer> aliases = JSON.readValue(file.toFile(), TYPE);
      aliases.keySet().removeIf(alias -> {
        boolean bad = !ModelId.isValidName(alias) || aliases.get(alias) == null || aliases.get(alias) <= 0;
        if (bad) {
          warnings.accept("ignoring alias '" + alias + "' in " + model + "/" + FILE);
        }
        return bad;
      });
      return aliases;
    } catch (IOException e) {
      warnings.accept("ignoring " + model + "/" + FILE + ": " + e.getMessage().lines().findFirst().orElse(""));
      return Map.of();
    }
  }

  void write(String model, Map<String, Integer> aliases) {
    Path dir = root.resolve(model);
    try {
      Path tmp = Files.createTempFile(dir, "." + FILE, ".tmp");
      try {
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), new TreeMap<>(aliases));
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + model + "/" + FILE + ": " + e.getMessage(), e);
    }
  }
}
