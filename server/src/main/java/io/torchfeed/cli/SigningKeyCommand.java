package io.torchfeed.cli;

import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.signing.TrustKey;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signing-key}: the public key (or its id) of a signing key, to give to clients. */
@Command(name = "signing-key", mixinStandardHelpOptions = true,
    description = "Print the public key of a signing key as PEM, the file clients pass to --trust-key.")
public final class SigningKeyCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--signing-key", paramLabel = "FILE", required = true,
      description = "The Ed25519 private key (PEM PKCS#8) the server signs with.")
  Path signingKey;

  @Option(names = "--key-id", description = "Print only the key id (16 hex digits) that signatures name.")
  boolean keyIdOnly;

  @Override
  public Integer call() {
    TrustKey key = ManifestSigner.load(signingKey).publicKey();
    spec.commandLine().getOut().print(keyIdOnly ? key.keyIdHex() + "\n" : key.pem());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
