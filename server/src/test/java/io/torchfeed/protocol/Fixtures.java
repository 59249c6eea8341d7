package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import io.torchfeed.model.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  static final ModelListing LISTING = new ModelListing(
      List.of(new ModelSummary("toynet", List.of(1, 2), 2, java.util.Map.of("stable", 1))),
      List.of(new Rejection("broken", 1, "broken/1/model.pt", "not a TorchScript archive: empty file")));

  private Fixtures() {}

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
