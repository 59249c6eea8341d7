package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.NameLimit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Lists the model files of a repository in Triton's layout: {@code <repo>/<name>/<version>/model.pt}, the version
 * a positive integer directory. Other files ({@code config.pbtxt}, labels, ...) are ignored; a directory whose
 * name is not a valid model name (or is longer than the server's {@link NameLimit}), and a version directory that
 * is not a positive integer, are skipped with a warning. A {@code model.pt} that is not a regular file is returned as well, so validation can reject it with a
 * reason instead of it silently disappearing.
 */
public final class RepositoryScanner {
  public static final String MODEL_FILE = "model.pt";
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,9}");

  private final Path root;
  private final Consumer<String> warnings;
  private final NameLimit names;

  public RepositoryScanner(Path root, Consumer<String> warnings) {
    this(root, warnings, NameLimit.PROTOCOL);
  }

  public RepositoryScanner(Path root, Consumer<String> warnings, NameLimit names) {
    this.root = root.toAbsolutePath().normalize();
    this.warnings = warnings;
    this.names = names;
  }

  public Path root() {
    return root;
  }

  /** Every {@code <name>/<version>/model.pt}, sorted by name then version. */
  public List<ModelFile> scan() {
    if (!Files.isDirectory(root)) {
      throw new UncheckedIOException(new IOException("model repository " + root + " is not a directory"));
    }
    List<ModelFile> found = new ArrayList<>();
    for (Path modelDir : children(root)) {
      String name = modelDir.getFileName().toString();
      if (name.startsWith(".") || !Files.isDirectory(modelDir)) {
        continue;
      }
      if (!ModelId.isValidName(name)) {
        warnings.accept("skipping '" + name + "': not a valid model name ([A-Za-z0-9][A-Za-z0-9._-]{0,127})");
        continue;
      }
      if (!names.allows(name)) {
        warnings.accept("skipping '" + name + "': " + name.length() + " characters, longer than --max-name-length "
            + names.max());
        continue;
      }
      for (Path versionDir : children(modelDir)) {
        addVersion(found, name, versionDir);
      }
    }
    found.sort(Comparator.comparing((ModelFile f) -> f.id().name()).thenComparingInt(f -> f.id().version()));
    return found;
  }

  private void addVersion(List<ModelFile> found, String name, Path versionDir) {
    if (!Files.isDirectory(versionDir)) {
      return;
    }
    String dir = versionDir.getFileName().toString();
    if (!VERSION.matcher(dir).matches() || Long.parseLong(dir) > Integer.MAX_VALUE) {
      if (!dir.startsWith(".")) {
        warnings.accept("skipping '" + name + "/" + dir + "': the version must be a positive integer");
      }
      return;
    }
    Path file = versionDir.resolve(MODEL_FILE);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      ModelId id = new ModelId(name, Integer.parseInt(dir));
      found.add(new ModelFile(id, file, name + "/" + dir + "/" + MODEL_FILE));
    }
  }

  private static List<Path> children(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }
}
