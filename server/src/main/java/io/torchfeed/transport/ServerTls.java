package io.torchfeed.transport;

import io.torchfeed.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Sequence;

/**
 * The server's TLS: one {@link SSLContext} built from the configured PEM files or PKCS#12 keystore, used by the TCP
 * protocol port, the HTTP port and the raw port alike, with TLS 1.3 and 1.2 only. Every problem with the files is
 * found here, at start, as a {@link TlsSetupException} whose one line names the file: unreadable, no certificate,
 * a key that is not PKCS#8 or does not belong to the certificate, a wrong keystore password.
 */
public final class ServerTls {
  /** The protocols enabled on every TLS port. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
  private static final char[] NO_PASSWORD = new char[0];

  private final SSLContext context;
  private final X509Certificate certificate;

  private ServerTls(SSLContext context, X509Certificate certificate) {
    this.context = context;
    this.certificate = certificate;
  }

  /** Reads and checks the key material; {@link TlsSetupException} when it is unusable. */
  public static ServerTls load(ServerConfig.Tls config) {
    Identity identity = config instanceof ServerConfig.Tls.Pem pem ? fromPem(pem)
        : fromKeystore((ServerConfig.Tls.Keystore) config);
    X509Certificate leaf = identity.chain().get(0);
    try {
      leaf.checkValidity();
    } catch (CertificateException e) {
      log.warn("the TLS certificate {} is not valid now ({} to {}); clients will refuse it",
          leaf.getSubjectX500Principal(), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", identity.key(), NO_PASSWORD, identity.chain().toArray(new Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return new ServerTls(context, leaf);
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsSetupException("cannot set up TLS with " + identity.source() + ": " + e.getMessage());
    }
  }

  public SSLContext context() {
    return context;
  }

  /** The server's own certificate (the first of its chain). */
  public X509Certificate certificate() {
    return certificate;
  }

  /** XNIO options of a TLS listener: the enabled protocols. */
  public OptionMap xnioOptions() {
    return OptionMap.create(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(PROTOCOLS));
  }

  /** A private key with its certificate chain, and the file(s) they came from. */
  private record Identity(PrivateKey key, List<X509Certificate> chain, String source) {}

  private static Identity fromPem(ServerConfig.Tls.Pem pem) {
    Path certFile = pem.certificateChain();
    List<X509Certificate> chain = new ArrayList<>();
    for (PemFile.Block block : blocks(certFile, "certificate")) {
      if (block.label().equals("CERTIFICATE")) {
        chain.add(certificate(block.der(), certFile));
      }
    }
    if (chain.isEmpty()) {
      throw new TlsSetupException("TLS certificate " + certFile + " holds no PEM certificate "
          + "(-----BEGIN CERTIFICATE-----)");
    }
    PrivateKey key = privateKey(pem.privateKey(), chain.get(0));
    checkPair(key, chain.get(0), "TLS key " + pem.privateKey() + " does not belong to the certificate in "
        + certFile);
    return new Identity(key, chain, certFile + " and " + pem.privateKey());
  }

  private static PrivateKey privateKey(Path keyFile, X509Certificate certificate) {
    for (PemFile.Block block : blocks(keyFile, "key")) {
      switch (block.label()) {
        case "PRIVATE KEY" -> {
          String algorithm = certificate.getPublicKey().getAlgorithm();
          try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(block.der()));
          } catch (GeneralSecurityException e) {
            throw new TlsSetupException("TLS key " + keyFile + " is not a PKCS#8 " + algorithm
                + " key, as the certificate's public key is: " + e.getMessage());
          }
        }
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new TlsSetupException("TLS key " + keyFile
            + " is in the legacy " + (block.label().startsWith("RSA") ? "PKCS#1" : "SEC1")
            + " format; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + keyFile + " -out key.pem");
        case "ENCRYPTED PRIVATE KEY" -> throw new TlsSetupException("TLS key " + keyFile
            + " is encrypted; give an unencrypted PKCS#8 key (openssl pkcs8 -in " + keyFile
            + " -out key.pem) or a PKCS#12 keystore (--tls-keystore)");
        default -> { }
      }
    }
    throw new TlsSetupException("TLS key " + keyFile + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static Identity fromKeystore(ServerConfig.Tls.Keystore config) {
    Path file = config.file();
    char[] password = config.password().toCharArray();
    KeyStore store;
    try (InputStream in = Files.newInputStream(file)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
    } catch (IOException e) {
      boolean wrongPassword = e.getCause() instanceof UnrecoverableKeyException;
      throw new TlsSetupException("cannot open TLS keystore " + file + ": "
          + (wrongPassword ? "wrong password" : oneLine(e)));
    } catch (GeneralSecurityException e) {
      throw new TlsSetupException("cannot open TLS keystore " + file + ": " + oneLine(e));
    }
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (!store.isKeyEntry(alias)) {
          continue;
        }
        Key key = store.getKey(alias, password);
        Certificate[] certificates = store.getCertificateChain(alias);
        if (!(key instanceof PrivateKey privateKey) || certificates == null || certificates.length == 0) {
          continue;
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : certificates) {
          chain.add((X509Certificate) c);
        }
        checkPair(privateKey, chain.get(0), "the key in TLS keystore " + file + " does not belong to its "
            + "certificate");
        return new Identity(privateKey, chain, file.toString());
      }
    } catch (UnrecoverableKeyException e) {
      throw new TlsSetupException("cannot read the key in TLS keystore " + file + ": its password differs from "
          + "the keystore's");
    } catch (GeneralSecurityException e) {
      throw new TlsSetupException("cannot read TLS keystore " + file + ": " + oneLine(e));
    }
    throw new TlsSetupException("TLS keystore " + file + " holds no private key with a certificate chain");
  }

  private static List<PemFile.Block> blocks(Path file, String what) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new TlsSetupException("cannot read TLS " + what + " " + file + ": " + oneLine(e));
    }
    try {
      return PemFile.parse(text);
    } catch (IllegalArgumentException e) {
      throw new TlsSetupException("TLS " + what + " " + file + " is not valid PEM: " + e.getMessage());
    }
  }

  private static X509Certificate certificate(byte[] der, Path file) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new TlsSetupException("TLS certificate " + file + " holds an invalid certificate: " + oneLine(e));
    }
  }

  /** Signs a few bytes with the key and checks the signature with the certificate's public key. */
  private static void checkPair(PrivateKey key, X509Certificate certificate, String mismatch) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
      default -> null;  // e.g. RSASSA-PSS: left to the handshake
    };
    if (algorithm == null) {
      return;
    }
    byte[] probe = "torchfeed key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another kind or curve: a mismatch too
    }
    throw new TlsSetupException(mismatch);
  }

  private static String oneLine(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException) {
      message = "no such file";
    } else if (e instanceof java.nio.file.AccessDeniedException) {
      message = "permission denied";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
