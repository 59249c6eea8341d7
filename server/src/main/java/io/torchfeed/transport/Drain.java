package io.torchfeed.transport;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The transfers in flight on every transport (downloads on the TCP protocol, raw and HTTP ports; HTTP uploads), so
 * that a stopping server lets them finish (docs/shutdown.md). Until {@link #stop()} transfers {@link #begin} and
 * end freely. After it, no request is admitted and no transfer begins ({@link ShuttingDownException}), and
 * {@link #await(Duration)} waits until those in flight have ended, for at most the grace, then cuts the rest: each
 * transfer says how ({@link Transfer#cutBy}: its connection is closed). Thread-safe.
 */
public final class Drain {
  private final Set<Transfer> inFlight = new HashSet<>();
  private volatile boolean stopping;
  private int finished;
  private int abandoned;

  /**
   * What became of the transfers in flight after {@link #stop()}.
   *
   * @param finished  sent or received whole within the grace
   * @param abandoned ended unfinished within the grace by their client (it went away)
   * @param cut       still in flight when the grace ran out: their connections were closed
   */
  public record Outcome(int finished, int abandoned, int cut) {}

  /** Throws {@link ShuttingDownException} once the server is stopping: a new request is not answered. */
  public void admit() {
    if (stopping) {
      throw new ShuttingDownException();
    }
  }

  /** Whether {@link #stop()} was called. */
  public boolean stopping() {
    return stopping;
  }

  /**
   * A transfer starts; it counts until {@link Transfer#ended} or cut.
   *
   * @throws ShuttingDownException once the server is stopping
   */
  public synchronized Transfer begin() {
    admit();
    Transfer transfer = new Transfer();
    inFlight.add(transfer);
    return transfer;
  }

  /** Transfers in flight now. */
  public synchronized int inFlight() {
    return inFlight.size();
  }

  /** From now on no request is admitted and no transfer begins; those in flight go on. */
  public synchronized void stop() {
    stopping = true;
  }

  /**
   * After {@link #stop()}: waits until no transfer is in flight, for at most {@code grace} (less if this thread
   * is interrupted), then cuts those left. Returns what became of the transfers in flight since the stop.
   */
  public Outcome await(Duration grace) {
    List<Transfer> left;
    Outcome outcome;
    synchronized (this) {
      if (!stopping) {
        throw new IllegalStateException("await() before stop()");
      }
      long deadline = System.nanoTime() + grace.toNanos();
      try {
        for (long wait = grace.toNanos(); !inFlight.isEmpty() && wait > 0; wait = deadline - System.nanoTime()) {
          TimeUnit.NANOSECONDS.timedWait(this, wait);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      left = List.copyOf(inFlight);
      inFlight.clear();
      left.forEach(transfer -> transfer.cut = true);
      outcome = new Outcome(finished, abandoned, left.size());
    }
    left.forEach(Transfer::runCut);
    return outcome;
  }

  /** One transfer in flight. */
  public final class Transfer {
    private Runnable cutter;
    private boolean cut;

    private Transfer() {}

    /** How to cut this transfer if the grace runs out (close its connection); at once if it was already cut. */
    public void cutBy(Runnable action) {
      synchronized (Drain.this) {
        if (!cut) {
          cutter = action;
          return;
        }
      }
      action.run();
    }

    /**
     * The transfer ended: {@code complete} when every byte went through. Only the first end counts, and none
     * after a cut.
     */
    public void ended(boolean complete) {
      synchronized (Drain.this) {
        if (!inFlight.remove(this)) {
          return;
        }
        if (stopping) {
          if (complete) {
            finished++;
          } else {
            abandoned++;
          }
        }
        if (inFlight.isEmpty()) {
          Drain.this.notifyAll();
        }
      }
    }

    private void runCut() {
      Runnable action;
      synchronized (Drain.this) {
        action = cutter;
      }
      if (action != null) {
        action.run();
      }
    }
  }
}
