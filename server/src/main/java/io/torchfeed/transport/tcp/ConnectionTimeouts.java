package io.torchfeed.transport.tcp;

import java.time.Duration;

/**
 * Which of a connection's three timeouts runs, and when it expires (docs/protocol.md, section 3). A connection is
 * always in one of three states, each with its own timeout:
 *
 * <ul>
 *   <li><b>writing</b> (something is queued and the socket does not take it): the write timeout runs from the
 *       last byte the socket took;
 *   <li><b>reading a request</b> (part of a frame is in): the request timeout runs from when the connection
 *       started waiting for the rest of that frame, and more bytes do not extend it;
 *   <li><b>idle</b> (neither): the idle timeout runs from the last byte in either direction.
 * </ul>
 *
 * Times are {@link System#nanoTime()}. Used on the connection's I/O thread only.
 */
final class ConnectionTimeouts {
  enum Kind { IDLE, REQUEST, WRITE }

  private static final long NONE = Long.MIN_VALUE;

  private final long idleNanos;
  private final long requestNanos;
  private final long writeNanos;
  private long lastActivity;
  private long requestSince = NONE;
  private long writeSince = NONE;

  ConnectionTimeouts(Duration idle, Duration request, Duration write, long now) {
    this.idleNanos = idle.toNanos();
    this.requestNanos = request.toNanos();
    this.writeNanos = write.toNanos();
    this.lastActivity = now;
  }

  void read(long now) {
    lastActivity = now;
  }

  void wrote(long now) {
    lastActivity = now;
    if (writeSince != NONE) {
      writeSince = now;
    }
  }

  /** The connection waits for the socket to take queued bytes (it reads no request meanwhile). */
  void waitingToWrite(long now) {
    requestSince = NONE;
    if (writeSince == NONE) {
      writeSince = now;
    }
  }

  /** The connection waits for bytes from the client, with part of a request frame already in or not. */
  void waitingToRead(long now, boolean partialRequest) {
    writeSince = NONE;
    if (!partialRequest) {
      requestSince = NONE;
    } else if (requestSince == NONE) {
      requestSince = now;
    }
  }

  Kind kind() {
    if (writeSince != NONE) {
      return Kind.WRITE;
    }
    return requestSince != NONE ? Kind.REQUEST : Kind.IDLE;
  }

  /** When the running timeout expires. */
  long deadline() {
    return switch (kind()) {
      case WRITE -> writeSince + writeNanos;
      case REQUEST -> requestSince + requestNanos;
      case IDLE -> lastActivity + idleNanos;
    };
  }

  long idleNanos() {
    return idleNanos;
  }

  long requestNanos() {
    return requestNanos;
  }

  long writeNanos() {
    return writeNanos;
  }
}
