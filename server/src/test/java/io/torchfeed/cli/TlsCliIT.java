package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestPki;
import io.torchfeed.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the command line, as users run it ({@code java -jar torchfeed.jar}): {@code serve} refusing bad key
 * material with one line and exit 1, and the client commands with {@code --tls-ca} against a TLS server.
 */
class TlsCliIT {
  @TempDir
  static Path tmp;
  static TestPki pki;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    pki = TestPki.create(tmp.resolve("pki"));
    Path repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("1").resolve("model.pt"));
    server = TestServer.start(TestServer.config(repo, tmp.resolve("cache"), Optional.empty(), TestServer.limits(),
        0, new ServerConfig.Http(0, Optional.empty())).withTls(pki.rsa()));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void serveWithAWrongKeystorePasswordExitsWithOneLine() throws Exception {
    Cli.Result result = Cli.run(Map.of("TORCHFEED_TLS_KEYSTORE_PASSWORD", "not-the-password"), serve(
        "--tls-keystore", pki.file("server.p12").toString()));
    assertOneLineError(result, "torchfeed: cannot open TLS keystore " + pki.file("server.p12")
        + ": wrong password");
  }

  @Test
  void serveWithAKeyThatDoesNotBelongToTheCertificateExitsWithOneLine() throws Exception {
    Cli.Result result = Cli.run(serve("--tls-cert", pki.file("server.pem").toString(),
        "--tls-key", pki.file("other.key").toString()));
    assertOneLineError(result, "torchfeed: TLS key " + pki.file("other.key")
        + " does not belong to the certificate in " + pki.file("server.pem"));
  }

  @Test
  void serveWithAMissingKeyFileExitsWithOneLine() throws Exception {
    Path missing = tmp.resolve("missing.key");
    Cli.Result result = Cli.run(serve("--tls-cert", pki.file("server.pem").toString(),
        "--tls-key", missing.toString()));
    assertOneLineError(result, "torchfeed: cannot read TLS key " + missing + ": no such file");
  }

  @Test
  void serveWithAKeystoreButNoPasswordExitsWithOneLine() throws Exception {
    Cli.Result result = Cli.run(serve("--tls-keystore", pki.file("server.p12").toString()));
    assertEquals(1, result.exit(), result.toString());
    assertTrue(result.err().strip().startsWith("torchfeed: --tls-keystore needs its password"), result.toString());
  }

  @Test
  void clientCommandsVerifyTheServerWithTlsCa() throws Exception {
    String address = "127.0.0.1:" + server.address().getPort();
    Cli.Result list = Cli.run("list", "--server", address, "--tls-ca", pki.ca().toString());
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("toynet"), list.toString());

    Path output = tmp.resolve("toynet.pt");
    Cli.Result fetch = Cli.run("fetch", "--server", "localhost:" + server.address().getPort(), "--tls-ca",
        pki.ca().toString(), "toynet", "-o", output.toString());
    assertEquals(0, fetch.exit(), fetch.toString());
    assertArrayEquals(Files.readAllBytes(Fixtures.model("toynet")), Files.readAllBytes(output));

    Cli.Result refused = Cli.run("manifest", "--server", address, "--tls-ca",
        pki.file("other-ca.pem").toString(), "toynet");
    assertEquals(1, refused.exit(), refused.toString());
    assertTrue(refused.err().startsWith("torchfeed: TLS handshake with " + address + " failed: "),
        refused.toString());
    assertEquals(1, refused.err().strip().lines().count(), refused.toString());
  }

  private static String[] serve(String... tls) {
    String[] base = {"serve", "--models", tmp.resolve("serve-repo").toString(), "--port", "0", "--http-port", "0",
        "--bind", "127.0.0.1", "--cache-dir", tmp.resolve("serve-cache").toString()};
    String[] all = new String[base.length + tls.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(tls, 0, all, base.length, tls.length);
    return all;
  }

  private static void assertOneLineError(Cli.Result result, String line) {
    assertEquals(1, result.exit(), result.toString());
    assertEquals(line, result.err().strip(), result.toString());
    assertEquals("", result.out(), result.toString());
  }
}
