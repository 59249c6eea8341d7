package io.torchfeed.transport.http;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import io.torchfeed.protocol.ManifestJson;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.signing.ManifestSigner;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The signed manifests over HTTP (docs/http.md, Signed manifests):
 *
 * <ul>
 *   <li>{@code GET /v1/models/{name}/versions/{v}/manifest}: the manifest document, byte for byte what the TCP
 *       protocol sends and signs, with {@code Torchfeed-Signature: ed25519 <key id> <base64 signature>} over
 *       exactly the body when the server has a signing key (and without it when not);
 *   <li>{@code GET /v1/signing-key}: the public key as PEM with {@code Torchfeed-Key-Id}; 404 when the server
 *       signs nothing.
 * </ul>
 */
public final class SigningRoutes implements RouteContribution {
  /** The header that carries a body's signature. */
  public static final String SIGNATURE_HEADER = "Torchfeed-Signature";
  /** The header that names the key of {@code /v1/signing-key}. */
  public static final String KEY_ID_HEADER = "Torchfeed-Key-Id";

  private final ModelCatalog catalog;
  private final BooleanSupplier ready;
  private final Optional<ManifestSigner> signer;

  /**
   * @param ready  whether the first scan is done (503 before)
   * @param signer the server's key; none: manifests are sent unsigned and {@code /v1/signing-key} is 404
   */
  public SigningRoutes(ModelCatalog catalog, BooleanSupplier ready, Optional<ManifestSigner> signer) {
    this.catalog = catalog;
    this.ready = ready;
    this.signer = signer;
  }

  @Override
  public void addTo(Router router) {
    router.get("/v1/models/{name}/versions/{v}/manifest",
        new OnArrival(this::manifest, exchange -> catalog.bring(PathParams.version(exchange))))
        .get("/v1/signing-key", this::signingKey);
  }

  private void manifest(HttpServerExchange exchange) {
    requireReady();
    Manifest manifest = catalog.resolve(PathParams.version(exchange)).manifest();
    byte[] body = ManifestJson.write(manifest);
    // revalidated even for a numbered version: the body is immutable, but the signature names the server's key,
    // which the operator may add or rotate; a cache must not keep an old signature for a year
    Caching.REVALIDATE.apply(exchange);
    signer.ifPresent(s -> exchange.getResponseHeaders().put(HttpString.tryFromString(SIGNATURE_HEADER),
        header(s.sign(body))));
    Responses.bytes(exchange, 200, "application/json", body);
  }

  private void signingKey(HttpServerExchange exchange) {
    ManifestSigner s = signer.orElseThrow(() -> HttpException.notFound(
        "this server does not sign manifests (it was started without --signing-key)"));
    exchange.getResponseHeaders().put(HttpString.tryFromString(KEY_ID_HEADER), s.publicKey().keyIdHex());
    Responses.text(exchange, 200, "application/x-pem-file", s.publicKey().pem());
  }

  /** {@code ed25519 <key id, 16 hex digits> <signature, standard base64 with padding>}. */
  static String header(ManifestSignature signature) {
    return "ed25519 " + signature.keyIdHex() + " " + Base64.getEncoder().encodeToString(signature.signature());
  }

  private void requireReady() {
    if (!ready.getAsBoolean()) {
      throw HttpException.unavailable("the first scan of the repository is not done yet");
    }
  }
}
