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
 * @param idleTimeout       a connection with no request in progress and nothing to send that receives nothing for
 *                          this long is closed (a subscriber with nothing to receive is waiting, not idle)
 * @param requestTimeout    a request frame must arrive whole within this of its first byte; else a fatal ERROR
 * @param writeTimeout      a connection whose peer takes none of the bytes queued for it for this long is closed
 * @param maxConnections    connections beyond this are answered UNAVAILABLE and closed
 * @param maxQueuedNotices  undelivered NOTICE frames a subscriber may have before it is dropped as too slow
 *                          (docs/protocol.md 5.8)
 * @param tls               TLS on this port (docs/protocol.md 8); none = plaintext
 */
public record TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, Duration requestTimeout,
    Duration writeTimeout, int maxConnections, int maxQueuedNotices, Optional<ServerTls> tls) {
  public TcpSettings {
    if (maxQueuedNotices < 1) {
      throw new IllegalArgumentException("maxQueuedNotices must be positive");
    }
  }

  /** Plaintext settings. */
  public TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, Duration requestTimeout,
      Duration writeTimeout, int maxConnections, int maxQueuedNotices) {
    this(address, maxFrameBytes, idleTimeout, requestTimeout, writeTimeout, maxConnections, maxQueuedNotices,
        Optional.empty());
  }

  /** These settings with TLS. */
  public TcpSettings withTls(Optional<ServerTls> newTls) {
    return new TcpSettings(address, maxFrameBytes, idleTimeout, requestTimeout, writeTimeout, maxConnections,
        maxQueuedNotices, newTls);
  }
}
