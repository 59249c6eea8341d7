package io.torchfeed.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.ModelId;
import io.torchfeed.repository.ModelRepository;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;

/**
 * Deleting versions, pointing and removing aliases. They wait for the repository thread, so they run on worker
 * threads.
 */
final class AdminHandlers {
  private static final int MAX_BODY = 4096;

  private final ModelRepository repository;

  AdminHandlers(ModelRepository repository) {
    this.repository = repository;
  }

  /** {@code DELETE /v1/models/{name}/versions/{v}}: 204; {@code latest} and {@code @alias} name a version too. */
  void delete(HttpServerExchange exchange) {
    ModelId id = PathParams.version(exchange);
    int version = id.version() > 0 ? id.version() : repository.catalog().resolve(id).manifest().version();
    repository.delete(new ModelId(id.name(), version));
    exchange.setStatusCode(204);
  }

  /** {@code PUT /v1/models/{name}/aliases/{alias}} with {@code {"version": 3}}. */
  void alias(HttpServerExchange exchange) throws IOException {
    String name = PathParams.name(exchange);
    String alias = PathParams.param(exchange, "alias");
    int version = versionOf(readBody(exchange));
    repository.setAlias(name, alias, version);
    Responses.json(exchange, 200, new Documents.Alias(name, alias, version));
  }

  /** {@code DELETE /v1/models/{name}/aliases/{alias}}: 204; the version it named stays. */
  void removeAlias(HttpServerExchange exchange) {
    repository.removeAlias(PathParams.name(exchange), PathParams.param(exchange, "alias"));
    exchange.setStatusCode(204);
  }

  private static int versionOf(byte[] body) throws IOException {
    JsonNode version = Responses.JSON.readTree(body).path("version");
    if (!version.isIntegralNumber() || !version.canConvertToInt() || version.intValue() <= 0) {
      throw new InvalidRequestException("the body must be {\"version\": N} with N a positive integer");
    }
    return version.intValue();
  }

  private static byte[] readBody(HttpServerExchange exchange) throws IOException {
    byte[] body = exchange.getInputStream().readNBytes(MAX_BODY + 1);
    if (body.length > MAX_BODY) {
      throw HttpException.tooLarge("the body is over " + MAX_BODY + " bytes");
    }
    return body;
  }
}
