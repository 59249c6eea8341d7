package io.torchfeed.transport.http;

import io.torchfeed.repository.ModelNotFoundException;
import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.xnio.IoUtils;

/**
 * Runs a handler that answers from the catalog; when it finds no such version but a replica brings it from its
 * bucket on first use ({@code bring}), the request waits, without holding a thread, and the handler runs again on
 * the connection's I/O thread once the version has arrived (or the failure is the answer: 503 with the reason).
 */
final class OnArrival implements HttpHandler {
  private final HttpHandler next;
  private final Function<HttpServerExchange, Optional<CompletableFuture<Void>>> bring;

  OnArrival(HttpHandler next, Function<HttpServerExchange, Optional<CompletableFuture<Void>>> bring) {
    this.next = next;
    this.bring = bring;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    try {
      next.handleRequest(exchange);
    } catch (ModelNotFoundException e) {
      CompletableFuture<Void> arrival = bring.apply(exchange).orElseThrow(() -> e);
      exchange.dispatch(SameThreadExecutor.INSTANCE, () -> arrival.whenComplete((done, failure) -> {
        try {
          exchange.getIoThread().execute(() -> Connectors.executeRootHandler(again -> answer(again, failure),
              exchange));
        } catch (RejectedExecutionException stopped) {
          IoUtils.safeClose(exchange.getConnection());
        }
      }));
    }
  }

  private void answer(HttpServerExchange exchange, Throwable failure) {
    try {
      if (failure != null) {
        throw failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
      }
      next.handleRequest(exchange);
    } catch (Throwable e) {
      ErrorHandler.send(exchange, e);
    }
  }
}
