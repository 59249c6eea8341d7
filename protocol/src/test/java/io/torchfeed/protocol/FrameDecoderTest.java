package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final List<String> FRAMED = List.of("01-hello.bin", "02-list.bin", "03-manifest.bin",
      "04-fetch.bin", "04-fetch-range.bin", "81-server-hello.bin", "82-list-result.bin",
      "83-manifest-result.bin", "ff-error.bin", "ff-error-fatal.bin");

  private final FrameDecoder decoder = new FrameDecoder(Protocol.MAX_RESPONSE_PAYLOAD);

  @Test
  void decodesAWholeFrame() {
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read("03-manifest.bin"));
    Frame frame = decoder.decode(in);
    assertEquals(Optional.of(FrameType.MANIFEST), frame.frameType());
    assertArrayEquals(new byte[] {0, 6, 't', 'o', 'y', 'n', 'e', 't', 0, 0, 0, 0}, frame.payload());
    assertFalse(in.hasRemaining());
    assertFalse(decoder.hasPartialFrame());
  }

  @Test
  void decodesFramesDeliveredOneByteAtATime() {
    byte[] stream = concat(FRAMED);
    List<Frame> frames = new ArrayList<>();
    for (byte b : stream) {
      Frame frame = decoder.decode(ByteBuffer.wrap(new byte[] {b}));
      if (frame != null) {
        frames.add(frame);
      }
    }
    assertEquals(expectedFrames(), frames);
  }

  @Test
  void decodesFramesDeliveredInRandomSplits() {
    byte[] stream = concat(FRAMED);
    Random random = new Random(20240601);
    for (int round = 0; round < 200; round++) {
      FrameDecoder fresh = new FrameDecoder(Protocol.MAX_RESPONSE_PAYLOAD);
      List<Frame> frames = new ArrayList<>();
      for (int at = 0; at < stream.length; ) {
        int n = Math.min(stream.length - at, 1 + random.nextInt(64));
        ByteBuffer chunk = ByteBuffer.wrap(stream, at, n);
        for (Frame frame; (frame = fresh.decode(chunk)) != null; ) {
          frames.add(frame);
        }
        assertFalse(chunk.hasRemaining(), "a chunk without raw bytes is consumed whole");
        at += n;
      }
      assertEquals(expectedFrames(), frames, "round " + round);
    }
  }

  @Test
  void twoFramesInOneBufferComeOutOneAtATime() {
    byte[] list = Fixtures.read("02-list.bin");
    ByteBuffer in = ByteBuffer.wrap(concat(List.of("01-hello.bin", "02-list.bin")));
    assertEquals(FrameType.HELLO.code(), decoder.decode(in).type());
    assertEquals(list.length, in.remaining(), "only the first frame is consumed");
    assertEquals(Frame.of(FrameType.LIST, new byte[0]), decoder.decode(in));
    assertNull(decoder.decode(in));
  }

  @Test
  void fetchHeaderLeavesTheRawBytesForTheCaller() {
    byte[] header = Fixtures.read("84-fetch-header.bin");
    ByteBuffer in = ByteBuffer.wrap(concat(List.of("84-fetch-header.bin", "ff-error.bin")));
    Frame frame = decoder.decode(in);
    assertEquals(FrameType.FETCH_HEADER.code(), frame.type());
    assertEquals(header.length - 17, Protocol.HEADER_LENGTH + frame.length());
    assertEquals(17 + Fixtures.read("ff-error.bin").length, in.remaining());
    in.position(in.position() + 17);
    assertEquals(FrameType.ERROR.code(), decoder.decode(in).type());
  }

  @Test
  void emptyInputYieldsNothing() {
    assertNull(decoder.decode(ByteBuffer.allocate(0)));
    assertFalse(decoder.hasPartialFrame());
  }

  @Test
  void reportsAPartialFrame() {
    assertNull(decoder.decode(ByteBuffer.wrap(new byte[] {0x02, 0, 0})));
    assertTrue(decoder.hasPartialFrame());
    assertNull(decoder.decode(ByteBuffer.wrap(new byte[] {0, 2, 9})));
    assertTrue(decoder.hasPartialFrame());
    assertEquals(new Frame(0x02, new byte[] {9, 8}), decoder.decode(ByteBuffer.wrap(new byte[] {8})));
    assertFalse(decoder.hasPartialFrame());
  }

  @Test
  void rejectsALengthOverTheMaximumFromTheHeaderAlone() {
    FrameDecoder server = new FrameDecoder(Protocol.MAX_REQUEST_PAYLOAD);
    ByteBuffer in = ByteBuffer.wrap(new byte[] {0x04, 0x01, 0, 0, 0, 0x55, 0x55});
    FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> server.decode(in));
    assertEquals(16_777_216, e.length());
    assertEquals("frame of 16777216 bytes exceeds the limit of 65536", e.getMessage());
    assertEquals(Protocol.HEADER_LENGTH, in.position(), "nothing past the header is read");
    assertTrue(e.fatal());
    assertEquals(ErrorCode.TOO_LARGE, e.errorCode());
  }

  @Test
  void acceptsALengthEqualToTheMaximumAndNotOneMore() {
    FrameDecoder small = new FrameDecoder(3);
    assertEquals(new Frame(0x02, new byte[] {1, 2, 3}),
        small.decode(ByteBuffer.wrap(new byte[] {0x02, 0, 0, 0, 3, 1, 2, 3})));
    assertThrows(FrameTooLargeException.class,
        () -> small.decode(ByteBuffer.wrap(new byte[] {0x02, 0, 0, 0, 4})));
  }

  @Test
  void rejectsLengthsThatAreNegativeAsSignedIntegers() {
    for (long length : new long[] {0x8000_0000L, 0xFFFF_FFFFL}) {
      FrameDecoder lenient = new FrameDecoder(Integer.MAX_VALUE);
      byte[] header =
          {0x02, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
      FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
          () -> lenient.decode(ByteBuffer.wrap(header)));
      assertEquals(length, e.length());
      assertEquals("frame of " + length + " bytes exceeds the limit of 2147483647", e.getMessage());
    }
  }

  @Test
  void refusesUseAfterAFramingError() {
    FrameDecoder small = new FrameDecoder(0);
    assertThrows(FrameTooLargeException.class,
        () -> small.decode(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1})));
    assertThrows(IllegalStateException.class,
        () -> small.decode(ByteBuffer.wrap(Fixtures.read("02-list.bin"))));
  }

  @Test
  void returnsAFrameOfUnknownTypeWithItsPayload() {
    byte[] unknownFrame = {0x7E, 0, 0, 0, 3, 1, 2, 3};
    ByteBuffer in = ByteBuffer.wrap(Fixtures.concat(unknownFrame, Fixtures.read("02-list.bin")));
    Frame unknown = decoder.decode(in);
    assertEquals(0x7E, unknown.type());
    assertEquals(Optional.empty(), unknown.frameType());
    assertArrayEquals(new byte[] {1, 2, 3}, unknown.payload());
    assertEquals(FrameType.LIST.code(), decoder.decode(in).type());
  }

  @Test
  void rejectsANegativeMaximum() {
    assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(-1));
  }

  private static List<Frame> expectedFrames() {
    List<Frame> frames = new ArrayList<>();
    for (String name : FRAMED) {
      byte[] bytes = Fixtures.read(name);
      byte[] payload = new byte[bytes.length - Protocol.HEADER_LENGTH];
      System.arraycopy(bytes, Protocol.HEADER_LENGTH, payload, 0, payload.length);
      frames.add(new Frame(bytes[0] & 0xFF, payload));
    }
    return frames;
  }

  private static byte[] concat(List<String> names) {
    return Fixtures.concat(names.stream().map(Fixtures::read).toArray(byte[][]::new));
  }
}
