package io.torchfeed.transport.http;

import io.torchfeed.model.ModelId;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * The {@code Cache-Control} of an answer (docs/http.md, Caching), chosen by what its URL names. A URL that names
 * bytes for good (a numbered version's content or manifest, a blob) may be kept by any cache for a year without
 * asking again; one whose answer can change (the latest version, an alias, the listings) must be revalidated
 * before each use; an error must not be stored at all, since a 404 for a version not published yet would
 * otherwise outlive its publication. Every answer gets one: {@link #revalidateByDefault} gives
 * {@link #REVALIDATE} to those whose handler chose nothing, and {@link ErrorHandler} gives errors
 * {@link #NO_STORE}.
 */
enum Caching {
  IMMUTABLE("public, max-age=31536000, immutable"),
  REVALIDATE("no-cache"),
  NO_STORE("no-store");

  private final String header;

  Caching(String header) {
    this.header = header;
  }

  /** The {@code Cache-Control} value. */
  String header() {
    return header;
  }

  /** {@link #IMMUTABLE} for a version named by its number, {@link #REVALIDATE} for the latest or an alias. */
  static Caching of(ModelId id) {
    return id.version() != ModelId.LATEST ? IMMUTABLE : REVALIDATE;
  }

  void apply(HttpServerExchange exchange) {
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, header);
  }

  /** {@code next}, whose answers are {@link #REVALIDATE} unless its handler sets another {@code Cache-Control}. */
  static HttpHandler revalidateByDefault(HttpHandler next) {
    return exchange -> {
      REVALIDATE.apply(exchange);
      next.handleRequest(exchange);
    };
  }
}
