package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.OlderServer;
import io.torchfeed.support.TamperingProxy;
import io.torchfeed.support.TcpRelay;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads of a model of three chunks (toynet padded with 20 MiB: two of 8 MiB and a shorter one) from real
 * servers speaking protocol version 3: every chunk checked as it arrives, a flipped byte named by its chunk with
 * nothing written or left, resumption at a chunk boundary (a .part, a transfer into memory or a file cut by a
 * {@link TcpRelay}), and a server older than version 3 ({@link OlderServer}), asked again with version 1 and checked
 * by the whole file, and asked for 3 again once {@link Replicas#chunksRetry} has passed.
 */
class ChunksIT {
  static final int CHUNK = ChunkDigests.DEFAULT_SIZE;
  static final ModelId BIG = ModelId.parse("big");

  @TempDir
  static Path tmp;
  static byte[] file;
  static TestServer a;
  static TestServer b;

  @BeforeAll
  static void start() throws IOException {
    Path repo = tmp.resolve("repo");
    file = Files.readAllBytes(Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 20, 3));
    a = TestServer.start(repo, tmp.resolve("cache-a"));
    b = TestServer.start(repo, tmp.resolve("cache-b"));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  static String sha256(byte[] bytes, int from, int to) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(bytes, from, to)));
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  static ServerAddress at(InetSocketAddress address) {
    return new ServerAddress("127.0.0.1", address.getPort());
  }

  static List<Path> leftIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> !p.equals(dir)).toList();
    }
  }

  /** Flips the byte at {@code at} of the payload of every FETCH. */
  static TamperingProxy.Tamper flipAt(long at) {
    return new TamperingProxy.Tamper() {
      @Override
      public void raw(byte[] chunk, int length, long offset) {
        if (offset <= at && at < offset + length) {
          chunk[(int) (at - offset)] ^= 1;
        }
      }
    };
  }

  @Test
  void everyChunkOfTheFileIsCheckedIntoMemoryAFileAndAScratchFile() throws Exception {
    assertTrue(file.length > 2 * CHUNK && file.length < 3 * CHUNK, file.length + " bytes");
    Path target = tmp.resolve("whole.pt");
    Path root = Files.createDirectories(tmp.resolve("scratch-whole"));
    try (TorchfeedClient client = a.client()) {
      assertEquals(Protocol.CHUNKS_VERSION, client.serverHello().protocolVersion(), "version 3 by default");
      MemoryDownload.Result memory = new MemoryDownload(client).download(BIG, null);
      ChunkDigests chunks = memory.manifest().chunkDigests().orElseThrow();
      assertEquals(List.of(sha256(file, 0, CHUNK), sha256(file, CHUNK, 2 * CHUNK), sha256(file, 2 * CHUNK,
          file.length)), chunks.digests());
      assertArrayEquals(file, bytes(memory.bytes()));
      FileDownload.Result written = new FileDownload(client).download(BIG, target, null);
      assertEquals(memory.manifest(), written.manifest());
      assertArrayEquals(file, Files.readAllBytes(target));
      try (ScratchFile scratch = ScratchFile.download(client, BIG, root, null)) {
        assertArrayEquals(file, Files.readAllBytes(scratch.path()));
      }
    }
  }

  @Test
  void aFlippedByteIsNamedByItsChunkAndNothingIsWrittenOrLeftBehind() throws Exception {
    long at = CHUNK + 1000;  // in chunk 1
    byte[] flipped = file.clone();
    flipped[(int) at] ^= 1;
    String expected = "chunk 1 of big:1 (offset " + CHUNK + ") hashes to " + sha256(flipped, CHUNK, 2 * CHUNK)
        + ", the manifest says " + sha256(file, CHUNK, 2 * CHUNK) + "; the bytes received were discarded";
    Path target = tmp.resolve("flipped.pt");
    Path root = Files.createDirectories(tmp.resolve("scratch-flipped"));
    try (TamperingProxy proxy = new TamperingProxy(a.address(), flipAt(at));
        TorchfeedClient client = TorchfeedClient.connect(at(proxy.address()))) {
      ChecksumMismatchException toFile = assertThrows(ChecksumMismatchException.class,
          () -> new FileDownload(client).download(BIG, target, null));
      assertEquals(expected, toFile.getMessage());
      assertEquals(List.of(), leftIn(tmp).stream().filter(p -> p.getFileName().toString().startsWith("flipped"))
          .toList(), "neither the file nor its .part");
    }
    try (TamperingProxy proxy = new TamperingProxy(a.address(), flipAt(at));
        TorchfeedClient client = TorchfeedClient.connect(at(proxy.address()))) {
      ChecksumMismatchException toScratch = assertThrows(ChecksumMismatchException.class,
          () -> ScratchFile.download(client, BIG, root, null));
      assertEquals(expected, toScratch.getMessage());
      assertEquals(List.of(), leftIn(root), "nothing that a loader could be handed");
    }
    try (TamperingProxy proxy = new TamperingProxy(a.address(), flipAt(at));
        TorchfeedClient client = TorchfeedClient.connect(at(proxy.address()))) {
      assertEquals(expected, assertThrows(ChecksumMismatchException.class,
          () -> new MemoryDownload(client).download(BIG, null)).getMessage());
    }
  }

  @Test
  void aPartFileIsResumedAtTheStartOfItsFirstChunkNotWhollyWrittenAndItsWholeChunksAreChecked()
      throws Exception {
    Path target = tmp.resolve("resumed.pt");
    Path part = tmp.resolve("resumed.pt.part");
    Path marker = tmp.resolve("resumed.pt.part.sha256");
    String sha256 = sha256(file, 0, file.length);
    Files.write(part, Arrays.copyOf(file, CHUNK + 100_000));
    Files.writeString(marker, sha256, StandardCharsets.US_ASCII);
    FailoverIT.Offsets offsets = new FailoverIT.Offsets();
    try (TorchfeedClient client = a.client()) {
      FileDownload.Result result = new FileDownload(client).download(BIG, target, offsets);
      assertEquals(CHUNK, result.resumedFrom());
    }
    assertEquals(List.of((long) CHUNK), offsets.seen(), "one chunk sent again at most");
    assertArrayEquals(file, Files.readAllBytes(target));
    assertFalse(Files.exists(part));

    byte[] bad = Arrays.copyOf(file, CHUNK + 100_000);
    bad[5000] ^= 1;  // in the .part's whole chunk 0, which the client did not receive now
    Path corrupt = tmp.resolve("corrupt.pt");
    Files.write(tmp.resolve("corrupt.pt.part"), bad);
    Files.writeString(tmp.resolve("corrupt.pt.part.sha256"), sha256, StandardCharsets.US_ASCII);
    try (TorchfeedClient client = a.client()) {
      ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
          () -> new FileDownload(client).download(BIG, corrupt, null));
      assertTrue(e.getMessage().startsWith("chunk 0 of big:1 (offset 0) hashes to " + sha256(bad, 0, CHUNK)),
          e.getMessage());
    }
    assertFalse(Files.exists(corrupt));
    assertFalse(Files.exists(tmp.resolve("corrupt.pt.part")), "the bad partial file is discarded");
  }

  /** A download on a, whose connection is cut in chunk 1, then b; returns the offsets of its FETCHes. */
  static List<Long> cutInChunk1(Download download) throws Exception {
    FailoverIT.Offsets offsets = new FailoverIT.Offsets();
    try (TcpRelay dying = new TcpRelay(a.address().getPort())) {
      dying.cutAfter(CHUNK + CHUNK / 2);
      Replicas replicas = Replicas.of(List.of(new ServerAddress("127.0.0.1", dying.port()), b.serverAddress()))
          .inOrder(true);
      try (TorchfeedClient client = replicas.connect()) {
        assertArrayEquals(file, download.bytes(client, offsets));
        assertFalse(client.isOpen(), "the connection cut");
      }
    }
    return offsets.seen();
  }

  /** Downloads big and returns its bytes. */
  interface Download {
    byte[] bytes(TorchfeedClient client, TorchfeedClient.Progress progress) throws Exception;
  }

  @Test
  void aTransferCutMidStreamResumesOnTheNextServerAtAChunkBoundary() throws Exception {
    assertEquals(List.of(0L, (long) CHUNK), cutInChunk1((client, offsets) -> bytes(new MemoryDownload(client)
        .download(BIG, offsets).bytes())), "chunk 1 again from b, whole");
  }

  @Test
  void aFileDownloadCutMidStreamResumesOnTheNextServerAtAChunkBoundaryAndKeepsTheWholeChunkBefore()
      throws Exception {
    Path target = tmp.resolve("failover.pt");
    assertEquals(List.of(0L, (long) CHUNK), cutInChunk1((client, offsets) -> {
      FileDownload.Result result = new FileDownload(client).download(BIG, target, offsets);
      assertEquals(0, result.resumedFrom(), "no .part before");
      return Files.readAllBytes(target);
    }), "chunk 0 kept in the .part, chunk 1 again from b, whole");
    assertEquals(List.of(target), leftIn(tmp).stream().filter(p -> p.getFileName().toString()
        .startsWith("failover")).toList(), "no .part left");
  }

  @Test
  void aServerOlderThanVersion3IsAskedAgainWithVersion1AndTheWholeFileIsChecked() throws Exception {
    try (OlderServer older = new OlderServer(a.address())) {
      Replicas replicas = Replicas.of(new ServerAddress("127.0.0.1", older.port()));
      try (TorchfeedClient client = replicas.connect()) {
        assertEquals(Protocol.VERSION, client.serverHello().protocolVersion());
        MemoryDownload.Result result = new MemoryDownload(client).download(BIG, null);
        assertTrue(result.manifest().chunkDigests().isEmpty());
        assertArrayEquals(file, bytes(result.bytes()));
      }
      try (TorchfeedClient again = replicas.connect()) {
        assertEquals(Protocol.VERSION, again.serverHello().protocolVersion());
      }
      assertEquals(List.of(3, 1, 1), older.hellos(), "remembered for that server");
      try (TamperingProxy proxy = new TamperingProxy(new InetSocketAddress("127.0.0.1", older.port()),
          flipAt(CHUNK + 1000));
          TorchfeedClient client = TorchfeedClient.connect(at(proxy.address()))) {
        byte[] flipped = file.clone();
        flipped[CHUNK + 1000] ^= 1;
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
            () -> new MemoryDownload(client).download(BIG, null));
        assertEquals("checksum mismatch for big:1: got sha256 " + sha256(flipped, 0, file.length)
            + ", the server announced " + sha256(file, 0, file.length) + "; the bytes received were discarded",
            e.getMessage());
      }
    }
  }

  @Test
  void aServerThatRefusedVersion3IsAskedForItAgainAfterChunksRetry() throws Exception {
    try (OlderServer older = new OlderServer(a.address())) {
      Replicas replicas = Replicas.of(new ServerAddress("127.0.0.1", older.port())).chunksRetry(Duration.ZERO);
      for (int i = 0; i < 2; i++) {
        try (TorchfeedClient client = replicas.connect()) {
          assertEquals(Protocol.VERSION, client.serverHello().protocolVersion());
        }
      }
      assertEquals(List.of(3, 1, 3, 1), older.hellos(), "each new connection past the retry asks for 3 again");
    }
  }

  @Test
  void chunkDigestsFalseSpeaksTheVersionsBefore3() {
    try (TorchfeedClient client = Replicas.of(a.serverAddress()).chunkDigests(false).connect()) {
      assertEquals(Protocol.VERSION, client.serverHello().protocolVersion());
      Manifest manifest = new MemoryDownload(client).download(BIG, null).manifest();
      assertTrue(manifest.chunkDigests().isEmpty());
    }
  }
}
