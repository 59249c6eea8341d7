package io.torchfeed.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for a client connection: the server's certificate chain must lead to one of the CA certificates given (and
 * to nothing else: the JDK's default CAs are not consulted), and name the host connected to (endpoint
 * identification "HTTPS": a DNS name or an IP address in the certificate's subject alternative names). TLS 1.3 and
 * 1.2 only.
 *
 * <pre>{@code
 * ServerAddress address = ServerAddress.parse("models.internal:7070").withTls(ClientTls.trusting(Path.of("ca.pem")));
 * }</pre>
 */
public final class ClientTls {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SSLContext context;
  private final Path caFile;

  private ClientTls(SSLContext context, Path caFile) {
    this.context = context;
    this.caFile = caFile;
  }

  /** Trusts the certificates of a PEM file; {@link ClientException} when it cannot be read or holds none. */
  public static ClientTls trusting(Path caFile) {
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(caFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new ClientException("cannot read CA file " + caFile + ": " + message(e), e);
    }
    if (certificates.isEmpty()) {
      throw new ClientException("CA file " + caFile + " holds no PEM certificate");
    }
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return new ClientTls(context, caFile);
    } catch (IOException | GeneralSecurityException e) {
      throw new ClientException("cannot use CA file " + caFile + ": " + message(e), e);
    }
  }

  /** The TLS context that trusts the CA file, for an HTTPS client ({@link ModelPublisher}). */
  public SSLContext sslContext() {
    return context;
  }

  /** The CA file this trusts. */
  public Path caFile() {
    return caFile;
  }

  /**
   * Runs the handshake over a connected socket and returns the TLS socket; {@link ClientException}
   * ("TLS handshake with host:port failed: ...") when it fails, the socket then closed.
   */
  SSLSocket handshake(Socket socket, ServerAddress address) {
    try {
      SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, address.host(), address.port(),
          true);
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setProtocols(PROTOCOLS);
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      if (isHostName(address.host())) {
        parameters.setServerNames(java.util.List.of(new SNIHostName(address.host())));
      }
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      return ssl;
    } catch (IOException | IllegalArgumentException e) {
      closeQuietly(socket);
      String reason = e instanceof SSLException || e instanceof IllegalArgumentException ? message(e)
          : e.getMessage();
      throw new ClientException("TLS handshake with " + address + " failed: " + reason, e);
    }
  }

  private static boolean isHostName(String host) {
    return !host.contains(":") && !host.matches("[0-9.]+");
  }

  /** The innermost message: the JDK wraps the reason (an unknown CA, a name mismatch) in several layers. */
  private static String message(Throwable e) {
    Throwable inner = e;
    while (inner.getCause() != null && inner.getCause().getMessage() != null) {
      inner = inner.getCause();
    }
    String text = inner.getMessage() == null ? inner.getClass().getSimpleName() : inner.getMessage();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public String toString() {
    return "ClientTls[ca=" + caFile + "]";
  }
}
