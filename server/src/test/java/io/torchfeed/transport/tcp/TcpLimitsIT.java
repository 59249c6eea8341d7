package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.event.Event;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.NameLimit;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Notice;
import io.torchfeed.protocol.SubscribeRequest;
import io.torchfeed.protocol.Subscribed;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.support.Await;
import io.torchfeed.support.Descriptors;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every limit of the TCP protocol port against a real server configured with a small value of it (README,
 * Configuration; docs/protocol.md sections 2-4): what the client over the limit gets, that the others keep being
 * served, and what is released. The idle timeout at a short value is {@code IdleConnectionsIT}'s, the default
 * notice cap {@code SubscriptionIT}'s. Waits are {@link Await}'s: a deadline only bounds a failing test.
 */
class TcpLimitsIT {
  /** A model whose name has the longest length allowed, {@link ModelId#MAX_NAME_LENGTH}. */
  private static final String LONGEST_NAME = "m".repeat(ModelId.MAX_NAME_LENGTH);

  @TempDir
  static Path tmp;
  static Path repo;
  static Path big;

  @BeforeAll
  static void repository() throws IOException {
    repo = tmp.resolve("repo");
    big = Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 32, 23);
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve(LONGEST_NAME + "/1/model.pt"));
    TestServer.start(repo, tmp.resolve("cache")).close();
  }

  /** A server over the repository (validated once, then from the cache) with these limits. */
  private static TestServer server(ServerConfig.Limits limits) {
    return TestServer.start(TestServer.config(repo, tmp.resolve("cache"), Optional.empty(), limits, 0,
        new ServerConfig.Http(0, Optional.empty())));
  }

  @Test
  void atTheConnectionCapTheNextGetsAFatalUnavailableWhileTheOthersAreServedAndAFreedSlotIsTaken()
      throws Exception {
    try (TestServer server = server(TestServer.limits().withMaxConnections(3))) {
      List<WireClient> admitted = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          admitted.add(new WireClient(server.address()).hello());
        }
        try (WireClient refused = new WireClient(server.address())) {
          ErrorMessage error = assertFatal(ErrorCode.UNAVAILABLE, refused.readMessage());
          assertTrue(error.message().contains("limit of 3 connections"), error.message());
          assertTrue(refused.closedByServer());
        }
        for (WireClient client : admitted) {
          client.send(new ListRequest());
          assertInstanceOf(ListResult.class, client.readMessage());
        }
        admitted.remove(0).close();
        TcpServer tcp = server.server().tcpServer();
        Await.until(() -> tcp.activeConnections() == 2, "the closed connection to be counted out");
        try (WireClient next = new WireClient(server.address()).hello()) {
          next.send(new ListRequest());
          assertInstanceOf(ListResult.class, next.readMessage());
        }
      } finally {
        for (WireClient client : admitted) {
          client.close();
        }
      }
    }
  }

  @Test
  void aFrameOverTheConfiguredMaximumIsAFatalTooLargeAndOneOfExactlyTheMaximumIsAnswered() throws Exception {
    try (TestServer server = server(TestServer.limits().withMaxFrameBytes(256))) {
      try (WireClient wire = new WireClient(server.address()).hello()) {
        SubscribeRequest atTheLimit = new SubscribeRequest(List.of("a".repeat(125), "b".repeat(125)));
        assertEquals(5 + 256, MessageEncoder.encode(atTheLimit).length, "a payload of exactly 256 bytes");
        wire.send(atTheLimit);
        assertEquals(atTheLimit.names(), assertInstanceOf(Subscribed.class, wire.readMessage()).names());
        wire.send(new ListRequest());
        assertInstanceOf(ListResult.class, wire.readMessage());

        wire.sendRaw(new byte[] {0x03, 0, 0, 1, 1, 0, 1, 'x'});
        ErrorMessage error = assertFatal(ErrorCode.TOO_LARGE, wire.readMessage());
        assertTrue(error.message().contains("257") && error.message().contains("256"), error.message());
        assertTrue(wire.closedByServer());
      }
      try (WireClient other = new WireClient(server.address()).hello()) {
        other.send(new ListRequest());
        assertInstanceOf(ListResult.class, other.readMessage());
      }
    }
  }

  @Test
  void aNameOf129CharactersIsANonFatalBadRequestAndOneOf128IsServed() throws Exception {
    try (TestServer server = server(TestServer.limits());
        WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(new ManifestRequest("m".repeat(129), 0));
      ErrorMessage tooLong = assertNotFatal(ErrorCode.BAD_REQUEST, wire.readMessage());
      assertTrue(tooLong.message().contains("129 characters, at most 128"), tooLong.message());

      wire.send(new ManifestRequest(LONGEST_NAME, 0));
      assertEquals(LONGEST_NAME, assertInstanceOf(ManifestResult.class, wire.readMessage()).manifest().name());

      wire.send(new ManifestRequest(LONGEST_NAME + "@" + "a".repeat(129), 0));
      ErrorMessage aliasTooLong = assertNotFatal(ErrorCode.BAD_REQUEST, wire.readMessage());
      assertTrue(aliasTooLong.message().startsWith("invalid alias"), aliasTooLong.message());
      wire.send(new ManifestRequest(LONGEST_NAME + "@" + "a".repeat(128), 0));
      assertNotFatal(ErrorCode.NOT_FOUND, wire.readMessage());
    }
  }

  @Test
  void aConfiguredNameLengthRefusesLongerNamesInEveryRequestAndSkipsLongerModelsInTheRepository() throws Exception {
    try (TestServer server = server(TestServer.limits().withNames(new NameLimit(8)));
        WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(new ListRequest());
      List<String> listed = assertInstanceOf(ListResult.class, wire.readMessage()).listing().models().stream()
          .map(m -> m.name()).toList();
      assertEquals(List.of("big"), listed, "the 128-character model is skipped by the scan");

      for (Message request : List.of(new ManifestRequest(LONGEST_NAME, 0), new FetchRequest(LONGEST_NAME, 0, 0, 0),
          new ManifestRequest("big@ninechars", 0), new SubscribeRequest(List.of("ninechars")))) {
        wire.send(request);
        ErrorMessage refused = assertNotFatal(ErrorCode.BAD_REQUEST, wire.readMessage());
        assertTrue(refused.message().contains(" characters, at most 8 are allowed on this server")
            && !refused.message().contains("\n"), request + ": " + refused.message());
      }
      wire.send(new ManifestRequest("big", 0));
      assertEquals("big", assertInstanceOf(ManifestResult.class, wire.readMessage()).manifest().name());
      wire.send(new SubscribeRequest(List.of("eightchr")));
      assertInstanceOf(Subscribed.class, wire.readMessage());
    }
  }

  @Test
  void aRequestFrameStalledHalfWayIsAFatalBadRequestAfterTheRequestTimeoutWhileAnIdleClientStays()
      throws Exception {
    try (TestServer server = server(TestServer.limits().withRequestTimeout(Duration.ofSeconds(2)));
        WireClient idle = new WireClient(server.address()).hello();
        WireClient stalled = new WireClient(server.address()).hello()) {
      stalled.sendRaw(new byte[] {0x03, 0, 0, 0x03, (byte) 0xe8, 0, 5, 't', 'o', 'y'});
      InputStream answer = stalled.socket().getInputStream();
      // one more byte of the 1000 every 200 ms, four times: the client keeps sending, but its request never
      // completes. It stops well before the 2 s timeout: a byte that reached the server after it closed the
      // connection would be answered with a reset, which can drop the ERROR frame before it is read.
      ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
      AtomicInteger sent = new AtomicInteger();
      try {
        trickle.scheduleWithFixedDelay(() -> {
          if (sent.getAndIncrement() >= 4) {
            return;
          }
          try {
            stalled.sendRaw(new byte[] {'n'});
          } catch (IOException e) {
            throw new UncheckedIOException(e); // the server closed the connection: no more bytes
          }
        }, 200, 200, TimeUnit.MILLISECONDS);
        Await.until(() -> available(answer) > 0, "the server to answer the stalled request");
      } finally {
        trickle.shutdownNow();
        assertTrue(trickle.awaitTermination(1, TimeUnit.MINUTES));
      }
      ErrorMessage error = assertFatal(ErrorCode.BAD_REQUEST, stalled.readMessage());
      assertTrue(error.message().contains("--request-timeout"), error.message());
      assertTrue(stalled.closedByServer());

      idle.send(new ListRequest());
      assertInstanceOf(ListResult.class, idle.readMessage(), "no request in progress: only the idle timeout runs");
    }
  }

  @Test
  void aClientThatStopsReadingAFetchIsDisconnectedAfterTheWriteTimeoutAndItsFileReleased() throws Exception {
    try (TestServer server = server(TestServer.limits().withWriteTimeout(Duration.ofSeconds(2)))) {
      TcpServer tcp = server.server().tcpServer();
      PinnedFile file = server.server().catalog().current().resolve(ModelId.parse("big")).file();
      int references = file.references();
      long descriptors = Descriptors.open();
      String sha256 = RepositorySnapshot.sha256(big);
      try (RawDownload stalled = RawDownload.tcp(server.address(), "big", 4096)) {
        assertEquals(sha256, stalled.announcedSha256());
        try (RawDownload other = RawDownload.tcp(server.address(), "big", 0)) {
          assertEquals(sha256, other.finish(), "a client that reads is served meanwhile");
        }
        Await.until(() -> file.references() == references && tcp.activeConnections() == 0,
            "the stalled connection to be closed and its file released");
        assertThrows(IOException.class, stalled::finish, "the stream was cut short");
        assertTrue(stalled.received() < stalled.size());
      }
      Descriptors.awaitAtMost(descriptors, "the descriptors to be closed");
      try (RawDownload next = RawDownload.tcp(server.address(), "big", 0)) {
        assertEquals(sha256, next.finish());
      }
    }
  }

  @Test
  void theRawPortDisconnectsAClientThatStopsReadingAfterTheWriteTimeout() throws Exception {
    ServerConfig config = TestServer.config(repo, tmp.resolve("cache"), Optional.of(TestServer.raw("big",
        RawHeader.NONE)), TestServer.limits().withWriteTimeout(Duration.ofSeconds(2)), 0,
        new ServerConfig.Http(0, Optional.empty()));
    try (TestServer server = TestServer.start(config)) {
      PinnedFile file = server.server().catalog().current().resolve(ModelId.parse("big")).file();
      int references = file.references();
      try (java.net.Socket stalled = RawDownload.connect(server.server().rawAddress().orElseThrow(), 4096)) {
        Await.until(() -> file.references() > references, "the raw transfer to start");
        Await.until(() -> file.references() == references, "the stalled transfer's file to be released");
        long received = stalled.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(received < Files.size(big), received + " bytes: the transfer was cut short");
      }
    }
  }

  @Test
  void aSubscriberWithMoreThanTheConfiguredNoticesWaitingIsDroppedWithAFatalUnavailable() throws Exception {
    try (TestServer server = server(TestServer.limits().withMaxQueuedNotices(5));
        WireClient healthy = new WireClient(server.address()).hello();
        WireClient stalled = new WireClient(RawDownload.connect(server.address(), 4096)).hello()) {
      healthy.send(new SubscribeRequest(List.of("synthetic")));
      assertInstanceOf(Subscribed.class, healthy.readMessage());
      stalled.send(new SubscribeRequest(List.of("synthetic")));
      assertInstanceOf(Subscribed.class, stalled.readMessage());
      stalled.send(new FetchRequest("big", 0, 0, 0));
      FetchHeader header = assertInstanceOf(FetchHeader.class, stalled.readMessage());
      // the stalled client reads nothing more: the notices queue behind the FETCH payload it does not take
      for (int version = 1; version <= 6; version++) {
        server.server().events().publish(new Event.Removed("synthetic", version));
      }
      for (int version = 1; version <= 6; version++) {
        assertInstanceOf(Notice.class, healthy.readMessage());
      }
      for (long left = header.payloadSize(); left > 0; left -= 1 << 20) {
        stalled.readBytes(Math.min(left, 1 << 20));
      }
      Message next = stalled.readMessage();
      ErrorMessage error = assertFatal(ErrorCode.UNAVAILABLE, next);
      assertTrue(error.message().startsWith("subscriber too slow: more than 5 notices"), error.message());
      assertTrue(stalled.closedByServer());
    }
  }

  private static ErrorMessage assertFatal(ErrorCode code, Message message) {
    ErrorMessage error = assertInstanceOf(ErrorMessage.class, message);
    assertEquals(code, error.code(), error.message());
    assertTrue(error.fatal(), error.message());
    assertFalse(error.message().isBlank() || error.message().contains("\n"), error.message());
    return error;
  }

  private static ErrorMessage assertNotFatal(ErrorCode code, Message message) {
    ErrorMessage error = assertInstanceOf(ErrorMessage.class, message);
    assertEquals(code, error.code(), error.message());
    assertFalse(error.fatal(), error.message());
    assertFalse(error.message().isBlank() || error.message().contains("\n"), error.message());
    return error;
  }

  private static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
