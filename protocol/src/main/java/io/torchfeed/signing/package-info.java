/**
 * Ed25519 signatures of manifests (docs/protocol.md, section 5.10): {@link io.torchfeed.signing.ManifestSigner}
 * (the server's private key, {@code serve --signing-key}) and {@link io.torchfeed.signing.TrustKey} (a client's
 * public key, {@code --trust-key}), both read from the PEM files OpenSSL writes, and the key id both sides name a
 * key by. The JDK's own EdDSA (JDK 15+); no I/O but reading the key file, no transport.
 */
package io.torchfeed.signing;
