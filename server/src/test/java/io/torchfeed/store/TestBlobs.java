package io.torchfeed.store;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Files to publish and the manifests that describe them (unnumbered, as a publish receives them). The bytes are
 * random, not TorchScript: the bucket store never opens a model file.
 */
final class TestBlobs {
  /** A file and its manifest. */
  record Blob(Path file, Manifest manifest) {}

  private TestBlobs() {}

  /** {@code size} random bytes from {@code seed}, as a model {@code name} to publish. */
  static Blob of(Path dir, String name, long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    try {
      Path file = Files.write(Files.createTempFile(dir, name + "-", ".pt"), bytes);
      return new Blob(file, manifest(name, bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Manifest manifest(String name, byte[] bytes) {
    return new Manifest(name, 0, bytes.length, sha256(bytes), 3,
        List.of(new TensorInfo("fc.weight", List.of(2L, 2L), "float32")), List.of());
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
