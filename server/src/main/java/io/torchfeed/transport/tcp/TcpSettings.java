package io.torchfeed.transport.tcp;

import io.torchfeed.transport.ServerTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the TCP protocol listener.
 *
 * @param address           where to listen (port 0 picks a free port)
 * @param maxFrameBytes     largest request payload accepted (docs/protocol.md, section 2)
 * @param idleTimeout       a connection that makes no progress in either direction for this long is closed (a
 *                          subscriber with nothing to receive is waiting, not idle)
 * @param maxConnections    connections beyond this are answered UNAVAILABLE and closed
 * @param maxQueuedNotices  undelivered NOTICE frames a subscriber may have before it is dropped as too slow
 *                          (docs/protocol.md 5.8)
 * @param tls               TLS on this port (docs/protocol.md 8); none = plaintext
 */
public record TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, int maxConnections,
    int maxQueuedNotices, Optional<ServerTls> tls) {
  /** The protocol's limit on undelivered notices per connection. */
  public static final int MAX_QUEUED_NOTICES = 1000;

  public TcpSettings {
    if (maxQueuedNotices < 1) {
      throw new IllegalArgumentException("maxQueuedNotices must be positive");
    }
  }

  /** Plaintext settings with the protocol's limit of {@value #MAX_QUEUED_NOTICES} undelivered notices. */
  public TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, int maxConnections) {
    this(address, maxFrameBytes, idleTimeout, maxConnections, MAX_QUEUED_NOTICES, Optional.empty());
  }

  /** Plaintext settings. */
  public TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, int maxConnections,
      int maxQueuedNotices) {
    this(address, maxFrameBytes, idleTimeout, maxConnections, maxQueuedNotices, Optional.empty());
  }

  /** These settings with TLS. */
  public TcpSettings withTls(Optional<ServerTls> newTls) {
    return new TcpSettings(address, maxFrameBytes, idleTimeout, maxConnections, maxQueuedNotices, newTls);
  }
}
