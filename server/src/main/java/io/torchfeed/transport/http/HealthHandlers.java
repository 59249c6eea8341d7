package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.undertow.server.HttpServerExchange;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code /healthz}, {@code /readyz} and {@code /metrics}: answered at any time, ready or not. */
final class HealthHandlers {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final BooleanSupplier ready;
  private final Metrics metrics;
  private final Supplier<Map<String, String>> conditions;

  HealthHandlers(BooleanSupplier ready, Metrics metrics, Supplier<Map<String, String>> conditions) {
    this.ready = ready;
    this.metrics = metrics;
    this.conditions = conditions;
  }

  void alive(HttpServerExchange exchange) {
    Responses.json(exchange, 200, new Documents.Status("alive"));
  }

  void ready(HttpServerExchange exchange) {
    requireReady();
    Responses.json(exchange, 200, new Documents.Ready("ready", conditions.get()));
  }

  void metrics(HttpServerExchange exchange) {
    Responses.text(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
  }

  /** 503 until the first scan of the repository is done. */
  void requireReady() {
    if (!ready.getAsBoolean()) {
      throw HttpException.unavailable("the first scan of the repository is not done yet");
    }
  }
}
