package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class RawHeaderTest {
  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  @Test
  void encodesTheSizeBigEndian() {
    assertArrayEquals(new byte[0], bytes(RawHeader.NONE.encode(257596)));
    assertArrayEquals(new byte[] {0, 3, (byte) 0xee, 0x3c}, bytes(RawHeader.U32.encode(257596)));
    assertArrayEquals(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}, bytes(RawHeader.U64.encode(1L << 32)));
  }

  @Test
  void u32IsSignedAndRefuses2GiBOrMore() {
    assertEquals(Integer.MAX_VALUE, RawHeader.U32.encode(Integer.MAX_VALUE).getInt(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RawHeader.U32.encode(1L << 31));
    assertEquals(true, e.getMessage().contains("--raw-header u64"));
  }
}
