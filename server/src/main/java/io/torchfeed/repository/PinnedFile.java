package io.torchfeed.repository;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open file descriptor on the exact file that was validated. Streams read through it with positional
 * {@code transferTo}, so a file replaced in the repository by a rename (how {@code mv}, {@code rsync}, uploads
 * and {@code fetch} replace files) never changes the bytes of a stream in flight: the old inode stays readable
 * until the last stream releases it. Reference counted: {@link #retain()} before a stream, {@link #release()}
 * after; {@link #retire()} when the version is no longer served.
 */
public final class PinnedFile {
  private static final Logger log = LoggerFactory.getLogger(PinnedFile.class);

  private final Path path;
  private final FileChannel channel;
  private final AtomicInteger refs = new AtomicInteger(1);

  private PinnedFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  public static PinnedFile open(Path path) throws IOException {
    return new PinnedFile(path, FileChannel.open(path, StandardOpenOption.READ));
  }

  public Path path() {
    return path;
  }

  /** The channel; valid between {@link #retain()} and {@link #release()}. Use positional reads only. */
  public FileChannel channel() {
    return channel;
  }

  /** Takes a reference for one stream; false if the file was already retired and closed. */
  public boolean retain() {
    while (true) {
      int n = refs.get();
      if (n == 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  public void release() {
    if (refs.decrementAndGet() == 0) {
      try {
        channel.close();
      } catch (IOException e) {
        log.warn("closing {}: {}", path, e.toString());
      }
    }
  }

  /** References held now: the catalog's (until retired) and one per stream in progress; 0 once closed. */
  public int references() {
    return refs.get();
  }

  /** Drops the catalog's own reference; the descriptor closes when the last stream releases it. */
  public void retire() {
    release();
  }
}
