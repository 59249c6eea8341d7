package io.torchfeed.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Configuration layering for every option: built-in default &lt; config file &lt; environment &lt; command line.
 * An option {@code --idle-timeout} is read from the environment as {@code TORCHFEED_IDLE_TIMEOUT} and from the
 * config file (Java properties, given by {@code --config FILE} or {@code TORCHFEED_CONFIG}) as
 * {@code idle-timeout}. The command line wins because picocli only asks this provider for options not given.
 */
public final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
  private final Properties file;
  private final Map<String, String> env;

  ConfigDefaults(Properties file, Map<String, String> env) {
    this.file = file;
    this.env = env;
  }

  /** Finds {@code --config FILE} in the arguments (or {@code TORCHFEED_CONFIG}) and loads it. */
  public static ConfigDefaults fromArgs(String[] args, Map<String, String> env) {
    String path = env.get("TORCHFEED_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        path = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        path = args[i].substring("--config=".length());
      }
    }
    Properties props = new Properties();
    if (path != null) {
      try (Reader reader = Files.newBufferedReader(Path.of(path))) {
        props.load(reader);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config file " + path + ": " + e.getMessage(), e);
      }
    }
    return new ConfigDefaults(props, env);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
      return null;
    }
    String key = option.longestName().replaceFirst("^-+", "");
    String fromEnv = env.get("TORCHFEED_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null) {
      return fromEnv;
    }
    return file.getProperty(key);
  }

  /** The first line of an exception's message, for the one-line error users see. */
  public static String firstLine(Throwable e) {
    Throwable shown = e;
    while (shown.getMessage() == null && shown.getCause() != null) {
      shown = shown.getCause();
    }
    String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }
}
