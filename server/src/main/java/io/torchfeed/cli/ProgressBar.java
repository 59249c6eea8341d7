package io.torchfeed.cli;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.protocol.FetchHeader;
import java.io.PrintStream;

/**
 * A progress bar on stderr for a download or an upload, shown only when stderr is a terminal and the transfer has
 * run for more than a second; redrawn at most ten times a second.
 */
final class ProgressBar implements TorchfeedClient.Progress {
  private static final int WIDTH = 30;
  private final PrintStream err;
  private final boolean enabled;
  private long start;
  private long lastDraw;
  private long total;
  private long base;
  private boolean drawn;

  ProgressBar(PrintStream err) {
    this.err = err;
    this.enabled = System.console() != null;
  }

  @Override
  public void started(FetchHeader header) {
    started(header.totalSize(), header.offset());
  }

  /** A transfer of {@code total} bytes begins, {@code base} of them already done (a resumed download). */
  void started(long total, long base) {
    start = System.nanoTime();
    this.total = total;
    this.base = base;
  }

  @Override
  public void advanced(long received) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    boolean finished = base + received >= total;
    if (now - start < 1_000_000_000L || (now - lastDraw < 100_000_000L && !finished)) {
      return;
    }
    lastDraw = now;
    long done = base + received;
    int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
    double seconds = (now - start) / 1e9;
    err.printf("\r[%s%s] %3d%% %s / %s  %s/s ", "#".repeat(filled), " ".repeat(WIDTH - filled),
        total == 0 ? 100 : done * 100 / total, human(done), human(total), human((long) (received / seconds)));
    drawn = true;
    if (finished) {
      finish();
    }
  }

  void finish() {
    if (drawn) {
      err.println();
      drawn = false;
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format("%.1f %s", value, units[unit]);
  }
}
