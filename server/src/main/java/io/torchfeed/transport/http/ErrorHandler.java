package io.torchfeed.transport.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * Sends what {@link ErrorMapper} makes of an exception thrown by the handler it wraps. It wraps the router, and
 * again every handler that runs on a worker thread (an exception there never comes back to the router). A
 * response that has already started cannot become an error: its connection is closed instead. An unread request
 * body is drained up to {@link #DRAIN_LIMIT} (then the connection closes): after the answer when no handler
 * started reading it, before the answer when a blocking handler stopped part-way. An error is never stored by a
 * cache ({@link Caching#NO_STORE}).
 */
final class ErrorHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);
  static final long DRAIN_LIMIT = 16L * 1024 * 1024;

  private final HttpHandler next;

  ErrorHandler(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    try {
      next.handleRequest(exchange);
    } catch (Exception e) {
      send(exchange, e);
    }
  }

  static void send(HttpServerExchange exchange, Throwable error) {
    if (exchange.isResponseStarted()) {
      log.debug("{} {} failed after its response started: {}", exchange.getRequestMethod(),
          exchange.getRequestPath(), error.toString());
      IoUtils.safeClose(exchange.getConnection());
      return;
    }
    ErrorMapper.HttpError mapped = ErrorMapper.map(error);
    if (!exchange.isRequestComplete()) {
      if (exchange.isRequestChannelAvailable()) {
        // A body refused unread (a wrong token on an upload): Undertow reads and discards it after the answer,
        // so a client still sending sees the answer rather than a reset; past DRAIN_LIMIT it closes instead.
        exchange.setMaxEntitySize(DRAIN_LIMIT);
      } else if (!drainedBeforeTheAnswer(exchange)) {
        // an upload stopped mid-way with more than DRAIN_LIMIT to come (over --max-upload, say), or a body that
        // stalls or breaks off: close after the answer rather than read the rest
        exchange.setPersistent(false);
      }
    }
    exchange.getResponseHeaders().clear();
    Caching.NO_STORE.apply(exchange);
    mapped.headers().forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
    Responses.json(exchange, mapped.status(), mapped.body());
  }

  /**
   * A handler on a worker thread that stopped reading a body part-way (an upload that failed to be written: the
   * disk full): reads and discards the rest, up to {@link #DRAIN_LIMIT}, before the answer is sent. Closing with
   * unread bytes would make the kernel reset the connection, and a client still sending could lose the answer.
   * True when the body was read to its end.
   */
  private static boolean drainedBeforeTheAnswer(HttpServerExchange exchange) {
    if (exchange.isInIoThread() || !exchange.isBlocking()) {
      return false;
    }
    byte[] discard = new byte[64 * 1024];
    long left = DRAIN_LIMIT;
    try {
      InputStream body = exchange.getInputStream();
      for (int n; (n = body.read(discard, 0, (int) Math.min(discard.length, left + 1))) >= 0; ) {
        left -= n;
        if (left < 0) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
