package io.torchfeed.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Ed25519 key files made at run time by the real {@code openssl}, as an operator would make them. */
public final class Keys {
  private Keys() {}

  /** {@code openssl genpkey -algorithm ed25519 -out DIR/NAME.pem}. */
  public static Path signingKey(Path dir, String name) {
    Path key = dir.resolve(name + ".pem");
    openssl("genpkey", "-algorithm", "ed25519", "-out", key.toString());
    return key;
  }

  /** {@code openssl pkey -in KEY -pubout -out DIR/NAME.pub.pem}. */
  public static Path publicKey(Path signingKey, Path dir, String name) {
    Path pub = dir.resolve(name + ".pub.pem");
    openssl("pkey", "-in", signingKey.toString(), "-pubout", "-out", pub.toString());
    return pub;
  }

  /** Runs openssl with these arguments; its output, or an AssertionError with it when it fails. */
  public static String openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError("cannot run openssl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
