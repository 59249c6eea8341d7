package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * FETCH_HEADER (0x84), the answer to {@link FetchRequest}. The frame is followed on the wire by exactly
 * {@link #payloadSize()} raw bytes of the file from {@link #offset()}; those bytes are not part of this
 * message, and the receiver reads them itself.
 *
 * <pre>
 * +----------+-------------+----------------+------------+------------------+-------------+---------------+
 * | name str | version u32 | total size u64 | offset u64 | payload size u64 | sha256 32 B | manifest json |
 * +----------+-------------+----------------+------------+------------------+-------------+---------------+
 * then: payload size bytes of the file (unframed)
 * </pre>
 *
 * <p>SIGNED_FETCH_HEADER (0x89, protocol version 2, section 5.10) has the same fields followed by the signature
 * of exactly the bytes of the manifest document (the {@code manifest json} field without its length), and the
 * same raw bytes follow it:
 *
 * <pre>
 * +--------------------------+------------+----------------+
 * | the fields of 0x84 above | key id 8 B | signature 64 B |
 * +--------------------------+------------+----------------+
 * </pre>
 *
 * @param name        model name
 * @param version     the concrete version served, never 0
 * @param totalSize   the size of the whole file
 * @param offset      where the raw bytes start in the file
 * @param payloadSize how many raw bytes follow the frame; {@code offset + payloadSize <= totalSize}
 * @param sha256      the SHA-256 of the whole file, 32 bytes (copied in, copied out)
 * @param manifest    the manifest of that version
 * @param manifestJson the manifest document's bytes as sent (and signed); the manifest parsed from them when
 *                     decoded
 * @param signature   present: SIGNED_FETCH_HEADER; empty: FETCH_HEADER
 */
public record FetchHeader(String name, int version, long totalSize, long offset, long payloadSize,
    byte[] sha256, Manifest manifest, byte[] manifestJson, Optional<ManifestSignature> signature)
    implements Message {

  public FetchHeader {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(signature, "signature");
    if (sha256.length != Protocol.SHA256_LENGTH) {
      throw new IllegalArgumentException("sha256 of " + sha256.length + " bytes, expected 32");
    }
    String problem = problem(version, totalSize, offset, payloadSize);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    sha256 = sha256.clone();
    manifestJson = manifestJson.clone();
  }

  /** An unsigned FETCH_HEADER. */
  public FetchHeader(String name, int version, long totalSize, long offset, long payloadSize, byte[] sha256,
      Manifest manifest) {
    this(name, version, totalSize, offset, payloadSize, sha256, manifest, ManifestJson.write(manifest),
        Optional.empty());
  }

  /** This header signed: a SIGNED_FETCH_HEADER whose signature was made over {@link #manifestJson()}. */
  public FetchHeader signed(ManifestSignature by) {
    return new FetchHeader(name, version, totalSize, offset, payloadSize, sha256, manifest, manifestJson,
        Optional.of(by));
  }

  /** What is wrong with these numbers, or {@code null} when they are consistent. */
  static String problem(int version, long totalSize, long offset, long payloadSize) {
    if (version <= 0) {
      return "version " + version + " is not a concrete version";
    }
    if (totalSize < 0 || offset < 0 || payloadSize < 0) {
      return "negative size or offset";
    }
    if (offset > totalSize || payloadSize > totalSize - offset) {
      return "range of " + payloadSize + " bytes from offset " + offset + " runs past the end of a file of "
          + totalSize + " bytes";
    }
    return null;
  }

  /** A copy of the 32-byte SHA-256 of the whole file. */
  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** A copy of the manifest document's bytes. */
  @Override
  public byte[] manifestJson() {
    return manifestJson.clone();
  }

  /** The SHA-256 of the whole file as lower-case hex, as in {@link Manifest#sha256()}. */
  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256);
  }

  @Override
  public FrameType type() {
    return signature.isPresent() ? FrameType.SIGNED_FETCH_HEADER : FrameType.FETCH_HEADER;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FetchHeader h && h.name.equals(name) && h.version == version
        && h.totalSize == totalSize && h.offset == offset && h.payloadSize == payloadSize
        && Arrays.equals(h.sha256, sha256) && h.manifest.equals(manifest)
        && Arrays.equals(h.manifestJson, manifestJson) && h.signature.equals(signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, totalSize, offset, payloadSize, Arrays.hashCode(sha256), manifest,
        Arrays.hashCode(manifestJson), signature);
  }

  @Override
  public String toString() {
    return "FetchHeader[name=" + name + ", version=" + version + ", totalSize=" + totalSize
        + ", offset=" + offset + ", payloadSize=" + payloadSize + ", sha256=" + sha256Hex()
        + ", manifest=" + manifest + ", signature=" + signature + "]";
  }
}
