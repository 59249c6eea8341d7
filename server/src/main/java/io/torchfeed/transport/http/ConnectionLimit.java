package io.torchfeed.transport.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves at most {@code max} HTTP connections at once. A connection is counted from its first request until it
 * closes; a request on a connection beyond the limit is answered 503 UNAVAILABLE (with {@code Retry-After}) and
 * the connection closed after the answer, so one freed is taken by the next client that asks. {@code /healthz} is
 * answered even then (without counting the connection, which closes after it): a liveness probe must not fail
 * because the server is busy. A connection that never sends a request is not counted; the idle timeout closes it.
 */
final class ConnectionLimit implements HttpHandler {
  private static final AttachmentKey<Boolean> COUNTED = AttachmentKey.create(Boolean.class);
  private static final String LIVENESS = "/healthz";

  private final int max;
  private final HttpHandler next;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionLimit(int max, HttpHandler next) {
    this.max = max;
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    ServerConnection connection = exchange.getConnection();
    if (connection.getAttachment(COUNTED) == null && !admit(connection)) {
      exchange.setPersistent(false);
      if (!exchange.getRequestPath().equals(LIVENESS)) {
        throw HttpException.unavailable("the server is at its limit of " + max
            + " HTTP connections (--max-http-connections); try again later");
      }
    }
    next.handleRequest(exchange);
  }

  /** Counts the connection until it closes, if there is room. */
  private boolean admit(ServerConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    connection.putAttachment(COUNTED, Boolean.TRUE);
    connection.addCloseListener(closed -> open.decrementAndGet());
    return true;
  }

  /** Connections counted now. */
  int open() {
    return open.get();
  }
}
