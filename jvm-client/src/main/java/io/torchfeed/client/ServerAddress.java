package io.torchfeed.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code HOST:PORT}, {@code [v6]:PORT} or {@code HOST} (port 7070), and how to reach it: plaintext, or TLS
 * verifying the server against a CA ({@link #withTls}). Several replicas: {@link #parseList}, {@link Replicas}.
 */
public record ServerAddress(String host, int port, Optional<ClientTls> tls) {
  public static final int DEFAULT_PORT = 7070;

  /** A plaintext address. */
  public ServerAddress(String host, int port) {
    this(host, port, Optional.empty());
  }

  /** The same server over TLS. */
  public ServerAddress withTls(ClientTls clientTls) {
    return new ServerAddress(host, port, Optional.of(clientTls));
  }

  public static ServerAddress parse(String text) {
    String host = text;
    int port = DEFAULT_PORT;
    int colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(']', colon) < 0 && (text.startsWith("[") || text.indexOf(':') == colon)) {
      host = text.substring(0, colon);
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid port in '" + text + "'");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("invalid port in '" + text + "'");
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("missing host in '" + text + "'");
    }
    return new ServerAddress(host, port);
  }

  /**
   * One or more addresses separated by commas, {@code a:7070,b:7070,[::1]:7070}: replicas serving the same
   * models, in the order given.
   *
   * @throws IllegalArgumentException for an empty entry or one {@link #parse} refuses
   */
  public static List<ServerAddress> parseList(String text) {
    List<ServerAddress> servers = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      if (item.isEmpty()) {
        throw new IllegalArgumentException("empty server in '" + text + "': expected HOST:PORT[,HOST:PORT...]");
      }
      servers.add(parse(item));
    }
    return List.copyOf(servers);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
