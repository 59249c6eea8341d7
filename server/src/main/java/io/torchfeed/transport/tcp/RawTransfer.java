package io.torchfeed.transport.tcp;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

/**
 * One connection of the raw port: sends its queued items when the socket is writable, then closes. A client
 * that takes nothing for {@code timeoutNanos} is disconnected; a slow one that keeps reading is not.
 */
final class RawTransfer {
  private static final long SLICE = 16L * 1024 * 1024;

  private final StreamConnection connection;
  private final StreamSinkChannel sink;
  private final ArrayDeque<Outbound> queue;
  private final long timeoutNanos;
  private volatile long lastProgress = System.nanoTime();
  private XnioExecutor.Key check;

  RawTransfer(StreamConnection connection, List<Outbound> items, long timeoutNanos) {
    this.connection = connection;
    this.sink = connection.getSinkChannel();
    this.queue = new ArrayDeque<>(items);
    this.timeoutNanos = timeoutNanos;
  }

  void start() {
    connection.getCloseSetter().set(c -> {
      if (check != null) {
        check.remove();
      }
      queue.forEach(Outbound::release);
      queue.clear();
    });
    sink.getWriteSetter().set(channel -> write());
    schedule(timeoutNanos);
    sink.resumeWrites();
  }

  private void write() {
    try {
      while (!queue.isEmpty()) {
        Outbound head = queue.peek();
        if (head.writeTo(sink, SLICE) > 0) {
          lastProgress = System.nanoTime();
        }
        if (!head.done()) {
          return;
        }
        queue.poll().release();
      }
      if (sink.flush()) {
        IoUtils.safeClose(connection);
      }
    } catch (IOException e) {
      IoUtils.safeClose(connection);
    }
  }

  private void schedule(long delayNanos) {
    check = connection.getIoThread().executeAfter(this::checkProgress, Math.max(1, delayNanos),
        TimeUnit.NANOSECONDS);
  }

  private void checkProgress() {
    long idle = System.nanoTime() - lastProgress;
    if (idle >= timeoutNanos) {
      IoUtils.safeClose(connection);
    } else if (connection.isOpen()) {
      schedule(timeoutNanos - idle);
    }
  }
}
