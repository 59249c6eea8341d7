package io.torchfeed.transport.http;

import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.repository.Catalog;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ServedModel;
import io.undertow.server.HttpServerExchange;
import java.util.List;

/**
 * The JSON reads of the catalog. Each answers from one immutable catalog snapshot, on the I/O thread. All but a
 * numbered version's manifest are {@link Caching#REVALIDATE} (the router's default): they change with the catalog.
 */
final class CatalogHandlers {
  private final ModelCatalog catalog;

  CatalogHandlers(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  /** {@code GET /v1/models}: the LIST document of the TCP protocol. */
  void list(HttpServerExchange exchange) {
    Responses.json(exchange, 200, catalog.listing());
  }

  /** {@code GET /v1/models/{name}}. */
  void model(HttpServerExchange exchange) {
    String name = PathParams.name(exchange);
    Catalog snapshot = catalog.current();
    int latest = snapshot.resolve(new ModelId(name, ModelId.LATEST)).manifest().version();
    List<Manifest> versions = snapshot.versions(name).values().stream().map(ServedModel::manifest).toList();
    Responses.json(exchange, 200, new Documents.Model(name, latest, snapshot.aliases(name), versions));
  }

  /**
   * {@code GET /v1/models/{name}/versions/{v}}: immutable for a numbered version (the manifest is a function of
   * the name, the number and the bytes), revalidated for the latest or an alias.
   */
  void manifest(HttpServerExchange exchange) {
    ModelId id = PathParams.version(exchange);
    Manifest manifest = catalog.resolve(id).manifest();
    Caching.of(id).apply(exchange);
    Responses.json(exchange, 200, manifest);
  }

  /** {@code GET /v1/models/{name}/diff?from=A&to=B}: what changes from A to B ({@code to} defaults to latest). */
  void diff(HttpServerExchange exchange) {
    String name = PathParams.name(exchange);
    String from = PathParams.query(exchange, "from");
    if (from == null) {
      throw new InvalidRequestException("give the versions to compare: ?from=A&to=B");
    }
    String to = PathParams.query(exchange, "to");
    Catalog snapshot = catalog.current();
    Manifest a = snapshot.resolve(catalog.names().check(PathParams.version(name, from))).manifest();
    Manifest b = snapshot.resolve(catalog.names().check(PathParams.version(name, to == null ? "latest" : to)))
        .manifest();
    List<ModuleDiff.Difference> differences = ModuleDiff.between(a.module(), b.module());
    Responses.json(exchange, 200, new Documents.Diff(a.version(), b.version(), differences.isEmpty(), differences));
  }
}
