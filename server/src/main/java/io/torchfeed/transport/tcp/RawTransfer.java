package io.torchfeed.transport.tcp;

import io.torchfeed.transport.Drain;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

/**
 * One connection of the raw port: sends its queued items when the socket is writable, then closes. A client
 * that takes nothing for {@code timeoutNanos} is disconnected; a slow one that keeps reading is not. A model's
 * bytes are a transfer of the server's {@link Drain}, ended when the connection closes (complete if everything
 * was sent) and cut by closing it.
 */
final class RawTransfer {
  private static final long SLICE = 16L * 1024 * 1024;

  private final StreamConnection connection;
  private final StreamSinkChannel sink;
  private final ArrayDeque<Outbound> queue;
  private final long timeoutNanos;
  private final Optional<Drain.Transfer> transfer;
  private volatile long lastProgress = System.nanoTime();
  private XnioExecutor.Key check;

  /** Bytes that are no transfer (a refusal). */
  RawTransfer(StreamConnection connection, List<Outbound> items, long timeoutNanos) {
    this(connection, items, timeoutNanos, Optional.empty());
  }

  RawTransfer(StreamConnection connection, List<Outbound> items, long timeoutNanos,
      Optional<Drain.Transfer> transfer) {
    this.connection = connection;
    this.sink = connection.getSinkChannel();
    this.queue = new ArrayDeque<>(items);
    this.timeoutNanos = timeoutNanos;
    this.transfer = transfer;
  }

  void start() {
    connection.getCloseSetter().set(c -> {
      if (check != null) {
        check.remove();
      }
      boolean complete = queue.isEmpty();
      queue.forEach(Outbound::release);
      queue.clear();
      transfer.ifPresent(t -> t.ended(complete));
    });
    transfer.ifPresent(t -> t.cutBy(() -> IoUtils.safeClose(connection)));
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
