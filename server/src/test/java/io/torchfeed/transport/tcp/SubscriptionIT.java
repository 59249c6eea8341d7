package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.Subscription;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.event.Event;
import io.torchfeed.bus.EventBus;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Notice;
import io.torchfeed.protocol.ReceiptOk;
import io.torchfeed.protocol.SubscribeRequest;
import io.torchfeed.protocol.Subscribed;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SUBSCRIBE, NOTICE and RECEIPT (docs/protocol.md 5.7-5.9) against a real server. */
class SubscriptionIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SHA = "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";

  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * Publishes a copy of a fixture as the next version. The copy is backdated: ModelRepository.publish rescans
   * right after its rename, and that scan skips a file younger than the settle window as still being written.
   */
  private static Manifest publish(String name, String fixture) throws Exception {
    Path upload = Files.createTempFile(tmp, "upload", ".pt");
    Files.copy(Fixtures.model(fixture), upload, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(upload, FileTime.from(Instant.now().minusSeconds(60)));
    return server.server().repository().publish(name, upload, true);
  }

  /** The next notice that is not a synthetic event of another test. */
  private static Event next(Subscription subscription) {
    Event event = subscription.next(WAIT).orElseThrow(() -> new AssertionError("no notice within " + WAIT));
    return event.name().startsWith("synthetic") ? next(subscription) : event;
  }

  @Test
  void aPublishIsNotifiedWithItsVersionAndSha256() throws Exception {
    try (TorchfeedClient client = server.client()) {
      Subscription subscription = client.subscribe(List.of("controlflow"));
      assertEquals(List.of("controlflow"), subscription.names());
      Manifest published = publish("controlflow", "controlflow");
      assertEquals(new Event.Published("controlflow", published.version(), published.sha256(), published.size()),
          next(subscription));
      assertEquals(published, client.manifest(published.id()), "the catalog already serves it, chunk digests too");
    }
  }

  @Test
  void aVersionDirectoryMovedIntoTheRepositoryIsNotified() throws Exception {
    try (TorchfeedClient client = server.client()) {
      Subscription subscription = client.subscribe(List.of("dtypes"));
      int next = client.manifest(ModelId.parse("dtypes")).version() + 1;
      Path staged = tmp.resolve("staging-dtypes");
      Fixtures.copy(Fixtures.model("dtypes"), staged.resolve("model.pt"));
      Files.move(staged, tmp.resolve("repo").resolve("dtypes").resolve(String.valueOf(next)),
          StandardCopyOption.ATOMIC_MOVE);
      Event.Published event = assertInstanceOf(Event.Published.class, next(subscription));
      assertEquals(next, event.version());
      assertEquals(Fixtures.golden("dtypes").sha256(), event.sha256());
    }
  }

  @Test
  void onlySubscribedModelsAreNotified() throws Exception {
    try (TorchfeedClient others = server.client(); TorchfeedClient all = server.client()) {
      Subscription bnnetOnly = others.subscribe(List.of("bnnet", "bnnet", "nonexistent"));
      assertEquals(List.of("bnnet", "nonexistent"), bnnetOnly.names(), "duplicates dropped, unknown kept");
      Subscription everything = all.subscribe(List.of());
      assertTrue(everything.all());
      server.server().repository().setAlias("toynet", "others-test", 1);
      assertEquals(new Event.AliasChanged("toynet", "others-test", 1), next(everything));
      server.server().repository().setAlias("bnnet", "others-test", 1);
      assertEquals(new Event.AliasChanged("bnnet", "others-test", 1), next(everything));
      assertEquals(new Event.AliasChanged("bnnet", "others-test", 1), next(bnnetOnly),
          "the toynet change came first and was not sent");
    }
  }

  @Test
  void aliasChangesAndRemovalsAreNotified() throws Exception {
    try (TorchfeedClient client = server.client()) {
      Subscription subscription = client.subscribe(List.of("toynet"));
      Manifest published = publish("toynet", "toynet");
      assertInstanceOf(Event.Published.class, next(subscription));
      server.server().repository().setAlias("toynet", "canary", published.version());
      assertEquals(new Event.AliasChanged("toynet", "canary", published.version()), next(subscription));
      server.server().repository().setAlias("toynet", "canary", 1);
      assertEquals(new Event.AliasChanged("toynet", "canary", 1), next(subscription));
      server.server().repository().delete(published.id());
      assertEquals(new Event.Removed("toynet", published.version()), next(subscription));
    }
  }

  @Test
  void subscribingAgainReplacesTheSetAndABadNameKeepsIt() throws Exception {
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(new SubscribeRequest(List.of("bnnet")));
      assertEquals(new Subscribed(List.of("bnnet")), wire.readMessage());
      wire.send(new SubscribeRequest(List.of("toynet@stable")));
      ErrorMessage alias = assertInstanceOf(ErrorMessage.class, wire.readMessage());
      assertEquals(ErrorCode.BAD_REQUEST, alias.code());
      assertFalse(alias.fatal());
      assertEquals(List.of("bnnet"), subscriptionsOf("wire-test/1"));
      wire.send(new SubscribeRequest(List.of("toynet")));
      assertEquals(new Subscribed(List.of("toynet")), wire.readMessage());
      server.server().repository().setAlias("bnnet", "replaced-test", 1);
      server.server().repository().setAlias("toynet", "replaced-test", 1);
      Message notice = wire.readMessage();
      while (((Notice) notice).event().name().startsWith("synthetic")) {
        notice = wire.readMessage();
      }
      assertEquals(new Notice(new Event.AliasChanged("toynet", "replaced-test", 1)), notice);
    }
  }

  /**
   * The subscriptions of the connected client whose HELLO named {@code software}; none (an empty list) while the
   * server has not yet read that client's HELLO, so a test can wait on it right after the client wrote it.
   */
  private static List<String> subscriptionsOf(String software) {
    return server.server().clients().snapshot().stream().filter(c -> c.software().equals(software))
        .findFirst().map(ClientInfo::subscriptions).orElse(List.of());
  }

  @Test
  void aReceiptIsKeptPerModelWithTheHelloLibTorchAndPublished() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    try (EventBus.Registration listening = server.server().events().addListener(events::add);
        TorchfeedClient client = TorchfeedClient.connect(server.serverAddress(), Duration.ofSeconds(5),
            Duration.ofSeconds(30), "1.13.1")) {
      client.subscribe(List.of());
      client.receipt(LoadReceipt.of("toynet", 1, SHA, LoadStatus.FAILED, "first try", ""));
      client.receipt(LoadReceipt.of("toynet", 1, SHA, LoadStatus.LOADED, "", ""));
      client.receipt(LoadReceipt.of("bnnet", 7, SHA, LoadStatus.FAILED, "Unknown builtin op", "2.1.0"));

      ClientInfo info = server.server().clients().snapshot().stream()
          .filter(c -> c.libtorch().equals("1.13.1")).findFirst().orElseThrow();
      assertTrue(info.software().startsWith("torchfeed-java/"), info.software());
      assertEquals(List.of(ClientInfo.ALL_MODELS), info.subscriptions());
      assertTrue(info.address().startsWith("127.0.0.1:"), info.address());
      assertEquals(2, info.receipts().size(), info.receipts().toString());
      ClientReceipt bnnet = info.receipts().get(0);
      assertEquals(List.of("bnnet", 7, SHA, LoadStatus.FAILED, "Unknown builtin op", "2.1.0"),
          List.of(bnnet.name(), bnnet.version(), bnnet.sha256(), bnnet.status(), bnnet.reason(), bnnet.libtorch()));
      ClientReceipt toynet = info.receipts().get(1);
      assertEquals(List.of("toynet", 1, LoadStatus.LOADED, "", "1.13.1"),
          List.of(toynet.name(), toynet.version(), toynet.status(), toynet.reason(), toynet.libtorch()),
          "the last receipt per model, with the LibTorch of HELLO");

      List<Event> receipts = events.stream().filter(e -> e instanceof Event.Receipt).toList();
      assertEquals(new Event.Receipt(info.id(), "toynet", 1, SHA, LoadStatus.LOADED, "", "1.13.1"),
          receipts.get(1));
      assertEquals(3, receipts.size());

      String json = new ObjectMapper().writeValueAsString(info);
      assertTrue(json.startsWith("{\"id\":\"" + info.id() + "\",\"address\":\"127.0.0.1:"), json);
      assertTrue(json.contains("\"subscriptions\":[\"*\"],\"receipts\":[{\"name\":\"bnnet\",\"version\":7,"
          + "\"sha256\":\"" + SHA + "\",\"status\":\"failed\",\"reason\":\"Unknown builtin op\","
          + "\"libtorch\":\"2.1.0\",\"at\":\""), json);
    }
  }

  @Test
  void aReceiptForABadNameIsABadRequestAndTheConnectionStays() throws Exception {
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(LoadReceipt.of("toynet@stable", 1, SHA, LoadStatus.LOADED, "", ""));
      ErrorMessage error = assertInstanceOf(ErrorMessage.class, wire.readMessage());
      assertEquals(ErrorCode.BAD_REQUEST, error.code());
      assertFalse(error.fatal());
      wire.send(LoadReceipt.of("toynet", 1, SHA, LoadStatus.LOADED, "", ""));
      assertEquals(new ReceiptOk(), wire.readMessage());
    }
  }

  @Test
  void fiveHundredIdleSubscribersAllHearOnePublishWithoutMoreThreads() throws Exception {
    var threads = ManagementFactory.getThreadMXBean();
    int before = threads.getThreadCount();
    List<WireClient> subscribers = new ArrayList<>();
    try {
      for (int i = 0; i < 500; i++) {
        WireClient wire = new WireClient(server.address()).hello();
        subscribers.add(wire);
        wire.send(new SubscribeRequest(List.of("bnnet")));
      }
      for (WireClient wire : subscribers) {
        assertEquals(new Subscribed(List.of("bnnet")), wire.readMessage());
      }
      int during = threads.getThreadCount();
      server.server().repository().setAlias("bnnet", "five-hundred", 1);
      Notice expected = new Notice(new Event.AliasChanged("bnnet", "five-hundred", 1));
      for (WireClient wire : subscribers) {
        assertEquals(expected, skipSynthetic(wire));
      }
      assertTrue(during <= before + 10, "threads before: " + before + ", with 500 subscribers: " + during);
      assertTrue(threads.getThreadCount() <= before + 10, "threads after the notice: " + threads.getThreadCount());
    } finally {
      for (WireClient wire : subscribers) {
        wire.close();
      }
    }
  }

  private static Message skipSynthetic(WireClient wire) throws Exception {
    Message message = wire.readMessage();
    while (message instanceof Notice n && n.event().name().startsWith("synthetic")) {
      message = wire.readMessage();
    }
    return message;
  }

  @Test
  void aSubscriberThatNeverReadsIsDroppedWithoutHoldingUpTheOthers() throws Exception {
    String name = "synthetic-" + "x".repeat(100);
    int count = 20_000;
    Socket stalled = new Socket();
    stalled.setReceiveBufferSize(4096);
    stalled.connect(server.address());
    stalled.setSoTimeout(30_000);
    OutputStream stalledOut = stalled.getOutputStream();
    stalledOut.write(MessageEncoder.encode(Hello.of("stalled/1", "")));
    stalledOut.write(MessageEncoder.encode(SubscribeRequest.all()));
    stalledOut.flush();
    try (TorchfeedClient healthy = server.client()) {
      Subscription subscription = healthy.subscribe(List.of(name));
      Await.until(() -> subscriptionsOf("stalled/1").equals(List.of(ClientInfo.ALL_MODELS)),
          "the stalled client's subscription to every model");
      int received = 0;
      for (int sent = 0; sent < count; ) {
        for (int i = 0; i < 100; i++, sent++) {
          server.server().events().publish(new Event.Removed(name, sent + 1));
        }
        while (received < sent - 200) {
          Event event = subscription.next(WAIT).orElseThrow();
          assertEquals(new Event.Removed(name, ++received), event, "in order, none lost");
        }
      }
      while (received < count) {
        assertEquals(new Event.Removed(name, ++received), subscription.next(WAIT).orElseThrow());
      }
    }
    try (WireClient reader = new WireClient(stalled)) {
      reader.readMessage();
      assertInstanceOf(Subscribed.class, reader.readMessage());
      int notices = 0;
      Message message = reader.readMessage();
      while (message instanceof Notice) {
        notices++;
        message = reader.readMessage();
      }
      ErrorMessage error = assertInstanceOf(ErrorMessage.class, message);
      assertEquals(ErrorCode.UNAVAILABLE, error.code());
      assertTrue(error.fatal());
      assertTrue(error.message().startsWith("subscriber too slow: more than 1000 notices were waiting"),
          error.message());
      assertTrue(notices < count, notices + " notices");
      assertTrue(reader.closedByServer());
    }
  }

  @Test
  void pipelinedAnswersStayInOrderWithNoticesOnlyBetweenFrames() throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    Thread publisher = new Thread(() -> {
      for (int i = 1; i <= 3000 && !Thread.currentThread().isInterrupted(); i++) {
        server.server().events().publish(new Event.Removed("synthetic-pipeline", i));
        if (i % 100 == 0) {
          try {
            // a pace, not a wait: spreads the notices over the time the answers go out so the two are likely to
            // meet; every check below holds for any interleaving, and none depends on how they met
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    });
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(new SubscribeRequest(List.of("synthetic-pipeline")));
      assertEquals(new Subscribed(List.of("synthetic-pipeline")), wire.readMessage());
      publisher.start();
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      for (int i = 0; i < 5; i++) {
        batch.write(MessageEncoder.encode(new ManifestRequest("toynet", 1)));
        batch.write(MessageEncoder.encode(new FetchRequest("toynet", 1, 0, 0)));
        batch.write(MessageEncoder.encode(new ManifestRequest("nope", 0)));
        batch.write(MessageEncoder.encode(new ListRequest()));
      }
      wire.sendRaw(batch.toByteArray());
      int[] lastNotice = {0};
      for (int i = 0; i < 5; i++) {
        assertEquals("toynet", assertInstanceOf(ManifestResult.class, answer(wire, lastNotice)).manifest().name());
        FetchHeader header = assertInstanceOf(FetchHeader.class, answer(wire, lastNotice));
        byte[] bytes = wire.readBytes(header.payloadSize());
        assertArrayEquals(file, bytes, "no notice inside the payload");
        assertEquals(ErrorCode.NOT_FOUND, assertInstanceOf(ErrorMessage.class, answer(wire, lastNotice)).code());
        assertInstanceOf(ListResult.class, answer(wire, lastNotice));
      }
      publisher.join();
      wire.send(new ListRequest());
      assertInstanceOf(ListResult.class, answer(wire, lastNotice));
      // Published is not delivered: a notice still queued for the connection's I/O thread when the LIST arrived
      // may follow its answer. The rest come after it, in order, and nothing else does.
      while (lastNotice[0] < 3000) {
        Notice notice = assertInstanceOf(Notice.class, wire.readMessage(), "only notices are left");
        if (notice.event().name().equals("synthetic-pipeline")) {
          assertEquals(new Event.Removed("synthetic-pipeline", ++lastNotice[0]), notice.event());
        }
      }
      assertEquals(3000, lastNotice[0], "every notice arrived, in order");
    } finally {
      publisher.interrupt();
    }
  }

  /** The next answer, checking that the notices before it continue the sequence. */
  private static Message answer(WireClient wire, int[] lastNotice) throws Exception {
    Message message = wire.readMessage();
    while (message instanceof Notice notice) {
      if (notice.event().name().equals("synthetic-pipeline")) {
        assertEquals(new Event.Removed("synthetic-pipeline", ++lastNotice[0]), notice.event());
      }
      message = wire.readMessage();
    }
    return message;
  }

  @Test
  void aSubscriberWaitingForNoticesIsNotIdleButAnIdleClientIsClosed() throws Exception {
    Path repo = tmp.resolve("idle-repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("1").resolve("model.pt"));
    try (TestServer quick = TestServer.start(repo, tmp.resolve("cache"), Optional.empty(),
        Duration.ofSeconds(3));
        TorchfeedClient subscriber = TorchfeedClient.connect(
            new ServerAddress("127.0.0.1", quick.address().getPort()))) {
      Subscription subscription = subscriber.subscribe(List.of("toynet"));
      // the subscriber's last byte (SUBSCRIBED) came before this connection's first: once it is closed as idle,
      // the subscriber has been silent for longer than the idle timeout too
      try (WireClient idle = new WireClient(quick.address()).hello()) {
        assertTrue(idle.closedByServer(), "a client connected after the subscription, sending nothing more, is "
            + "closed as idle");
      }
      quick.server().repository().setAlias("toynet", "still-here", 1);
      Optional<Event> notice = assertDoesNotThrow(() -> subscription.next(WAIT),
          "the subscriber, silent for longer than the idle timeout, is still connected");
      assertEquals(new Event.AliasChanged("toynet", "still-here", 1), notice.orElseThrow());
      assertEquals(1, subscriber.manifest(ModelId.parse("toynet")).version());
    }
  }
}
