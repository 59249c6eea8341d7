package io.torchfeed.transport.tcp;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Settings of the TCP protocol listener.
 *
 * @param address        where to listen (port 0 picks a free port)
 * @param maxFrameBytes  largest request payload accepted (docs/protocol.md, section 2)
 * @param idleTimeout    a connection that makes no progress in either direction for this long is closed
 * @param maxConnections connections beyond this are answered UNAVAILABLE and closed
 */
public record TcpSettings(InetSocketAddress address, int maxFrameBytes, Duration idleTimeout, int maxConnections) {}
