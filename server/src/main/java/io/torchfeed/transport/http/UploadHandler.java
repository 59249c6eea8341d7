package io.torchfeed.transport.http;

import io.torchfeed.model.Manifest;
import io.torchfeed.repository.ModelRepository;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code POST /v1/models/{name}/versions}: streams the body into a file of the {@link UploadArea} (never whole in
 * memory, at most {@code maxBytes}: one byte more and reading stops with 413), then asks the repository to
 * publish it, which validates it and checks the shape contract before the one rename that makes it visible.
 * Whatever fails, the file is deleted and the repository is as it was. Blocking: runs on a worker thread.
 */
final class UploadHandler implements HttpHandler {
  private static final int BUFFER = 64 * 1024;

  private final ModelRepository repository;
  private final UploadArea uploads;
  private final long maxBytes;

  UploadHandler(ModelRepository repository, UploadArea uploads, long maxBytes) {
    this.repository = repository;
    this.uploads = uploads;
    this.maxBytes = maxBytes;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws IOException {
    String name = PathParams.name(exchange);
    boolean allowShapeChange = PathParams.flag(exchange, "allowShapeChange");
    long declared = exchange.getRequestContentLength();
    if (declared > maxBytes) {
      throw tooLarge(declared + " bytes");
    }
    Path upload = uploads.newFile();
    try {
      receive(exchange.getInputStream(), upload);
      Manifest manifest = repository.publish(name, upload, allowShapeChange);
      exchange.getResponseHeaders().put(Headers.LOCATION,
          "/v1/models/" + manifest.name() + "/versions/" + manifest.version());
      Responses.json(exchange, 201, manifest);
    } finally {
      Files.deleteIfExists(upload);
    }
  }

  /** Copies the body to {@code file} and forces it to disk, so what is published survives a crash. */
  private void receive(InputStream body, Path file) throws IOException {
    byte[] buffer = new byte[BUFFER];
    long total = 0;
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      int n;
      while ((n = body.read(buffer, 0, (int) Math.min(BUFFER, maxBytes - total + 1))) >= 0) {
        total += n;
        if (total > maxBytes) {
          throw tooLarge("more than " + maxBytes + " bytes");
        }
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
      out.force(true);
    }
  }

  private HttpException tooLarge(String what) {
    return HttpException.tooLarge("the upload is " + what + "; this server accepts at most " + maxBytes
        + " bytes (--max-upload)");
  }
}
