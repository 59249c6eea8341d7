package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ChunkDigests;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chunks checked on a pool against digests computed independently, at the boundaries, a bad one named. */
class ChunkCheckTest {
  private static final int CHUNK = 64;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** The digests computed independently: each chunk cut out with copyOfRange and hashed on its own. */
  static ChunkDigests digests(byte[] file, int chunkSize) throws Exception {
    List<String> digests = new ArrayList<>();
    int start = 0;
    do {
      int end = Math.min(file.length, start + chunkSize);
      digests.add(HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(file, start, end))));
      start = end;
    } while (start < file.length);
    return new ChunkDigests(chunkSize, digests);
  }

  static byte[] file(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  /** Chunks read from {@code bytes}, which the test writes as if they arrived. */
  static ChunkCheck.Source from(byte[] bytes) {
    return (offset, length, digest) -> digest.update(bytes, (int) offset, length);
  }

  /** Feeds the check as bytes arrive in pieces of {@code piece}, then waits for it. */
  static void receive(ChunkCheck check, int size, int piece) {
    for (int held = 0; held < size; ) {
      held = Math.min(size, held + piece);
      check.advance(held);
    }
    check.await();
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17})
  void aFileWhoseChunksMatchPassesWhateverPiecesItArrivesIn(int size) throws Exception {
    byte[] file = file(size);
    for (int piece : new int[] {1, 7, CHUNK, CHUNK + 5, 1000}) {
      try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), size, from(file), pool)) {
        receive(check, size, piece);
      }
    }
  }

  @Test
  void aBadChunkIsNamedWithItsIndexOffsetAndBothDigests() throws Exception {
    byte[] file = file(3 * CHUNK + 17);
    ChunkDigests good = digests(file, CHUNK);
    byte[] received = file.clone();
    received[2 * CHUNK + 5] ^= 1;  // in chunk 2
    String actual = digests(received, CHUNK).digests().get(2);
    try (ChunkCheck check = new ChunkCheck("big:1", good, file.length, from(received), pool)) {
      ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
          () -> receive(check, received.length, CHUNK));
      assertEquals("chunk 2 of big:1 (offset 128) hashes to " + actual + ", the manifest says "
          + good.digests().get(2) + "; the bytes received were discarded", e.getMessage());
    }
  }

  @Test
  void theLastShorterChunkAndAnEmptyFileAreCheckedToo() throws Exception {
    byte[] file = file(2 * CHUNK + 1);
    byte[] received = file.clone();
    received[2 * CHUNK] ^= 1;  // the last chunk's one byte
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length, from(received), pool)) {
      ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
          () -> receive(check, received.length, 1000));
      assertTrue(e.getMessage().startsWith("chunk 2 of f:1 (offset 128) hashes to "), e.getMessage());
    }
    ChunkDigests notEmpty = digests(new byte[] {1}, CHUNK);
    try (ChunkCheck check = new ChunkCheck("f:1", notEmpty, 0, from(new byte[0]), pool)) {
      ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, check::await);
      assertTrue(e.getMessage().startsWith("chunk 0 of f:1 (offset 0) hashes to "
          + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, "), e.getMessage());
    }
  }

  @Test
  void aChunkIsHandedOutOnlyOnceItsLastByteIsInPlace() throws Exception {
    byte[] file = file(2 * CHUNK + 10);
    List<Long> read = new ArrayList<>();
    ChunkCheck.Source recording = (offset, length, digest) -> {
      synchronized (read) {
        read.add(offset);
        read.add(offset + length);
      }
      digest.update(file, (int) offset, length);
    };
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length, recording, Runnable::run)) {
      check.advance(CHUNK - 1);
      assertEquals(List.of(), read);
      check.advance(CHUNK);
      assertEquals(List.of(0L, (long) CHUNK), read);
      check.advance(2 * CHUNK + 9);
      assertEquals(List.of(0L, (long) CHUNK, (long) CHUNK, 2L * CHUNK), read);
      check.await();
      assertEquals(List.of(0L, (long) CHUNK, (long) CHUNK, 2L * CHUNK, 2L * CHUNK, 2L * CHUNK + 10), read);
    }
  }

  @Test
  void aBadChunkStopsTheReceivingThreadAtItsNextAdvance() throws Exception {
    byte[] file = file(4 * CHUNK);
    byte[] received = file.clone();
    received[0] ^= 1;
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length, from(received),
        Runnable::run)) {
      assertThrows(ChecksumMismatchException.class, () -> check.advance(CHUNK));
      assertThrows(ChecksumMismatchException.class, () -> check.advance(2 * CHUNK), "and at every one after");
    }
  }

  /**
   * A source that reads {@code file} only once {@code parties} chunks are being read at the same time (a barrier),
   * recording the threads that read them.
   */
  static ChunkCheck.Source meeting(byte[] file, int parties, Set<Thread> threads) {
    CyclicBarrier all = new CyclicBarrier(parties);
    return (offset, length, digest) -> {
      threads.add(Thread.currentThread());
      try {
        all.await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the other chunks were not being hashed at the same time", e);
      }
      digest.update(file, (int) offset, length);
    };
  }

  @Test
  void twoChunksAreHashedAtOnceOnTwoThreads() throws Exception {
    byte[] file = file(2 * CHUNK);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length, meeting(file, 2, threads),
        pool)) {
      receive(check, file.length, 2 * CHUNK);
    }
    assertEquals(2, threads.size(), threads.toString());
  }

  @Test
  void theSharedPoolHashesAChunkPerProcessorAtOnceOnDaemonThreads() throws Exception {
    int processors = Runtime.getRuntime().availableProcessors();
    byte[] file = file(processors * CHUNK);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length,
        meeting(file, processors, threads), ChunkCheck.pool())) {
      receive(check, file.length, file.length);
    }
    assertEquals(processors, threads.size(), threads.toString());
    for (Thread thread : threads) {
      assertTrue(thread.isDaemon(), thread + " keeps no JVM from exiting");
      assertTrue(thread.getName().startsWith("torchfeed-chunk-check-"), thread.getName());
    }
  }

  @Test
  void resumingStartsAtAChunkBoundary() {
    assertEquals(0, ChunkCheck.resumeOffset(0, 3 * CHUNK, CHUNK));
    assertEquals(0, ChunkCheck.resumeOffset(CHUNK - 1, 3 * CHUNK, CHUNK));
    assertEquals(CHUNK, ChunkCheck.resumeOffset(CHUNK, 3 * CHUNK, CHUNK));
    assertEquals(2 * CHUNK, ChunkCheck.resumeOffset(3 * CHUNK - 1, 3 * CHUNK, CHUNK));
    assertEquals(3 * CHUNK, ChunkCheck.resumeOffset(3 * CHUNK, 3 * CHUNK, CHUNK), "all held: nothing more");
  }

  @Test
  // only bounds the failure, on a thread of its own: a check that died used to hang await and close for ever
  @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anErrorOnAPoolThreadReachesTheReceivingThreadWhichDoesNotWaitForever() throws Exception {
    byte[] file = file(3 * CHUNK);
    OutOfMemoryError error = new OutOfMemoryError("Java heap space (thrown by the test)");
    ChunkCheck.Source dying = (offset, length, digest) -> {
      if (offset == CHUNK) {
        throw error;
      }
      digest.update(file, (int) offset, length);
    };
    try (ChunkCheck check = new ChunkCheck("f:1", digests(file, CHUNK), file.length, dying, pool)) {
      for (int held = CHUNK; held <= file.length; held += CHUNK) {
        try {
          check.advance(held);
        } catch (ClientException e) {
          break;  // found before the last chunk arrived: await says it again
        }
      }
      ClientException e = assertThrows(ClientException.class, check::await);
      assertSame(error, e.getCause());
      assertEquals("cannot check chunk 1 of f:1: java.lang.OutOfMemoryError: Java heap space (thrown by the test)",
          e.getMessage());
    }
    try (ChunkCheck next = new ChunkCheck("f:1", digests(file, CHUNK), file.length, from(file), pool)) {
      receive(next, file.length, CHUNK);  // the pool still checks chunks
    }
  }
}
