package io.torchfeed.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** This artifact's version, as the client names itself in HELLO: {@code torchfeed-java/VERSION}. */
final class ClientVersion {
  static final String VERSION = read();

  private ClientVersion() {}

  private static String read() {
    Properties properties = new Properties();
    try (InputStream in = ClientVersion.class.getResourceAsStream("client.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version", "dev");
  }
}
