package io.torchfeed.cli;

import io.torchfeed.signing.TrustKey;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --trust-key FILE}, shared by the commands that read manifests and fetch models. */
public final class TrustOptions {
  @Option(names = "--trust-key", paramLabel = "FILE",
      description = "Refuse any model whose manifest is not signed by this Ed25519 public key (PEM, as written by "
          + "openssl pkey -pubout or torchfeed signing-key). Default: signatures are not checked.")
  Path trustKey;

  private Optional<TrustKey> loaded;

  /** The key, read once; empty without the option. */
  Optional<TrustKey> key() {
    if (loaded == null) {
      loaded = Optional.ofNullable(trustKey).map(TrustKey::load);
    }
    return loaded;
  }
}
