package io.torchfeed.protocol;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.signing.ManifestSigner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** The golden frames of test-fixtures/protocol and the values they hold (docs/protocol.md, section 5). */
final class Fixtures {
  static final byte[] FILE = "hello, torchfeed\n".getBytes(StandardCharsets.US_ASCII);
  static final String SHA256 = "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";

  static final Manifest MANIFEST = new Manifest("toynet", 1, 17, SHA256, 3,
      List.of(new TensorInfo("linear.weight", List.of(2L, 3L), "float32"),
          new TensorInfo("linear.bias", List.of(2L), "float32")),
      List.of(new TensorInfo("bn.num_batches_tracked", List.of(), "int64")));

  /** Chunks of 8 bytes in the golden frames of version 3: the 17-byte file is 3 chunks, the last of 1 byte. */
  static final int CHUNK_SIZE = 8;

  /** {@link #MANIFEST} with the chunk digests of {@link #FILE}, each chunk cut out and hashed on its own. */
  static final Manifest MANIFEST_V3 = MANIFEST.withChunks(new ChunkDigests(CHUNK_SIZE, List.of(
      sha256Hex(Arrays.copyOfRange(FILE, 0, 8)), sha256Hex(Arrays.copyOfRange(FILE, 8, 16)),
      sha256Hex(Arrays.copyOfRange(FILE, 16, 17)))));

  static final ModelListing LISTING = new ModelListing(
      List.of(new ModelSummary("toynet", List.of(1, 2), 2, java.util.Map.of("stable", 1))),
      List.of(new Rejection("broken", 1, "broken/1/model.pt", "not a TorchScript archive: empty file")));

  /**
   * The TEST-ONLY Ed25519 key of the golden signed frames: the seed generate_frames.py derives (public by
   * construction; never trust it for anything).
   */
  static final String SIGNING_SEED_TEXT = "torchfeed golden frames: TEST-ONLY Ed25519 key, never trust it";
  static final String SIGNING_KEY_ID = "9c91f2df37384405";

  private Fixtures() {}

  /** The golden frames' signer, from the generator's fixed seed. */
  static ManifestSigner testSigner() {
    try {
      byte[] seed = MessageDigest.getInstance("SHA-256").digest(SIGNING_SEED_TEXT.getBytes(StandardCharsets.US_ASCII));
      return ManifestSigner.of(KeyFactory.getInstance("Ed25519")
          .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document of {@link #MANIFEST} as the golden frames hold it. */
  static byte[] manifestJson() {
    return ManifestJson.write(MANIFEST);
  }

  /** The document of {@link #MANIFEST_V3} as the golden frames of version 3 hold it. */
  static byte[] manifestJsonV3() {
    return ManifestJson.write(MANIFEST_V3);
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sha256() {
    return HexFormat.of().parseHex(SHA256);
  }

  /** The bytes of one golden file. */
  static byte[] read(String name) {
    try {
      return Files.readAllBytes(protocolDir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** {@code torchfeed.fixtures} (set by surefire), else the nearest test-fixtures above the working dir. */
  static Path protocolDir() {
    String configured = System.getProperty("torchfeed.fixtures");
    if (configured != null) {
      return Path.of(configured, "protocol");
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("test-fixtures/protocol"))) {
        return dir.resolve("test-fixtures/protocol");
      }
    }
    throw new IllegalStateException("test-fixtures/protocol not found; set -Dtorchfeed.fixtures");
  }
}
