package io.torchfeed.transport.http;

import io.torchfeed.transport.ServerTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * How the HTTP listener behaves.
 *
 * @param address            where to listen (port 0 = any free port)
 * @param adminToken         the bearer token of the mutating endpoints; none = read-only server
 * @param maxUploadBytes     the largest model upload
 * @param maxConnections     connections served at once, counted from their first request; a request on one more
 *                           is answered 503 and its connection closed
 * @param idleTimeout        a connection with no request in progress for this long is closed
 * @param requestTimeout     a request head must arrive whole within this of its first byte, and a request body
 *                           must not stall for longer
 * @param writeTimeout       a client that takes none of the bytes of a response for this long is disconnected
 * @param processingTimeout  the longest a request may be handled without any I/O (an upload being validated): no
 *                           timeout closes a connection sooner
 * @param tls                HTTPS instead of HTTP on this port (docs/http.md); none = plain HTTP
 */
public record HttpSettings(InetSocketAddress address, Optional<String> adminToken, long maxUploadBytes,
    int maxConnections, Duration idleTimeout, Duration requestTimeout, Duration writeTimeout,
    Duration processingTimeout, Optional<ServerTls> tls) {
  /** Plain HTTP. */
  public HttpSettings(InetSocketAddress address, Optional<String> adminToken, long maxUploadBytes,
      int maxConnections, Duration idleTimeout, Duration requestTimeout, Duration writeTimeout,
      Duration processingTimeout) {
    this(address, adminToken, maxUploadBytes, maxConnections, idleTimeout, requestTimeout, writeTimeout,
        processingTimeout, Optional.empty());
  }

  @Override
  public String toString() {
    return "HttpSettings[address=" + address + ", adminToken=" + (adminToken.isPresent() ? "(set)" : "(none)")
        + ", maxUploadBytes=" + maxUploadBytes + ", maxConnections=" + maxConnections + ", idleTimeout="
        + idleTimeout + ", requestTimeout=" + requestTimeout + ", writeTimeout=" + writeTimeout
        + ", processingTimeout=" + processingTimeout + ", tls=" + tls.isPresent() + "]";
  }
}
