package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.Manifest;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.repository.ServedModel;
import io.torchfeed.transport.Drain;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * A model file's bytes ({@code .../content}, {@code /v1/blobs/sha256:<hex>}): strong ETag (the sha256),
 * {@code Cache-Control} by what the URL names ({@link Caching}, on the 304 too), {@code If-None-Match} (304), a
 * single {@code Range} (206, or 416) honoured unless {@code If-Range} names another file, HEAD, and the body sent
 * by a {@link FileStreamer} from the pinned file, so the bytes are always the ones the ETag names. Runs on the I/O
 * thread: it only looks at the catalog and headers. Each body sent is a transfer of the server's {@link Drain}.
 */
final class ContentHandler implements HttpHandler {
  static final HttpString VERSION = new HttpString("X-Torchfeed-Version");
  static final HttpString SHA256 = new HttpString("X-Torchfeed-Sha256");

  private final ModelCatalog catalog;
  private final Metrics metrics;
  private final Drain drain;
  private final Function<HttpServerExchange, ContentTarget> target;

  /** {@code target} reads what to send from the route. */
  ContentHandler(ModelCatalog catalog, Metrics metrics, Drain drain,
      Function<HttpServerExchange, ContentTarget> target) {
    this.catalog = catalog;
    this.metrics = metrics;
    this.drain = drain;
    this.target = target;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    ContentTarget named = target.apply(exchange);
    ServedModel model = retainServed(named);
    PinnedFile file = model.file();
    boolean handedOver = false;
    try {
      Manifest manifest = model.manifest();
      String etag = "\"" + manifest.sha256() + "\"";
      HeaderMap request = exchange.getRequestHeaders();
      HeaderMap response = exchange.getResponseHeaders();
      response.put(Headers.ETAG, etag).put(Headers.ACCEPT_RANGES, "bytes")
          .put(VERSION, manifest.version()).put(SHA256, manifest.sha256());
      named.caching().apply(exchange);
      if (matchesAny(request.getFirst(Headers.IF_NONE_MATCH), etag)) {
        exchange.setStatusCode(304);
        return;
      }
      long size = checkedSize(file, manifest);
      String ifRange = request.getFirst(Headers.IF_RANGE);
      Optional<ByteRange> range = ifRange == null || ifRange.equals(etag)
          ? ByteRange.parse(request.getFirst(Headers.RANGE), size) : Optional.empty();
      long first = range.map(ByteRange::first).orElse(0L);
      long count = range.map(ByteRange::length).orElse(size);
      exchange.setStatusCode(range.isPresent() ? 206 : 200);
      range.ifPresent(r -> response.put(Headers.CONTENT_RANGE, r.contentRange(size)));
      response.put(Headers.CONTENT_TYPE, "application/octet-stream").put(Headers.CONTENT_LENGTH, count);
      if (exchange.getRequestMethod().equals(Methods.HEAD)) {
        return;
      }
      Drain.Transfer transfer = drain.begin();
      handedOver = true;
      new FileStreamer(exchange, file, first, count, metrics,
          metrics.fetchStarted(Metrics.HTTP, manifest.name(), manifest.version()), transfer).start();
    } finally {
      if (!handedOver) {
        file.release();
      }
    }
  }

  /**
   * The served version, with a reference taken on its file. A rescan may retire the file between the lookup and
   * the retain; then the lookup is repeated on the new catalog.
   */
  private ServedModel retainServed(ContentTarget named) {
    for (int attempt = 0; attempt < 3; attempt++) {
      ServedModel model = named.lookup().apply(catalog);
      if (model.file().retain()) {
        return model;
      }
    }
    throw HttpException.unavailable(named.description() + " is being replaced; try again");
  }

  private static long checkedSize(PinnedFile file, Manifest manifest) {
    try {
      long onDisk = file.channel().size();
      if (onDisk != manifest.size()) {
        throw new IOException(manifest.id() + " changed on disk since it was validated (" + onDisk
            + " bytes, validated " + manifest.size() + "); replace model files by renaming a new file over them");
      }
      return onDisk;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether an {@code If-None-Match} list names {@code etag} (weak comparison, as RFC 9110 asks) or is *. */
  static boolean matchesAny(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.strip();
      if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
