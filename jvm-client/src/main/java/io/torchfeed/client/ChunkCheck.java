package io.torchfeed.client;

import io.torchfeed.model.ChunkDigests;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks a file's chunks (docs/protocol.md 5.3, protocol version 3) as they arrive, on a pool of threads, instead
 * of one SHA-256 pass over the whole file behind the receiving thread. {@link #advance} hands each chunk to the
 * pool as soon as its last byte is in place; the pool hashes it (reading it back through a {@link Source}) and
 * compares it with its digest; {@link #await} returns once every chunk is checked. A bad chunk is a
 * {@link ChecksumMismatchException} of one line, thrown by the next {@link #advance} or by {@link #await}:
 *
 * <pre>
 * chunk 2 of big:1 (offset 16777216) hashes to 5edc..., the manifest says 26e5...; the bytes received were discarded
 * </pre>
 *
 * <p>A chunk that cannot be read back, or whose check throws anything else, an {@link Error} included, is a
 * {@link ClientException} with that as its cause, thrown the same way: the receiving thread never waits for a chunk
 * whose check died.
 *
 * <p>One thread receives (advance, await, close); the hashing runs on the executor's threads, by default
 * {@link #pool()}: {@code Runtime.availableProcessors()} daemon threads shared by every download.
 */
final class ChunkCheck implements AutoCloseable {
  /** Reads a chunk's bytes, on a pool thread, into {@code digest}; its bytes stay in place until it returns. */
  interface Source {
    void read(long offset, int length, MessageDigest digest) throws IOException;
  }

  private static final class Pool {
    static final ExecutorService INSTANCE = create();

    private static ExecutorService create() {
      AtomicInteger count = new AtomicInteger();
      return Executors.newFixedThreadPool(threads(), task -> {
        Thread thread = new Thread(task, "torchfeed-chunk-check-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });
    }
  }

  private final String what;
  private final ChunkDigests digests;
  private final long size;
  private final Source source;
  private final Executor executor;
  private int next;  // the first chunk not submitted
  private int pending;  // submitted and not finished
  private int running;  // being hashed now
  private boolean closed;
  private int badIndex = -1;  // the lowest bad chunk found so far
  private ClientException failure;

  /**
   * @param what     names the file in errors ({@code big:1})
   * @param digests  its chunk digests, which fit {@code size}
   * @param size     its size in bytes
   * @param source   reads its chunks back
   * @param executor where chunks are hashed
   */
  ChunkCheck(String what, ChunkDigests digests, long size, Source source, Executor executor) {
    digests.checkFits(size);
    this.what = what;
    this.digests = digests;
    this.size = size;
    this.source = source;
    this.executor = executor;
  }

  /** {@code Runtime.availableProcessors()}, the threads of {@link #pool()}. */
  static int threads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The shared pool: {@link #threads()} daemon threads. */
  static Executor pool() {
    return Pool.INSTANCE;
  }

  /**
   * Where to resume a transfer that holds the first {@code held} bytes of a file of {@code size} in chunks of
   * {@code chunkSize}: the start of the first chunk not wholly received (so at most one chunk is sent again).
   */
  static long resumeOffset(long held, long size, int chunkSize) {
    return held >= size ? held : held - held % chunkSize;
  }

  /**
   * The bytes {@code [0, received)} are in place: every chunk they complete goes to the pool.
   *
   * @throws ClientException for a bad chunk found so far, so that the receiving thread stops at once
   */
  void advance(long received) {
    int count = digests.digests().size();
    while (next < count && end(next) <= received) {
      submit(next++);
    }
    synchronized (this) {
      throwIfFailed();
    }
  }

  /** Every byte is in place: waits until every chunk is checked, or one is found bad (the lowest so far). */
  void await() {
    advance(size);
    synchronized (this) {
      while (pending > 0 && failure == null) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ClientException("interrupted while checking the chunks of " + what, e);
        }
      }
      throwIfFailed();
    }
  }

  /** Drops the chunks not yet begun and waits for those being hashed: their bytes may go once it returns. */
  @Override
  public synchronized void close() {
    closed = true;
    boolean interrupted = false;
    while (running > 0) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private long end(int index) {
    return Math.min(size, (long) (index + 1) * digests.chunkSize());
  }

  private void submit(int index) {
    synchronized (this) {
      pending++;
    }
    try {
      executor.execute(() -> check(index));
    } catch (RejectedExecutionException | Error e) {  // an Error: e.g. no thread could be started
      synchronized (this) {
        pending--;
      }
      throw new ClientException("cannot check the chunks of " + what + ": " + e, e);
    }
  }

  /**
   * On a pool thread: hashes chunk {@code index} and compares it with its digest. Whatever it throws, an
   * {@link Error} too, the chunk is finished and what went wrong recorded, so that {@link #await} never waits for
   * it in vain and throws it instead.
   */
  private void check(int index) {
    synchronized (this) {
      if (closed || failure != null) {  // dropped, or not needed any more
        finished();
        return;
      }
      running++;
    }
    long offset = (long) index * digests.chunkSize();
    String actual = null;
    Throwable thrown = null;
    try {
      MessageDigest digest = FileDownload.sha256();
      source.read(offset, (int) (end(index) - offset), digest);
      actual = HexFormat.of().formatHex(digest.digest());
    } catch (Throwable e) {
      thrown = e;
    } finally {
      synchronized (this) {
        running--;
        try {
          record(index, offset, actual, thrown);
        } finally {
          finished();
        }
      }
    }
  }

  /**
   * The outcome of chunk {@code index}: the lowest bad chunk is kept, else the first failure to read one back or to
   * check it.
   */
  private void record(int index, long offset, String actual, Throwable thrown) {
    if (thrown != null) {
      if (failure == null) {
        failure = thrown instanceof Error
            ? new ClientException("cannot check chunk " + index + " of " + what + ": " + thrown, thrown)
            : new ClientException("cannot read chunk " + index + " of " + what + " back: " + thrown.getMessage(),
                thrown);
      }
      return;
    }
    String expected = digests.digests().get(index);
    if (!actual.equals(expected) && (badIndex < 0 || index < badIndex)) {
      badIndex = index;
      failure = new ChecksumMismatchException("chunk " + index + " of " + what + " (offset " + offset
          + ") hashes to " + actual + ", the manifest says " + expected + "; the bytes received were discarded");
    }
  }

  private void finished() {
    pending--;
    notifyAll();
  }

  /** Thrown anew on the receiving thread, where its stack trace belongs; the pool's is its cause's. */
  private void throwIfFailed() {
    if (failure != null) {
      throw failure instanceof ChecksumMismatchException ? new ChecksumMismatchException(failure.getMessage())
          : new ClientException(failure.getMessage(), failure.getCause());
    }
  }
}
