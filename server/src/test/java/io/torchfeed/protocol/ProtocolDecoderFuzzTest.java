package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.torchfeed.support.Allocations;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Arbitrary bytes through {@link FrameDecoder}, delivered whole and in arbitrary pieces, then each frame
 * through {@link MessageDecoder} (docs/fuzzing.md). What may happen: frames no longer than the maximum, a
 * {@link ProtocolException} with a one-line message, and after a {@link FrameTooLargeException} the decoder's
 * {@link IllegalStateException}; anything else fails, as does allocating far more than the input and the
 * maximum account for. The seeds are the golden frames, test-fixtures/protocol/ (links in
 * {@code ProtocolDecoderFuzzTestInputs/}); in a plain {@code mvn test} only they run.
 */
class ProtocolDecoderFuzzTest {
  /** A small maximum, so that the fuzzer reaches FrameTooLarge with short inputs as well. */
  private static final int SMALL_MAX = 64;

  @FuzzTest(maxDuration = "5m")
  void decodesOrRejects(byte[] input) {
    for (int max : new int[] {Protocol.MAX_REQUEST_PAYLOAD, SMALL_MAX}) {
      long budget = Allocations.FUZZER_SLACK + 6L * max + 64L * input.length;
      long allocated = Allocations.measure(budget, () -> {
        Outcome whole = decode(input, max, null);
        Outcome pieces = decode(input, max, new Random(Arrays.hashCode(input) ^ max));
        assertEquals(whole, pieces, "the same bytes in pieces decode differently");
      });
      assertTrue(allocated <= budget, "decoding " + input.length + " bytes (maximum " + max + ") allocated "
          + allocated + " bytes");
    }
  }

  /**
   * What the decoders made of the stream: one entry per frame (its message or the exception's class and
   * message), then how the stream ended.
   */
  private record Outcome(List<String> frames, String end) {}

  private static Outcome decode(byte[] stream, int max, Random pieces) {
    FrameDecoder decoder = new FrameDecoder(max);
    List<String> frames = new ArrayList<>();
    int at = 0;
    while (at < stream.length) {
      int n = pieces == null ? stream.length - at : 1 + pieces.nextInt(Math.min(stream.length - at, 32));
      ByteBuffer in = ByteBuffer.wrap(stream, at, n);
      try {
        for (Frame frame; (frame = decoder.decode(in)) != null; ) {
          assertTrue(frame.length() <= max, frame + " is over the maximum of " + max);
          frames.add(message(frame));
        }
      } catch (FrameTooLargeException e) {
        oneLine(e);
        assertThrows(IllegalStateException.class, () -> decoder.decode(ByteBuffer.allocate(1)));
        return new Outcome(frames, "too large: " + e.getMessage());
      }
      assertFalse(in.hasRemaining(), "the decoder returned null with bytes left");
      at += n;
    }
    return new Outcome(frames, decoder.hasPartialFrame() ? "truncated" : "whole");
  }

  /** The frame's message, re-encoded and decoded again to the same message, or the exception. */
  private static String message(Frame frame) {
    Message message;
    try {
      message = MessageDecoder.decode(frame);
    } catch (ProtocolException e) {
      oneLine(e);
      assertFalse(e instanceof FrameTooLargeException, "MessageDecoder threw " + e);
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (RuntimeException e) {
      throw new AssertionError("MessageDecoder threw " + e + " for " + frame, e);
    }
    assertNotNull(message);
    assertEquals(frame.frameType().orElseThrow(), message.type());
    Frame again = new FrameDecoder(Integer.MAX_VALUE).decode(ByteBuffer.wrap(MessageEncoder.encode(message)));
    assertEquals(message, MessageDecoder.decode(again), "decode(encode(message)) differs");
    return message.toString();
  }

  private static void oneLine(ProtocolException e) {
    String text = e.getMessage();
    assertTrue(text != null && !text.isBlank() && text.indexOf('\n') < 0 && text.indexOf('\r') < 0,
        () -> e.getClass().getSimpleName() + " has no one-line message: " + text);
  }
}
