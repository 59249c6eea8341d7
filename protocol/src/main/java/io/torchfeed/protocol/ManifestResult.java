package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to MANIFEST, unsigned or signed.
 *
 * <p>MANIFEST_RESULT (0x83): the whole payload is the {@link Manifest} as compact JSON, keys in the order
 * {@code name, version, size, sha256, formatVersion, parameters, buffers}, then, for a client of protocol version
 * 3, {@code chunkSize, chunks} ({@link ManifestJson#forVersion}).
 *
 * <p>SIGNED_MANIFEST_RESULT (0x88, protocol version 2, section 5.10): the same document as a {@code json} field,
 * then the signature of exactly its bytes (the {@code json} field without its length):
 *
 * <pre>
 * +---------------+------------+----------------+
 * | manifest json | key id 8 B | signature 64 B |
 * +---------------+------------+----------------+
 * </pre>
 *
 * @param manifest  the manifest
 * @param json      the document's bytes as sent (and signed); the manifest parsed from them when decoded
 * @param signature present: SIGNED_MANIFEST_RESULT; empty: MANIFEST_RESULT
 */
public record ManifestResult(Manifest manifest, byte[] json, Optional<ManifestSignature> signature)
    implements Message {

  public ManifestResult {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(signature, "signature");
    json = json.clone();
  }

  /** An unsigned MANIFEST_RESULT. */
  public ManifestResult(Manifest manifest) {
    this(manifest, ManifestJson.write(manifest), Optional.empty());
  }

  /** A SIGNED_MANIFEST_RESULT: {@code json} must be the bytes {@code signature} was made over. */
  public static ManifestResult signed(Manifest manifest, byte[] json, ManifestSignature signature) {
    return new ManifestResult(manifest, json, Optional.of(signature));
  }

  /** A copy of the document's bytes. */
  @Override
  public byte[] json() {
    return json.clone();
  }

  @Override
  public FrameType type() {
    return signature.isPresent() ? FrameType.SIGNED_MANIFEST_RESULT : FrameType.MANIFEST_RESULT;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ManifestResult r && r.manifest.equals(manifest) && Arrays.equals(r.json, json)
        && r.signature.equals(signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(manifest, Arrays.hashCode(json), signature);
  }

  @Override
  public String toString() {
    return "ManifestResult[manifest=" + manifest + ", signature=" + signature + "]";
  }
}
