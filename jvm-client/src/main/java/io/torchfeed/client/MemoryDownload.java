package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Fetches a whole model version into one direct buffer sized from the manifest and checks it before handing the
 * buffer out: each chunk on a pool of threads as soon as it is in (protocol version 3), else the whole file's
 * sha256 as the bytes arrive ({@link CheckedSink}). Nothing is copied twice. A transfer cut short resumes at the
 * start of the first chunk not wholly received (else at the bytes held), on the next server of the client's
 * {@link Replicas} (as {@link FileDownload}).
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
    FetchHeader header;
    try (CheckedSink sink = new CheckedSink(manifest, Landing.of(buffer), ChunkCheck.pool())) {
      header = fetch.fetch(manifest, sink, progress);
    } catch (IOException e) {
      throw new IllegalStateException("a buffer in memory failed", e);
    }
    return new Result(header.manifest(), buffer.flip());
  }
}
