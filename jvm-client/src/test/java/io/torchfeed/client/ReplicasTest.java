package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.signing.TrustKey;
import io.torchfeed.support.Keys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which server a client tries next, and what it says when every one failed (no network: see FailoverIT). */
class ReplicasTest {
  static final ServerAddress A = ServerAddress.parse("a:7070");
  static final ServerAddress B = ServerAddress.parse("b:7070");
  static final ServerAddress C = ServerAddress.parse("[::1]:7071");

  @Test
  void helloAnnouncesVersion3ByDefaultAndTheVersionBeforeToAServerThatRefusedIt(@TempDir Path dir) {
    Replicas replicas = Replicas.of(List.of(A, B));
    assertEquals(3, replicas.protocolVersion(A));
    replicas.refusedChunks(A);
    assertEquals(1, replicas.protocolVersion(A), "remembered for that server");
    assertEquals(3, replicas.protocolVersion(B), "not for the others");
    replicas.trustKey(Optional.of(trustKey(dir)));
    assertEquals(2, replicas.protocolVersion(A), "signed manifests, which version 2 has");
    assertEquals(3, replicas.protocolVersion(B), "version 3 includes them");
  }

  @Test
  void aServerThatRefusedVersion3IsAskedForItAgainOnceChunksRetryHasPassed() {
    Replicas replicas = Replicas.of(List.of(A, B));
    replicas.refusedChunks(A);
    assertEquals(1, replicas.protocolVersion(A), "within the default 10 minutes");
    replicas.chunksRetry(Duration.ZERO);
    assertEquals(3, replicas.protocolVersion(A), "past it: asked for 3 again");
    replicas.chunksRetry(Duration.ofMinutes(10));
    assertEquals(3, replicas.protocolVersion(A), "and forgotten until it refuses again");
    replicas.refusedChunks(A);
    assertEquals(1, replicas.protocolVersion(A));
    assertThrows(IllegalArgumentException.class, () -> replicas.chunksRetry(Duration.ofSeconds(-1)));
  }

  @Test
  void withoutChunkDigestsHelloAnnouncesTheVersionsBefore3(@TempDir Path dir) {
    Replicas replicas = Replicas.of(A).chunkDigests(false);
    assertEquals(1, replicas.protocolVersion(A));
    assertEquals(2, replicas.trustKey(Optional.of(trustKey(dir))).protocolVersion(A));
  }

  static TrustKey trustKey(Path dir) {
    return ManifestSigner.load(Keys.signingKey(dir, "a")).publicKey();
  }

  @Test
  void inOrderStartsAtTheFirstAndAFailedServerIsTriedLast() {
    Replicas replicas = Replicas.of(List.of(A, B, C)).inOrder(true);
    assertEquals(List.of(A, B, C), replicas.connectOrder());
    replicas.failed(A);
    assertEquals(List.of(B, C, A), replicas.connectOrder());
    replicas.failed(C);  // not the one to try next: nothing changes
    assertEquals(List.of(B, C, A), replicas.connectOrder());
    replicas.failed(B);
    replicas.failed(C);
    assertEquals(List.of(A, B, C), replicas.connectOrder());
  }

  @Test
  void withoutInOrderTheFirstServerIsPickedAtRandom() {
    Set<ServerAddress> firsts = new HashSet<>();
    for (int i = 0; i < 300 && firsts.size() < 3; i++) {
      firsts.add(Replicas.of(List.of(A, B, C)).connectOrder().get(0));
    }
    assertEquals(Set.of(A, B, C), firsts, "each server comes first for some clients");
  }

  @Test
  void theServerAfterTheLastIsTheFirst() {
    Replicas replicas = Replicas.of(List.of(A, B, C));
    assertEquals(B, replicas.after(A));
    assertEquals(A, replicas.after(C));
    assertEquals(A, Replicas.of(A).after(A));
  }

  @Test
  void aConnectionFailureAndUnavailableSendToTheNextServerOtherErrorsDoNot() {
    assertTrue(Replicas.nextMayHelp(new ConnectionFailedException("cannot connect to a:7070: connection refused",
        null)));
    assertTrue(Replicas.nextMayHelp(new RemoteException(new ErrorMessage(ErrorCode.UNAVAILABLE, true,
        "the server is shutting down"))));
    assertFalse(Replicas.nextMayHelp(new RemoteException(new ErrorMessage(ErrorCode.NOT_FOUND, false,
        "no model named 'resnet'"))));
    assertFalse(Replicas.nextMayHelp(new ClientException("checksum mismatch for toynet:1")));
    assertFalse(Replicas.nextMayHelp(new ReplicaMismatchException("replica mismatch for toynet:1")));
  }

  @Test
  void givingUpNamesEveryServerAndTheLastErrorInOneLine() {
    ClientException last = new ConnectionFailedException("cannot connect to [::1]:7071: connection refused", null);
    ClientException e = Replicas.of(List.of(A, B, C)).giveUp("every server failed", last);
    assertEquals("every server failed (a:7070, b:7070, [::1]:7071); the last error: cannot connect to "
        + "[::1]:7071: connection refused", e.getMessage());
    assertSame(last, Replicas.of(A).giveUp("every server failed", last), "one server: its error as it is");
  }

  @Test
  void roundsAreAtLeastOne() {
    assertThrows(IllegalArgumentException.class, () -> Replicas.of(A).fetchRounds(0));
    assertThrows(IllegalArgumentException.class, () -> Replicas.of(List.of()));
  }
}
