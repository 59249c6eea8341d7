package io.torchfeed.transport.http;

import io.torchfeed.transport.ServerTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * How the HTTP listener behaves.
 *
 * @param address         where to listen (port 0 = any free port)
 * @param adminToken      the bearer token of the mutating endpoints; none = read-only server
 * @param maxUploadBytes  the largest model upload
 * @param idleTimeout     connections without progress for this long are closed
 * @param tls             HTTPS instead of HTTP on this port (docs/http.md); none = plain HTTP
 */
public record HttpSettings(InetSocketAddress address, Optional<String> adminToken, long maxUploadBytes,
    Duration idleTimeout, Optional<ServerTls> tls) {
  /** Plain HTTP. */
  public HttpSettings(InetSocketAddress address, Optional<String> adminToken, long maxUploadBytes,
      Duration idleTimeout) {
    this(address, adminToken, maxUploadBytes, idleTimeout, Optional.empty());
  }

  @Override
  public String toString() {
    return "HttpSettings[address=" + address + ", adminToken=" + (adminToken.isPresent() ? "(set)" : "(none)")
        + ", maxUploadBytes=" + maxUploadBytes + ", idleTimeout=" + idleTimeout + ", tls=" + tls.isPresent() + "]";
  }
}
