package io.torchfeed;

import io.torchfeed.client.libtorch.LibTorch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Build-time versions: torchfeed's own, and the LibTorch of the JavaCPP presets that
 * {@code torchfeed-client-libtorch} brings ({@code LibTorch.BUILD_VERSION}: no LibTorch is loaded to know it).
 */
public final class Version {
  public static final String SOFTWARE;
  public static final String LIBTORCH;

  static {
    Properties props = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/torchfeed-version.properties")) {
      if (in != null) {
        props.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SOFTWARE = props.getProperty("version", "dev");
    LIBTORCH = LibTorch.BUILD_VERSION;
  }

  private Version() {}
}
