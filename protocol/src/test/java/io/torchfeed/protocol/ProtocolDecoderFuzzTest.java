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
      Random split = new Random(Arrays.hashCode(input) ^ max);
      long seed = split.nextLong();
      // The frame layer alone: its allocations are bounded by the input and the maximum, whatever lengths the
      // input declares. Each message's decoding is bounded on its own, in message().
      long budget = Allocations.FUZZER_SLACK + 6L * max + 64L * input.length;
      long allocated = Allocations.measure(budget, () -> {
        decode(input, max, null, false);
        decode(input, max, new Random(seed), false);
      });
      assertTrue(allocated <= budget, "framing " + input.length + " bytes (maximum " + max + ") allocated "
          + allocated + " bytes");
      Outcome whole = decode(input, max, null, true);
      Outcome pieces = decode(input, max, new Random(seed), true);
      assertEquals(whole, pieces, "the same bytes in pieces decode differently");
    }
  }

  /**
   * What the decoders made of the stream: one entry per frame (its message or the exception's class and
   * message; only its length without {@code messages}), then how the stream ended.
   */
  private record Outcome(List<String> frames, String end) {}

  private static Outcome decode(byte[] stream, int max, Random pieces, boolean messages) {
    FrameDecoder decoder = new FrameDecoder(max);
    List<String> frames = new ArrayList<>();
    int at = 0;
    while (at < stream.length) {
      int n = pieces == null ? stream.length - at : 1 + pieces.nextInt(Math.min(stream.length - at, 32));
      ByteBuffer in = ByteBuffer.wrap(stream, at, n);
      try {
        for (Frame frame; (frame = decoder.decode(in)) != null; ) {
          assertTrue(frame.length() <= max, frame + " is over the maximum of " + max);
          frames.add(messages ? message(frame) : Integer.toString(frame.length()));
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

  /**
   * {@link #decodeMessage}, whose allocations are bounded by the frame's length: a message that believed a count
   * or length it declares would exceed that. Measured per message, as Jazzer's hooks cost about a MiB for each
   * message that fails to parse (62 LIST_RESULTs with bad JSON in one 2 KiB input: 70 MB with the hooks, 330 KB
   * without), which a bound on the whole input would have to allow for every frame it holds.
   */
  private static String message(Frame frame) {
    long budget = Allocations.FUZZER_SLACK + 64L * frame.length();
    String[] decoded = new String[1];
    long allocated = Allocations.measure(budget, () -> decoded[0] = decodeMessage(frame));
    assertTrue(allocated <= budget, "decoding a message of " + frame.length() + " bytes allocated " + allocated
        + " bytes");
    return decoded[0];
  }

  /** The frame's message, re-encoded and decoded again to the same message, or the exception. */
  private static String decodeMessage(Frame frame) {
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
