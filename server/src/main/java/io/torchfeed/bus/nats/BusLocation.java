package io.torchfeed.bus.nats;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the bus is: the servers of one NATS cluster, as {@code serve --bus} takes them,
 * {@code nats://HOST:PORT[,HOST:PORT...]}. A later entry may repeat the scheme ({@code nats://a:4222,nats://b:4222});
 * spaces around entries are ignored. HOST is a DNS name, an IPv4 address or a bracketed IPv6 address; PORT is
 * required. Credentials, paths and TLS ({@code tls://}) are not supported: {@link #parse} refuses them with a
 * one-line message.
 *
 * @param servers the servers in the order given; the client connects to any of them and follows the cluster
 */
public record BusLocation(List<Server> servers) {
  /** The scheme every location starts with. */
  public static final String SCHEME = "nats://";

  private static final Pattern ENTRY = Pattern.compile("(\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]|[^:\\[\\]]+):(\\d{1,5})");
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

  /** One server: {@code host} without brackets. */
  public record Server(String host, int port) {
    public Server {
      Objects.requireNonNull(host, "host");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not from 1 to 65535");
      }
    }

    /** {@code nats://host:port}. */
    public String url() {
      return SCHEME + hostPort();
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    public String hostPort() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  public BusLocation {
    servers = List.copyOf(servers);
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("a bus location names at least one server");
    }
  }

  /**
   * Parses {@code nats://HOST:PORT[,HOST:PORT...]}.
   *
   * @throws IllegalArgumentException with a one-line message naming the location and what is wrong with it
   */
  public static BusLocation parse(String text) {
    Objects.requireNonNull(text, "text");
    String location = text.trim();
    if (!location.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
      throw invalid(text, "it must start with " + SCHEME + " (e.g. nats://nats-1:4222,nats-2:4222)");
    }
    List<Server> servers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String part : location.substring(SCHEME.length()).split(",", -1)) {
      String entry = part.trim();
      if (entry.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
        entry = entry.substring(SCHEME.length());
      }
      Server server = server(text, entry);
      if (!seen.add(server.url())) {
        throw invalid(text, "'" + entry + "' is listed twice");
      }
      servers.add(server);
    }
    return new BusLocation(servers);
  }

  /** The servers' URLs, {@code nats://host:port} each, for the NATS client. */
  public List<String> urls() {
    return servers.stream().map(Server::url).toList();
  }

  /** The location as {@link #parse} reads it: {@code nats://a:4222,b:4222}. */
  @Override
  public String toString() {
    return SCHEME + String.join(",", servers.stream().map(Server::hostPort).toList());
  }

  private static Server server(String text, String entry) {
    if (entry.isEmpty()) {
      throw invalid(text, "an empty server entry (a stray comma?)");
    }
    if (entry.contains("@")) {
      throw invalid(text, "credentials in the location are not supported");
    }
    if (entry.contains("/") || entry.contains("?")) {
      throw invalid(text, "'" + entry + "' has a path or query; use HOST:PORT");
    }
    Matcher m = ENTRY.matcher(entry);
    if (!m.matches()) {
      throw invalid(text, "'" + entry + "' is not HOST:PORT (the port is required, e.g. nats-1:4222)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    } else if (!HOST_NAME.matcher(host).matches()) {
      throw invalid(text, "'" + host + "' is not a host name or address");
    }
    int port = Integer.parseInt(m.group(2));
    if (port < 1 || port > 65535) {
      throw invalid(text, "port " + m.group(2) + " of '" + entry + "' is not from 1 to 65535");
    }
    return new Server(host, port);
  }

  private static IllegalArgumentException invalid(String text, String why) {
    String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
    return new IllegalArgumentException(("bad bus location '" + shown + "': " + why).replaceAll("\\p{Cntrl}", "?"));
  }
}
