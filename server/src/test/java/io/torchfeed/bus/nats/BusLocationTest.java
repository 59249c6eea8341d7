package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BusLocationTest {
  @Test
  void oneServer() {
    BusLocation location = BusLocation.parse("nats://nats-1:4222");
    assertEquals(List.of(new BusLocation.Server("nats-1", 4222)), location.servers());
    assertEquals(List.of("nats://nats-1:4222"), location.urls());
    assertEquals("nats://nats-1:4222", location.toString());
  }

  @Test
  void severalServersOfOneClusterInTheOrderGiven() {
    BusLocation location = BusLocation.parse("nats://nats-2.example.com:4222,10.0.0.7:4223,[::1]:4224");
    assertEquals(List.of(new BusLocation.Server("nats-2.example.com", 4222), new BusLocation.Server("10.0.0.7", 4223),
        new BusLocation.Server("::1", 4224)), location.servers());
    assertEquals(List.of("nats://nats-2.example.com:4222", "nats://10.0.0.7:4223", "nats://[::1]:4224"),
        location.urls());
    assertEquals("nats://nats-2.example.com:4222,10.0.0.7:4223,[::1]:4224", location.toString());
  }

  @Test
  void laterEntriesMayRepeatTheSchemeAndSpacesAroundEntriesAreIgnored() {
    assertEquals(BusLocation.parse("nats://a:1,b:2"), BusLocation.parse(" NATS://a:1 , nats://b:2 "));
  }

  @Test
  void whatParseReadsToStringWrites() {
    BusLocation location = BusLocation.parse("nats://a:1, nats://[fe80::1]:2");
    assertEquals(location, BusLocation.parse(location.toString()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                         | it must start with nats://",
      "nats-1:4222                | it must start with nats://",
      "tls://nats-1:4222          | it must start with nats://",
      "nats://                    | an empty server entry",
      "nats://a:1,,b:2            | an empty server entry",
      "nats://a:1,                | an empty server entry",
      "nats://nats-1              | 'nats-1' is not HOST:PORT (the port is required",
      "nats://nats-1:             | 'nats-1:' is not HOST:PORT",
      "nats://nats-1:http         | 'nats-1:http' is not HOST:PORT",
      "nats://::1:4222            | '::1:4222' is not HOST:PORT",
      "nats://nats-1:0            | port 0 of 'nats-1:0' is not from 1 to 65535",
      "nats://nats-1:65536        | port 65536 of 'nats-1:65536' is not from 1 to 65535",
      "nats://nats-1:123456       | 'nats-1:123456' is not HOST:PORT",
      "nats://user:pw@nats-1:4222 | credentials in the location are not supported",
      "nats://nats-1:4222/x       | 'nats-1:4222/x' has a path or query",
      "nats://-bad-:4222          | '-bad-' is not a host name or address",
      "nats://a b:4222            | 'a b' is not a host name or address",
      "nats://a:1,a:1             | 'a:1' is listed twice",
  })
  void refusesWithOneLineNamingTheProblem(String text, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BusLocation.parse(text));
    assertTrue(e.getMessage().startsWith("bad bus location '" + text + "': "), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void controlCharactersAreNotEchoed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BusLocation.parse("nats://a\n:1"));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
