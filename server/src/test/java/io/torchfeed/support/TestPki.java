package io.torchfeed.support;

import io.torchfeed.client.ClientTls;
import io.torchfeed.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throw-away certificates made at run time by {@code test-fixtures/tls/make-test-pki.sh} (openssl): a CA, server
 * certificates for localhost and 127.0.0.1 (RSA and EC, PEM and PKCS#12), one for another name, another CA and a
 * key that belongs to no certificate. Nothing secret is committed.
 */
public record TestPki(Path dir) {
  /** Runs the script into {@code dir}. */
  public static TestPki create(Path dir) {
    Path script = Fixtures.root().resolve("tls").resolve("make-test-pki.sh");
    try {
      Process process = new ProcessBuilder("bash", script.toString(), dir.toString()).inheritIO().start();
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(script + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new TestPki(dir);
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  public Path ca() {
    return file("ca.pem");
  }

  /** The RSA server certificate (PEM). */
  public ServerConfig.Tls rsa() {
    return new ServerConfig.Tls.Pem(file("server.pem"), file("server.key"));
  }

  public ServerConfig.Tls ec() {
    return new ServerConfig.Tls.Pem(file("server-ec.pem"), file("server-ec.key"));
  }

  public ServerConfig.Tls keystore() {
    return new ServerConfig.Tls.Keystore(file("server.p12"), keystorePassword());
  }

  /** A certificate of the test CA that names only elsewhere.example. */
  public ServerConfig.Tls elsewhere() {
    return new ServerConfig.Tls.Pem(file("elsewhere.pem"), file("elsewhere.key"));
  }

  public String keystorePassword() {
    try {
      return Files.readString(file("keystore-password")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public ClientTls clientTls() {
    return ClientTls.trusting(ca());
  }

  /** An {@link SSLContext} trusting the test CA, for {@code java.net.http} and plain {@code SSLSocket}s. */
  public SSLContext sslContext(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trusted.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
