package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerAddressTest {
  @Test
  void oneServerAsBefore() {
    assertEquals(new ServerAddress("localhost", 7070), ServerAddress.parse("localhost:7070"));
    assertEquals(new ServerAddress("::1", 9), ServerAddress.parse("[::1]:9"));
    assertEquals(new ServerAddress("models", 7070), ServerAddress.parse("models"));
    assertEquals("[::1]:9", new ServerAddress("::1", 9).toString());
  }

  @Test
  void aListOfReplicasIsParsedInOrder() {
    assertEquals(List.of(new ServerAddress("a.example", 7070), new ServerAddress("10.0.0.2", 7071),
            new ServerAddress("::1", 7072), new ServerAddress("b", 7070)),
        ServerAddress.parseList("a.example:7070,10.0.0.2:7071,[::1]:7072,b"));
    assertEquals(List.of(new ServerAddress("localhost", 7070)), ServerAddress.parseList("localhost:7070"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a:7070,", ",a:7070", "a:7070,,b:7070", "a:0", "a:65536", "a:x", ":7070",
      "a:7070,b:y"})
  void aBadListIsRefusedInOneLine(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerAddress.parseList(text));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }
}
