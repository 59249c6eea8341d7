package io.torchfeed.transport.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.RoutingHandler;
import io.undertow.util.PathTemplate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Undertow's {@link RoutingHandler} with what the API needs around it: a path no route matches is 404, a known
 * path with another method is 405 with {@code Allow}, both as {@link HttpException}s (so they get the one error
 * body), and every GET route answers HEAD too. Path parameters stay out of the query parameters.
 *
 * <p>A path with an encoded {@code ?} ({@code %3F}) is refused with 400 before routing: Undertow's
 * {@link PathTemplate} stops matching at a {@code ?} in the decoded path, so {@code /v1/models/toynet%3Fx/content}
 * would be answered as {@code /v1/models/toynet}, and {@code PUT .../aliases/stable%3Fx} would set {@code stable}
 * (found by {@code UploadFuzzTest}). No model or alias name contains one.
 */
public final class Router {
  private final RoutingHandler routes = new RoutingHandler(false);
  private final Map<String, Set<String>> methodsByTemplate = new LinkedHashMap<>();

  Router() {
    routes.setFallbackHandler(exchange -> {
      throw HttpException.notFound("no such endpoint: " + exchange.getRequestPath());
    });
    routes.setInvalidMethodHandler(exchange -> {
      String allow = allowed(exchange.getRelativePath());
      throw HttpException.methodNotAllowed(exchange.getRequestMethod() + " is not allowed on "
          + exchange.getRequestPath() + "; allowed: " + allow, allow);
    });
  }

  /** GET and HEAD. */
  public Router get(String template, HttpHandler handler) {
    return add("GET", template, handler).add("HEAD", template, handler);
  }

  public Router post(String template, HttpHandler handler) {
    return add("POST", template, handler);
  }

  public Router put(String template, HttpHandler handler) {
    return add("PUT", template, handler);
  }

  public Router delete(String template, HttpHandler handler) {
    return add("DELETE", template, handler);
  }

  /** Any method, e.g. a WebSocket upgrade ({@code GET}) registered by another part of the server. */
  public Router add(String method, String template, HttpHandler handler) {
    routes.add(method, template, handler);
    methodsByTemplate.computeIfAbsent(template, t -> new TreeSet<>()).add(method);
    return this;
  }

  HttpHandler handler() {
    return exchange -> {
      if (exchange.getRelativePath().indexOf('?') >= 0) {
        throw HttpException.badRequest("invalid path: an encoded '?' (%3F) is not allowed in a path");
      }
      routes.handleRequest(exchange);
    };
  }

  private String allowed(String path) {
    Set<String> methods = new TreeSet<>();
    methodsByTemplate.forEach((template, forTemplate) -> {
      if (PathTemplate.create(template).matches(path, new HashMap<>())) {
        methods.addAll(forTemplate);
      }
    });
    return methods.stream().collect(Collectors.joining(", "));
  }
}
