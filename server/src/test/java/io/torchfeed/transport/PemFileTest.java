package io.torchfeed.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PEM blocks without files: labels, order, text around them, line breaks, bad base64. */
class PemFileTest {
  @Test
  void readsEveryBlockInOrderAndIgnoresTheTextAroundThem() {
    String text = "Bag Attributes\n    friendlyName: server\n"
        + "-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n"
        + "subject=CN = ca\n"
        + "-----BEGIN CERTIFICATE-----\r\nBQY=\r\n-----END CERTIFICATE-----\r\n"
        + "-----BEGIN PRIVATE KEY-----\nBwg=\n-----END PRIVATE KEY-----\n";
    List<PemFile.Block> blocks = PemFile.parse(text);
    assertEquals(List.of("CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"),
        blocks.stream().map(PemFile.Block::label).toList());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, blocks.get(0).der());
    assertArrayEquals(new byte[] {5, 6}, blocks.get(1).der());
    assertArrayEquals(new byte[] {7, 8}, blocks.get(2).der());
  }

  @Test
  void aBlockWhoseEndDoesNotMatchItsBeginIsNotABlock() {
    assertEquals(List.of(), PemFile.parse("-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n"));
    assertEquals(List.of(), PemFile.parse("not PEM at all"));
  }

  @Test
  void badBase64IsRefusedWithTheLabel() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PemFile.parse("-----BEGIN PRIVATE KEY-----\nAQI=AQI=\n-----END PRIVATE KEY-----"));
    assertEquals("the PRIVATE KEY block is not valid base64", e.getMessage());
  }
}
