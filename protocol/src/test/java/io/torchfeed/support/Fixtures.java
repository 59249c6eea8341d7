package io.torchfeed.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/** The committed fixtures in {@code test-fixtures/} (see its README). */
public final class Fixtures {
  public static final List<String> GOOD = List.of("bnnet", "controlflow", "dtypes", "toynet");
  public static final List<String> BAD = List.of("empty", "not_torchscript", "random", "state_dict", "truncated");
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Fixtures() {}

  public static Path root() {
    String configured = System.getProperty("torchfeed.fixtures");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("test-fixtures"))) {
        return dir.resolve("test-fixtures");
      }
    }
    throw new IllegalStateException("test-fixtures not found");
  }

  public static Path model(String name) {
    return root().resolve("models").resolve(name).resolve("model.pt");
  }

  public static Path bad(String stem) {
    return root().resolve("bad").resolve(stem + ".pt");
  }

  /** The golden manifest the generator wrote (as LibTorch lists it), for version 1. */
  public static Manifest golden(String name) {
    return readManifest(root().resolve("models").resolve(name).resolve("manifest.json"));
  }

  /**
   * The golden manifest with the chunk digests of protocol version 3, as the server computes them for the file:
   * each 8 MiB chunk of {@link #model} cut out and hashed here on its own.
   */
  public static Manifest goldenWithChunks(String name) {
    return golden(name).withChunks(chunks(model(name)));
  }

  /** The chunk digests of {@code file} in chunks of {@link ChunkDigests#DEFAULT_SIZE}, computed independently. */
  public static ChunkDigests chunks(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      List<String> digests = new ArrayList<>();
      int start = 0;
      do {
        int end = (int) Math.min(bytes.length, (long) start + ChunkDigests.DEFAULT_SIZE);
        digests.add(HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(bytes, start, end))));
        start = end;
      } while (start < bytes.length);
      return new ChunkDigests(ChunkDigests.DEFAULT_SIZE, digests);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code models-2.10/toynet/model.pt}: the toynet fixture re-saved by LibTorch 2.10 (see the README). */
  public static Path toynet210() {
    return root().resolve("models-2.10").resolve("toynet").resolve("model.pt");
  }

  /** The golden manifest of {@link #toynet210()}, for version 1. */
  public static Manifest golden210() {
    return readManifest(toynet210().resolveSibling("manifest.json"));
  }

  /** {@code models/toynet/forward.json}: a fixed input and the output Python's torch 1.13 computed for it. */
  public static Forward toynetForward() {
    try {
      JsonNode json = JSON.readTree(root().resolve("models").resolve("toynet").resolve("forward.json").toFile());
      return new Forward(longs(json.at("/input/shape")), floats(json.at("/input/values")),
          longs(json.at("/output/shape")), floats(json.at("/output/values")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** forward.json's float32 tensors: values are exact decimal doubles narrowed to float. */
  public record Forward(long[] inputShape, float[] input, long[] outputShape, float[] output) {}

  private static Manifest readManifest(Path file) {
    try {
      return JSON.readValue(file.toFile(), Manifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long[] longs(JsonNode array) {
    long[] values = new long[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).longValue();
    }
    return values;
  }

  private static float[] floats(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) array.get(i).doubleValue();
    }
    return values;
  }

  /**
   * A repository holding every good fixture as {@code <name>/1/model.pt} and every bad one as
   * {@code bad-<stem>/1/model.pt}.
   */
  public static Path repository(Path dir) {
    try {
      for (String name : GOOD) {
        copy(model(name), dir.resolve(name).resolve("1").resolve("model.pt"));
      }
      for (String stem : BAD) {
        copy(bad(stem), dir.resolve("bad-" + stem.replace('_', '-')).resolve("1").resolve("model.pt"));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to);
  }

  /**
   * A copy of a TorchScript archive with {@code megabytes} of random bytes (from {@code seed}) added as an extra
   * stored record: a valid model as large as a test needs, different for each seed.
   */
  public static Path padded(Path model, Path target, int megabytes, long seed) throws IOException {
    Files.createDirectories(target.getParent());
    Files.copy(model, target);
    try (FileSystem zip = FileSystems.newFileSystem(target, Map.of("compressionMethod", "STORED"))) {
      byte[] chunk = new byte[1 << 20];
      new Random(seed).nextBytes(chunk);
      Files.createDirectories(zip.getPath("model/extra"));
      try (OutputStream out = Files.newOutputStream(zip.getPath("model/extra/padding"))) {
        for (int i = 0; i < megabytes; i++) {
          out.write(chunk);
        }
      }
    }
    return target;
  }

  public static Stream<String> goodModels() {
    return GOOD.stream();
  }
}
