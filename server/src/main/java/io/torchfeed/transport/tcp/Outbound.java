package io.torchfeed.transport.tcp;

import io.torchfeed.metrics.Download;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.transport.Drain;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSinkChannel;

/**
 * Something queued for a socket: a frame's bytes, or a range of a pinned file, sent with zero copy on a plaintext
 * connection and through a buffer on a TLS one.
 */
interface Outbound {
  /**
   * Writes as much as the socket takes, at most about {@code budget} bytes. A write that fails after bytes went
   * out in the same call returns their count; the failure then comes from the next call (a broken socket fails
   * every write), so what was sent is always counted.
   *
   * @return bytes written; the item is done when {@link #done()} is true
   */
  long writeTo(StreamSinkChannel sink, long budget) throws IOException;

  boolean done();

  /** Frees what the item holds; called exactly once, whether it was sent or not. */
  default void release() {}

  /** True for a NOTICE frame, which answers no request. */
  default boolean notice() {
    return false;
  }

  static Outbound bytes(ByteBuffer buffer) {
    return new Bytes(buffer);
  }

  /** A NOTICE frame; {@code onRelease} runs when it has been sent or dropped. */
  static Outbound notice(ByteBuffer frame, Runnable onRelease) {
    return new Notice(frame, onRelease);
  }

  /**
   * A range of a pinned file: with {@code sendfile(2)} when {@code encrypted} is false; else read into a buffer
   * and written through the connection's TLS channel, which encrypts it in user space.
   */
  static Outbound file(PinnedFile file, long position, long count, boolean encrypted) {
    return encrypted ? new BufferedFileRange(file, position, count) : new FileRange(file, position, count);
  }

  /**
   * {@code bytes}, a download: when it is released, {@code download} records how much of it was sent and
   * {@code transfer} ends (complete if all of it was).
   */
  static Outbound download(Outbound bytes, Download download, Drain.Transfer transfer) {
    return new Measured(bytes, download, transfer);
  }

  /** Bytes in memory: frame headers and small frames. */
  final class Bytes implements Outbound {
    private final ByteBuffer buffer;

    Bytes(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public long writeTo(StreamSinkChannel sink, long budget) throws IOException {
      return sink.write(buffer);
    }

    @Override
    public boolean done() {
      return !buffer.hasRemaining();
    }
  }

  /** An item whose bytes are a download, ended in its {@link Download} and its transfer when released. */
  final class Measured implements Outbound {
    private final Outbound bytes;
    private final Download download;
    private final Drain.Transfer transfer;
    private long sent;

    Measured(Outbound bytes, Download download, Drain.Transfer transfer) {
      this.bytes = bytes;
      this.download = download;
      this.transfer = transfer;
    }

    @Override
    public long writeTo(StreamSinkChannel sink, long budget) throws IOException {
      long n = bytes.writeTo(sink, budget);
      sent += Math.max(0, n);
      return n;
    }

    @Override
    public boolean done() {
      return bytes.done();
    }

    @Override
    public void release() {
      transfer.ended(bytes.done());
      try {
        download.ended(sent, bytes.done());
      } finally {
        bytes.release();
      }
    }
  }

  /** A NOTICE frame, counted by its connection until it is released. */
  final class Notice implements Outbound {
    private final Bytes bytes;
    private final Runnable onRelease;

    Notice(ByteBuffer frame, Runnable onRelease) {
      this.bytes = new Bytes(frame);
      this.onRelease = onRelease;
    }

    @Override
    public long writeTo(StreamSinkChannel sink, long budget) throws IOException {
      return bytes.writeTo(sink, budget);
    }

    @Override
    public boolean done() {
      return bytes.done();
    }

    @Override
    public void release() {
      onRelease.run();
    }

    @Override
    public boolean notice() {
      return true;
    }
  }

  /**
   * A range of a pinned file, sent by {@code sendfile(2)} through XNIO's {@code transferFrom}: the bytes never
   * enter the Java heap. A file that shrinks under the stream (overwritten in place) aborts the connection
   * rather than send bytes that don't match the header's sha256.
   */
  final class FileRange implements Outbound {
    private final PinnedFile file;
    private long position;
    private long remaining;

    FileRange(PinnedFile file, long position, long count) {
      this.file = file;
      this.position = position;
      this.remaining = count;
    }

    @Override
    public long writeTo(StreamSinkChannel sink, long budget) throws IOException {
      long written = 0;
      while (remaining > 0 && written < budget) {
        long n;
        try {
          n = sink.transferFrom(file.channel(), position, Math.min(remaining, budget - written));
        } catch (IOException e) {
          if (written > 0) {
            break;
          }
          throw e;
        }
        if (n <= 0) {
          if (file.channel().size() < position + remaining) {
            throw new IOException(file.path() + " shrank while it was being sent");
          }
          break;
        }
        position += n;
        remaining -= n;
        written += n;
      }
      return written;
    }

    @Override
    public boolean done() {
      return remaining == 0;
    }

    @Override
    public void release() {
      file.release();
    }
  }

  /**
   * A range of a pinned file for a TLS connection: the bytes must pass through the {@code SSLEngine}, so
   * {@code sendfile(2)} cannot apply. Positional reads from the pinned descriptor fill one buffer (allocated on
   * the first write, dropped when done), which is written to the TLS channel; what the channel does not take
   * stays in the buffer for the next write. The cost over plaintext: a copy from the page cache into the buffer,
   * the encryption, and {@value #BUFFER} bytes of heap per stream in progress.
   */
  final class BufferedFileRange implements Outbound {
    static final int BUFFER = 64 * 1024;

    private final PinnedFile file;
    private long position;
    private long unread;
    private long unsent;
    private ByteBuffer buffer;

    BufferedFileRange(PinnedFile file, long position, long count) {
      this.file = file;
      this.position = position;
      this.unread = count;
      this.unsent = count;
    }

    @Override
    public long writeTo(StreamSinkChannel sink, long budget) throws IOException {
      if (buffer == null) {
        buffer = ByteBuffer.allocate((int) Math.min(BUFFER, Math.max(1, unsent)));
        buffer.limit(0);
      }
      long written = 0;
      while (unsent > 0 && written < budget) {
        if (!buffer.hasRemaining()) {
          fill();
        }
        int n;
        try {
          n = sink.write(buffer);
        } catch (IOException e) {
          if (written > 0) {
            break;
          }
          throw e;
        }
        if (n <= 0) {
          break;
        }
        written += n;
        unsent -= n;
      }
      if (unsent == 0) {
        buffer = null;
      }
      return written;
    }

    private void fill() throws IOException {
      buffer.clear();
      buffer.limit((int) Math.min(buffer.capacity(), unread));
      while (buffer.hasRemaining()) {
        int n = file.channel().read(buffer, position);
        if (n < 0) {
          throw new IOException(file.path() + " shrank while it was being sent");
        }
        position += n;
        unread -= n;
      }
      buffer.flip();
    }

    @Override
    public boolean done() {
      return unsent == 0;
    }

    @Override
    public void release() {
      buffer = null;
      file.release();
    }
  }
}
