package io.torchfeed.transport.http;

import io.torchfeed.transport.Drain;
import io.torchfeed.transport.ShuttingDownException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Once the server is stopping ({@link Drain}, docs/shutdown.md), a request that arrives on a connection still open
 * is answered 503 UNAVAILABLE ({@link ShuttingDownException}, mapped by {@link ErrorMapper}) and its connection
 * closed after the answer, so the client goes to another replica. Requests already past this gate (a download
 * being sent, an upload being received) go on.
 */
final class StopGate implements HttpHandler {
  private final Drain drain;
  private final HttpHandler next;

  StopGate(Drain drain, HttpHandler next) {
    this.drain = drain;
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (drain.stopping()) {
      exchange.setPersistent(false);
      drain.admit();
    }
    next.handleRequest(exchange);
  }
}
