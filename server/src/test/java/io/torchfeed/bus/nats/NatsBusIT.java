package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;
import io.torchfeed.event.Event;
import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.support.Await;
import io.torchfeed.support.NatsServer;
import io.torchfeed.support.TcpRelay;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Links of several replicas to a real {@code nats-server -js} (Debian's), in one JVM, no mocks. */
class NatsBusIT {
  private static final String CLUSTER = "it";
  private static final String SHA = "ab".repeat(32);
  private static final Event PUBLISHED = new Event.Published("toynet", 2, SHA, 257_596);
  private static final Event REMOVED = new Event.Removed("toynet", 1);
  private static final Event ALIAS = new Event.AliasChanged("toynet", "stable", 2);

  @TempDir
  Path dir;

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void aNoticePublishedByOneReplicaReachesTheOthersIntactButNotItself() {
    NatsServer nats = nats();
    Replica a = replica("a", nats.location()).listening();
    Replica b = replica("b", nats.location()).listening();
    Replica c = replica("c", nats.location()).listening();

    a.bus.publishNotice(PUBLISHED);
    a.bus.publishNotice(REMOVED);
    a.bus.publishNotice(ALIAS);

    List<BusMessage> expected = List.of(new BusMessage.CatalogNotice("a", PUBLISHED),
        new BusMessage.CatalogNotice("a", REMOVED), new BusMessage.CatalogNotice("a", ALIAS));
    assertEquals(expected, b.awaitHeard(3));
    assertEquals(expected, c.awaitHeard(3));
    // a's own three came back through the stream too: once it has taken them in, none was delivered to it
    Await.until(() -> a.count("in", "notice", "own") + a.count("in", "notice", "delivered") == 3,
        "a to take in its own three notices");
    assertEquals(List.of(), a.heard);
    assertEquals(3, a.count("in", "notice", "own"));
    assertEquals(3, a.count("out", "notice", "sent"));
    assertEquals(3, b.count("in", "notice", "delivered"));
  }

  @Test
  void aReceiptPublishedOnOneReplicaReachesAnotherWithWhatTheClientListShows() {
    NatsServer nats = nats();
    Replica a = replica("a", nats.location()).listening();
    Replica b = replica("b", nats.location()).listening();
    Event.Receipt receipt = new Event.Receipt("7", "toynet", 2, SHA, LoadStatus.FAILED, "bad magic", "2.10.0");
    BusMessage.Client client = new BusMessage.Client("10.0.0.5:51234", "torchfeed-cpp/0.1.0", "1.13.1",
        "2024-05-01T11:59:58.001Z", List.of("toynet", "resnet"));

    a.bus.publishReceipt(receipt, "2024-05-01T12:00:00.123Z", client);

    assertEquals(List.of(new BusMessage.ClientReceipt("a", receipt, "2024-05-01T12:00:00.123Z", client)),
        b.awaitHeard(1));
    assertEquals(1, b.count("in", "receipt", "delivered"));
  }

  @Test
  void afterTheBusStopsAndStartsAgainTheLinksReconnectByThemselvesAndANoticeFromTheOutageIsDroppedNotSentLate() {
    NatsServer nats = nats();
    Replica a = replica("a", nats.location()).listening();
    Replica b = replica("b", nats.location()).listening();
    Event before = new Event.Removed("before", 1);
    Event during = new Event.Removed("during", 1);
    Event after = new Event.Removed("after", 1);
    a.bus.publishNotice(before);
    b.awaitHeard(1);

    nats.stop();
    a.awaitState(BusHealth.State.DISCONNECTED);
    b.awaitState(BusHealth.State.DISCONNECTED);
    a.bus.publishNotice(during);
    assertEquals(1, a.count("out", "notice", "dropped"), "counted before publishNotice returned");

    nats.restart();
    a.awaitState(BusHealth.State.CONNECTED);
    b.awaitState(BusHealth.State.CONNECTED);
    a.bus.publishNotice(after);

    // stream order: had the outage's notice been stored, it would come before the one published after the restart
    assertEquals(List.of(new BusMessage.CatalogNotice("a", before), new BusMessage.CatalogNotice("a", after)),
        b.awaitHeard(2));
    Await.until(() -> a.count("out", "notice", "sent") == 2, "the stream to acknowledge the second notice");
    assertEquals(1, a.count("out", "notice", "dropped"));
    assertEquals(0, a.count("out", "notice", "failed"));
  }

  @Test
  void aReplicaCutOffFromTheBusGetsWhatTheOthersPublishedMeanwhileOnceItReconnects() throws Exception {
    NatsServer nats = nats();
    TcpRelay relay = new TcpRelay(nats.port());
    cleanup.add(relay);
    Replica a = replica("a", nats.location()).listening();
    Replica b = replica("b", relay.location()).listening();
    Event before = new Event.Removed("before", 1);
    a.bus.publishNotice(before);
    b.awaitHeard(1);

    relay.cut();
    b.awaitState(BusHealth.State.DISCONNECTED);
    List<Event> meanwhile = List.of(new Event.Removed("m", 1), new Event.Removed("m", 2), new Event.Removed("m", 3));
    meanwhile.forEach(a.bus::publishNotice);
    Await.until(() -> a.count("out", "notice", "sent") == 4, "the stream to acknowledge a's notices");

    relay.restore();
    List<BusMessage> expected = new ArrayList<>(List.of(new BusMessage.CatalogNotice("a", before)));
    meanwhile.forEach(e -> expected.add(new BusMessage.CatalogNotice("a", e)));
    assertEquals(expected, b.awaitHeard(4));
    assertEquals(BusHealth.State.CONNECTED, b.bus.health().state());
  }

  @Test
  void aBusThatComesBackWithoutItsStoreIsUsedAgainFromItsFirstMessage() {
    NatsServer nats = nats();
    Replica a = replica("a", nats.location()).listening();
    Replica b = replica("b", nats.location()).listening();
    List<Event> before = List.of(new Event.Removed("x", 1), new Event.Removed("x", 2), new Event.Removed("x", 3));
    before.forEach(a.bus::publishNotice);
    b.awaitHeard(3);

    nats.stop();
    b.awaitState(BusHealth.State.DISCONNECTED);
    nats.wipeStore();
    nats.restart();
    a.awaitState(BusHealth.State.CONNECTED);
    b.awaitState(BusHealth.State.CONNECTED);
    Event after = new Event.Removed("after", 1);
    // the new stream's first message: b's consumer stood after sequence 3 of the old one
    Await.until(() -> {
      a.bus.publishNotice(after);
      return a.count("out", "notice", "sent") > 3;
    }, "a to publish into the new stream");

    Await.until(() -> b.heard.size() > 3, "b to hear from the new stream");
    assertEquals(new BusMessage.CatalogNotice("a", after), b.heard.get(3));
  }

  @Test
  void linksStartingTogetherAgainstAFreshServerAllCreateOrFindTheStream() {
    NatsServer nats = nats();
    // each round a new cluster, so a new stream for four links to race for (the race is lost at different moments:
    // the server answers "name in use" or "subjects overlap")
    for (int round = 1; round <= 10; round++) {
      String cluster = "race" + round;
      List<Replica> replicas = new ArrayList<>();
      for (String id : List.of("a", "b", "c", "d")) {
        replicas.add(new Replica(id, cluster, nats.location()));
      }
      replicas.forEach(Replica::listening);
      for (Replica r : replicas) {
        // a lost creation race must not surface as an error (a transient one, e.g. a JetStream API time-out on a
        // loaded machine, may: the delivery below is what proves the link works)
        String error = r.bus.health().lastError();
        assertFalse(error.contains("10058") || error.contains("10065") || error.contains("in use")
            || error.contains("overlap"), cluster + " " + r.id + ": " + error);
      }

      replicas.get(3).bus.publishNotice(PUBLISHED);
      for (Replica r : replicas.subList(0, 3)) {
        assertEquals(List.of(new BusMessage.CatalogNotice("d", PUBLISHED)), r.awaitHeard(1), cluster + " " + r.id);
      }
      replicas.forEach(Replica::close);
    }
  }

  @Test
  void aStreamSomeoneElseCreatedWithOtherSettingsIsUsedAsItIs() throws Exception {
    NatsServer nats = nats();
    StreamConfiguration edited = StreamConfiguration.builder(new FleetStream(new Subjects(CLUSTER)).configuration())
        .maxAge(Duration.ofHours(6)).build();
    try (Connection operator = Nats.connect(nats.location().urls().get(0))) {
      operator.jetStreamManagement().addStream(edited);

      Replica a = replica("a", nats.location()).listening();
      Replica b = replica("b", nats.location()).listening();
      a.bus.publishNotice(PUBLISHED);

      assertEquals(List.of(new BusMessage.CatalogNotice("a", PUBLISHED)), b.awaitHeard(1));
      assertEquals("", a.bus.health().lastError());
      assertEquals(Duration.ofHours(6),
          operator.jetStreamManagement().getStreamInfo("TORCHFEED_" + CLUSTER).getConfiguration().getMaxAge());
    }
  }

  @Test
  void publishingWithNoServerReturnsAtOnceAndCountsADrop() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Replica a = replica("a", BusLocation.parse("nats://127.0.0.1:" + port));

    a.bus.publishNotice(PUBLISHED);
    a.bus.publishReceipt(new Event.Receipt("1", "toynet", 2, SHA, LoadStatus.LOADED, "", "2.10.0"),
        "2024-05-01T12:00:00Z", new BusMessage.Client("127.0.0.1:1", "", "", "2024-05-01T11:00:00Z", List.of()));

    assertEquals(1, a.count("out", "notice", "dropped"), "counted before publishNotice returned");
    assertEquals(1, a.count("out", "receipt", "dropped"), "counted before publishReceipt returned");
    assertEquals(BusHealth.State.CONNECTING, a.bus.health().state());
    a.bus.close();
    assertEquals(BusHealth.State.CLOSED, a.bus.health().state());
  }

  private NatsServer nats() {
    NatsServer server = NatsServer.start(dir.resolve("nats"));
    cleanup.add(server);
    return server;
  }

  private Replica replica(String id, BusLocation location) {
    Replica replica = new Replica(id, location);
    cleanup.add(replica);
    return replica;
  }

  /** One replica's link, with what it heard and counted. */
  private static final class Replica implements AutoCloseable {
    final String id;
    final Metrics metrics = new Metrics();
    final List<BusMessage> heard = new CopyOnWriteArrayList<>();
    final NatsBus bus;

    Replica(String id, BusLocation location) {
      this(id, CLUSTER, location);
    }

    Replica(String id, String cluster, BusLocation location) {
      this.id = id;
      this.bus = NatsBus.start(new NatsBus.Settings(location, cluster, id), metrics, heard::add);
    }

    Replica listening() {
      Await.until(() -> bus.health().listening(), () -> id + " to listen: " + bus.health());
      return this;
    }

    void awaitState(BusHealth.State state) {
      Await.until(() -> bus.health().state() == state, () -> id + " to be " + state + ": " + bus.health());
    }

    /** Waits until it heard {@code n} messages, and returns what it heard then (more would be a failure). */
    List<BusMessage> awaitHeard(int n) {
      Await.until(() -> heard.size() >= n, () -> id + " to hear " + n + " messages: " + heard);
      return List.copyOf(heard);
    }

    double count(String direction, String kind, String outcome) {
      Matcher m = Pattern.compile("^torchfeed_bus_messages_total\\{direction=\"" + direction + "\",kind=\"" + kind
          + "\",outcome=\"" + outcome + "\"} (\\S+)$", Pattern.MULTILINE).matcher(metrics.scrape());
      return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Override
    public void close() {
      bus.close();
      metrics.close();
    }
  }
}
