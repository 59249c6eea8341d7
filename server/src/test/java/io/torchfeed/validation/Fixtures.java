package io.torchfeed.validation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The committed TorchScript models (written by {@code test-fixtures/validation/make_models.py}) and bad files. */
final class Fixtures {
  private Fixtures() {}

  /** conv(1→2, 3×3), batch norm(2), linear(2→3): 6 float32 parameters, 3 buffers. */
  static Path convnet() {
    return resource("convnet.pt");
  }

  /** Tied embedding/output weights and one buffer of each common dtype. */
  static Path dtypes() {
    return resource("dtypes.pt");
  }

  static Path write(Path dir, String name, byte[] bytes) {
    try {
      return Files.write(dir.resolve(name), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first {@code length} bytes of a good model: no central directory. */
  static byte[] truncated(int length) {
    try {
      return Arrays.copyOf(Files.readAllBytes(convnet()), length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path resource(String name) {
    return io.torchfeed.support.Fixtures.root().resolve("validation").resolve(name);
  }
}
