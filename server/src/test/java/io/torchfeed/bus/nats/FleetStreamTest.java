package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.support.JsonParser;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetStreamTest {
  private final FleetStream stream = new FleetStream(new Subjects("prod"));

  @Test
  void keepsLittleOnFileForAnHour() {
    StreamConfiguration c = stream.configuration();
    assertEquals("TORCHFEED_prod", c.getName());
    assertEquals(List.of("torchfeed.prod.>"), c.getSubjects());
    assertEquals(StorageType.File, c.getStorageType());
    assertEquals(Duration.ofHours(1), c.getMaxAge());
    assertEquals(10_000, c.getMaxMsgsPerSubject());
    assertEquals(64L << 20, c.getMaxBytes());
    assertEquals(DiscardPolicy.Old, c.getDiscardPolicy());
    assertEquals(1, c.getReplicas());
  }

  @Test
  void aCreateThatLostTheRaceFindsTheStreamTheWinnerCreated() throws Exception {
    StreamInfo existing = info("{\"config\":{\"name\":\"TORCHFEED_prod\",\"subjects\":[\"torchfeed.prod.>\"]}}");
    for (int code : new int[] {10058, 10065}) {
      JetStreamManagement jsm = jsm(error(code), existing);
      assertSame(existing, stream.ensure(jsm), "after " + code);
    }
  }

  @Test
  void aCreateRefusedWhenTheStreamIsNotThereIsThrown() {
    JetStreamApiException refused = error(10052);
    JetStreamApiException e = assertThrows(JetStreamApiException.class,
        () -> stream.ensure(jsm(refused, error(10059))));
    assertSame(refused, e);
    assertEquals(10059, ((JetStreamApiException) e.getSuppressed()[0]).getApiErrorCode());
  }

  private static StreamInfo info(String json) throws Exception {
    return new StreamInfo(JsonParser.parse(json));
  }

  private static JetStreamApiException error(int code) {
    try {
      info("{\"error\":{\"code\":400,\"err_code\":" + code + ",\"description\":\"refused\"}}").throwOnHasError();
      throw new AssertionError("no error");
    } catch (JetStreamApiException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A server whose create refuses with {@code refused} and whose lookup returns or throws {@code lookup}. */
  private static JetStreamManagement jsm(JetStreamApiException refused, Object lookup) {
    return (JetStreamManagement) Proxy.newProxyInstance(FleetStreamTest.class.getClassLoader(),
        new Class<?>[] {JetStreamManagement.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "addStream" -> throw refused;
            case "getStreamInfo" -> {
              if (lookup instanceof JetStreamApiException e) {
                throw e;
              }
              return lookup;
            }
            default -> throw new UnsupportedOperationException(method.getName());
          }
        });
  }
}
