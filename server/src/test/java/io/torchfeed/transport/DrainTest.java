package io.torchfeed.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.support.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DrainTest {
  /** Longer than {@link Await#DEADLINE}: an await that ran out its grace instead would hang the test. */
  private static final Duration LONG = Duration.ofDays(1);

  private final Drain drain = new Drain();

  @Test
  void onceStoppedNoRequestIsAdmittedAndNoTransferBegins() {
    drain.admit();
    drain.begin();
    drain.stop();
    ShuttingDownException refused = assertThrows(ShuttingDownException.class, drain::admit);
    assertEquals("server shutting down: reconnect to another replica", refused.getMessage());
    assertThrows(ShuttingDownException.class, drain::begin);
    assertEquals(1, drain.inFlight(), "the one begun before the stop");
  }

  @Test
  void countsOnlyTheTransfersThatEndAfterTheStopAndReturnsWhenNoneIsLeft() {
    Drain.Transfer before = drain.begin();
    Drain.Transfer finished = drain.begin();
    Drain.Transfer abandoned = drain.begin();
    before.ended(true);
    drain.stop();
    finished.ended(true);
    finished.ended(false);
    abandoned.ended(false);
    assertEquals(new Drain.Outcome(1, 1, 0), drain.await(LONG));
  }

  @Test
  void awaitWaitsForATransferThatEndsOnAnotherThread() throws Exception {
    Drain.Transfer transfer = drain.begin();
    transfer.cutBy(() -> {
      throw new AssertionError("cut");
    });
    drain.stop();
    Thread awaiting = Thread.currentThread();
    Thread ender = new Thread(() -> {
      Await.until(() -> awaiting.getState() == Thread.State.TIMED_WAITING, "await() to wait");
      transfer.ended(true);
    });
    ender.start();
    assertEquals(new Drain.Outcome(1, 0, 0), drain.await(LONG));
    ender.join();
  }

  @Test
  void whenTheGraceRunsOutWhatIsLeftIsCutAndItsLaterEndIsNotCounted() {
    AtomicInteger cuts = new AtomicInteger();
    Drain.Transfer left = drain.begin();
    left.cutBy(cuts::incrementAndGet);
    Drain.Transfer done = drain.begin();
    drain.stop();
    done.ended(true);
    assertEquals(new Drain.Outcome(1, 0, 1), drain.await(Duration.ZERO));
    assertEquals(1, cuts.get(), "the connection of the transfer left was closed");
    left.ended(false);
    assertEquals(0, drain.inFlight());
    assertEquals(new Drain.Outcome(1, 0, 0), drain.await(Duration.ZERO), "its end after the cut is not counted");
  }

  @Test
  void aTransferCutBeforeItSaidHowIsCutAsSoonAsItDoes() {
    Drain.Transfer transfer = drain.begin();
    drain.stop();
    assertEquals(new Drain.Outcome(0, 0, 1), drain.await(Duration.ZERO));
    AtomicInteger cuts = new AtomicInteger();
    transfer.cutBy(cuts::incrementAndGet);
    assertEquals(1, cuts.get());
  }

  @Test
  void awaitBeforeStopIsAMistake() {
    assertThrows(IllegalStateException.class, () -> drain.await(Duration.ZERO));
    assertFalse(drain.stopping());
  }
}
