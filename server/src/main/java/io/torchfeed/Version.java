package io.torchfeed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Build-time versions: torchfeed's own and the LibTorch of the bundled JavaCPP presets. */
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
    LIBTORCH = props.getProperty("libtorch", "");
  }

  private Version() {}
}
