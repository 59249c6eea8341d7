package io.torchfeed.transport.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The catalog page: {@code GET /} and its three static files, plain HTML, CSS and JavaScript served from the
 * jar (no build step). The page reads the API and listens on {@code /v1/events}; see {@code static/app.js}.
 * Only the files named here are served: nothing on the class path can be reached by a crafted path.
 */
public final class CatalogPage implements RouteContribution {
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "style.css", "text/css; charset=utf-8");
  private final Map<String, byte[]> contents;

  public CatalogPage() {
    this.contents = Map.of("index.html", load("index.html"), "app.js", load("app.js"), "style.css",
        load("style.css"));
  }

  @Override
  public void addTo(Router router) {
    router.get("/", exchange -> send(exchange, "index.html"));
    router.get("/static/{file}", exchange -> {
      String file = PathParams.param(exchange, "file");
      if (!contents.containsKey(file)) {
        throw HttpException.notFound("no such file: " + exchange.getRequestPath());
      }
      send(exchange, file);
    });
  }

  private void send(HttpServerExchange exchange, String file) {
    byte[] bytes = contents.get(file);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, FILES.get(file));
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
    exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
  }

  private static byte[] load(String file) {
    try (InputStream in = CatalogPage.class.getResourceAsStream("/static/" + file)) {
      if (in == null) {
        throw new IllegalStateException("static/" + file + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
