package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Counts every request the handler chain answers by method and status code, with its duration (a download's
 * included), when its exchange completes. Requests Undertow refuses before any handler runs (a request head it
 * cannot parse, one that did not arrive within the request timeout) are not counted here.
 */
final class RequestMetrics implements HttpHandler {
  private final HttpHandler next;
  private final Metrics metrics;

  RequestMetrics(HttpHandler next, Metrics metrics) {
    this.next = next;
    this.metrics = metrics;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    long start = System.nanoTime();
    exchange.addExchangeCompleteListener((ex, listener) -> {
      try {
        metrics.httpRequest(ex.getRequestMethod().toString(), ex.getStatusCode(), System.nanoTime() - start);
      } finally {
        listener.proceed();
      }
    });
    next.handleRequest(exchange);
  }
}
