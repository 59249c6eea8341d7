package io.torchfeed.transport.http;

/**
 * Routes another part of the server adds to the HTTP API (the catalog page {@code GET /}, {@code /v1/clients},
 * the {@code /v1/events} WebSocket). Handlers registered here get the same 404/405 handling and, if they throw,
 * the same error body; they decide for themselves whether they need a token or a ready repository.
 */
@FunctionalInterface
public interface RouteContribution {
  void addTo(Router router);
}
