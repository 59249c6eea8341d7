package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Fetches a whole model version into one direct buffer sized from the manifest, hashing the bytes as they
 * arrive, and checks the sha256 before handing the buffer out. Nothing is copied twice. A transfer cut short
 * resumes at the bytes held, on the next server of the client's {@link Replicas} (as {@link FileDownload}).
 */
public final class MemoryDownload {
  private final TorchfeedClient client;

  public MemoryDownload(TorchfeedClient client) {
    this.client = client;
  }

  /** The manifest of the version fetched and its bytes (position 0, limit = size). */
  public record Result(Manifest manifest, ByteBuffer bytes) {}

  public Result download(ModelId id, TorchfeedClient.Progress progress) {
    try (FailoverFetch fetch = new FailoverFetch(client)) {
      return download(fetch, id, progress);
    }
  }

  private Result download(FailoverFetch fetch, ModelId id, TorchfeedClient.Progress progress) {
    Manifest manifest = fetch.manifest(id);
    if (manifest.size() > Integer.MAX_VALUE) {
      throw new ClientException(manifest.id() + " is " + manifest.size() + " bytes; fetching into memory is "
          + "limited to 2 GiB in the JVM client, use fetch -o FILE");
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) manifest.size());
    MessageDigest digest = FileDownload.sha256();
    OutputStream sink = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        if (len > buffer.remaining()) {
          throw new ClientException("the server sent more bytes than its manifest announced");
        }
        buffer.put(b, off, len);
        digest.update(b, off, len);
      }
    };
    FetchHeader header = fetch.fetch(manifest, 0, sink, progress);
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!header.manifest().sha256().equals(manifest.sha256()) || buffer.hasRemaining()
        || !actual.equals(manifest.sha256())) {
      throw new ClientException("checksum mismatch for " + manifest.id() + ": got sha256 " + actual
          + ", the server announced " + manifest.sha256());
    }
    return new Result(header.manifest(), buffer.flip());
  }
}
