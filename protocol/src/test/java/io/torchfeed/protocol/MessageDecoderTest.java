package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.event.Event;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.LoadStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Payloads that break their layout are rejected with specific, one-line exceptions. */
class MessageDecoderTest {

  @ParameterizedTest
  @ValueSource(strings = {"01-hello.bin", "03-manifest.bin", "04-fetch.bin", "05-subscribe.bin",
      "05-subscribe-all.bin", "06-receipt.bin", "06-receipt-failed.bin", "81-server-hello.bin",
      "82-list-result.bin", "83-manifest-result.bin", "84-fetch-header.bin", "85-subscribed.bin",
      "86-notice-published.bin", "86-notice-removed.bin", "86-notice-alias.bin", "ff-error.bin"})
  void everyShortenedPayloadIsMalformed(String file) {
    Frame golden = goldenFrame(file);
    for (int length = 0; length < golden.length(); length++) {
      Frame cut = new Frame(golden.type(), Arrays.copyOf(golden.payload(), length));
      assertThrows(MalformedMessageException.class, () -> MessageDecoder.decode(cut),
          file + " cut to " + length);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"01-hello.bin", "02-list.bin", "03-manifest.bin", "04-fetch.bin",
      "05-subscribe.bin", "05-subscribe-all.bin", "06-receipt.bin", "06-receipt-failed.bin",
      "81-server-hello.bin", "82-list-result.bin", "83-manifest-result.bin", "84-fetch-header.bin",
      "85-subscribed.bin", "86-notice-published.bin", "87-receipt-ok.bin", "ff-error.bin"})
  void aTrailingByteIsMalformed(String file) {
    Frame golden = goldenFrame(file);
    Frame longer = new Frame(golden.type(), Arrays.copyOf(golden.payload(), golden.length() + 1));
    assertThrows(MalformedMessageException.class, () -> MessageDecoder.decode(longer));
  }

  @Test
  void trailingBytesAreNamed() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.LIST, "0000"));
    assertEquals("malformed LIST payload: 2 trailing bytes after the last field", e.getMessage());
    assertFalse(e.fatal());
    assertEquals(ErrorCode.BAD_REQUEST, e.errorCode());
  }

  @Test
  void aShortPayloadNamesTheField() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.MANIFEST, "0006746f796e65740000"));
    assertEquals("malformed MANIFEST payload: payload too short: version needs 4 bytes, 2 left",
        e.getMessage());
  }

  @Test
  void aBadMagicIsUnsupportedAndFatal() {
    UnsupportedProtocolException e = assertThrows(UnsupportedProtocolException.class,
        () -> decode(FrameType.HELLO, "474554200001" + "0000" + "0000"));
    assertEquals("bad magic 47 45 54 20: not a torchfeed peer (expected 54 46 45 44, \"TFED\")",
        e.getMessage());
    assertTrue(e.fatal());
    assertEquals(ErrorCode.UNSUPPORTED, e.errorCode());
    assertThrows(UnsupportedProtocolException.class,
        () -> decode(FrameType.SERVER_HELLO, "54464558000100000000"));
  }

  @Test
  void anotherProtocolVersionIsUnsupported() {
    UnsupportedProtocolException e = assertThrows(UnsupportedProtocolException.class,
        () -> decode(FrameType.HELLO, "544645440004" + "0000" + "0000"));
    assertEquals("protocol version 4 is not supported (this side speaks 1 to 3)", e.getMessage());
    assertThrows(UnsupportedProtocolException.class, () -> decode(FrameType.HELLO, "544645440000" + "0000" + "0000"));
    assertEquals(2, ((Hello) decode(FrameType.HELLO, "544645440002" + "0000" + "0000")).protocolVersion());
    assertEquals(3, ((Hello) decode(FrameType.HELLO, "544645440003" + "0000" + "0000")).protocolVersion());
  }

  @Test
  void badUtf8InAStringIsMalformed() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.MANIFEST, "0002c328" + "00000000"));
    assertEquals("malformed MANIFEST payload: name is not valid UTF-8", e.getMessage());
    assertThrows(MalformedMessageException.class, () -> decode(FrameType.ERROR, "000200" + "0003eda080"));
  }

  @Test
  void badUtf8InJsonIsMalformed() {
    byte[] json = "{\"models\":[],\"rejected\":[]}".getBytes(StandardCharsets.UTF_8);
    json[3] = (byte) 0xFF;
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.LIST_RESULT, json)));
    assertEquals("malformed LIST_RESULT payload: document is not valid UTF-8", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "null", "[]", "{\"models\":[", "{\"models\":[],\"rejected\":[],}",
      "{\"models\":[]}", "{\"models\":\"x\",\"rejected\":[]}", "{\"models\":[],\"rejected\":[]} {}",
      "{\"models\":[{\"name\":\"a\",\"versions\":[1],\"latest\":\"1\"}],\"rejected\":[]}",
      "{\"models\":[{\"name\":\"a\",\"versions\":[1],\"latest\":1.5}],\"rejected\":[]}",
      "{\"models\":[{\"name\":\"a\",\"versions\":[1],\"latest\":null}],\"rejected\":[]}",
      "{\"models\":[{\"name\":\"a\",\"versions\":[1],\"latest\":3000000000}],\"rejected\":[]}",
      "{\"models\":[],\"models\":[],\"rejected\":[]}"})
  void badJsonIsMalformed(String json) {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.LIST_RESULT, json.getBytes(StandardCharsets.UTF_8))));
    assertTrue(e.getMessage().startsWith("malformed LIST_RESULT payload: bad JSON: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void badManifestJsonInAFetchHeaderNamesTheField() {
    byte[] payload = goldenFrame("84-fetch-header.bin").payload();
    int json = payload.length - 331;
    payload[json + 2] = 'N';
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.FETCH_HEADER, payload)));
    assertTrue(e.getMessage().startsWith("malformed FETCH_HEADER payload: manifest: bad JSON: "),
        e.getMessage());
  }

  @Test
  void unknownJsonKeysAreIgnored() {
    String json = "{\"models\":[{\"name\":\"toynet\",\"versions\":[1,2],\"latest\":2,\"aliases\":{\"stable\":1},\"tags\":[\"x\"]}],"
        + "\"rejected\":[{\"name\":\"broken\",\"version\":1,\"path\":\"broken/1/model.pt\","
        + "\"reason\":\"not a TorchScript archive: empty file\",\"when\":{\"at\":1}}],\"future\":null}";
    Message m = MessageDecoder.decode(Frame.of(FrameType.LIST_RESULT, json.getBytes(StandardCharsets.UTF_8)));
    assertEquals(new ListResult(Fixtures.LISTING), m);
  }

  @Test
  void aVersionOverIntMaxIsMalformed() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.MANIFEST, "000161" + "80000000"));
    assertEquals("malformed MANIFEST payload: version 2147483648 is out of range (at most 2147483647)",
        e.getMessage());
    assertEquals(new ManifestRequest("a", Integer.MAX_VALUE),
        decode(FrameType.MANIFEST, "000161" + "7fffffff"));
  }

  @Test
  void aU64OverLongMaxIsMalformed() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.FETCH, "000161" + "00000001" + "8000000000000000" + "0000000000000000"));
    assertEquals("malformed FETCH payload: offset 9223372036854775808 is out of range (at most "
        + "9223372036854775807)", e.getMessage());
    assertEquals(new FetchRequest("a", 1, 0, Long.MAX_VALUE),
        decode(FrameType.FETCH, "000161" + "00000001" + "0000000000000000" + "7fffffffffffffff"));
  }

  @Test
  void aFetchHeaderWithoutAConcreteVersionOrWithABadRangeIsMalformed() {
    String name = "000161";
    String rest = "00".repeat(32) + "00000000";
    String sizes = "0000000000000011" + "0000000000000000" + "0000000000000011";
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.FETCH_HEADER, name + "00000000" + sizes + rest));
    assertEquals("malformed FETCH_HEADER payload: version 0 is not a concrete version", e.getMessage());
    String pastTheEnd = "0000000000000011" + "0000000000000007" + "000000000000000b";
    e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.FETCH_HEADER, name + "00000001" + pastTheEnd + rest));
    assertEquals("malformed FETCH_HEADER payload: range of 11 bytes from offset 7 runs past the end of a "
        + "file of 17 bytes", e.getMessage());
  }

  @Test
  void anUnknownErrorCodeOrFatalFlagIsMalformed() {
    assertThrows(MalformedMessageException.class, () -> decode(FrameType.ERROR, "0007" + "00" + "0000"));
    assertThrows(MalformedMessageException.class, () -> decode(FrameType.ERROR, "0000" + "00" + "0000"));
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.ERROR, "0002" + "02" + "0000"));
    assertEquals("malformed ERROR payload: fatal flag 2 is neither 0 nor 1", e.getMessage());
  }

  @Test
  void anUnknownFrameTypeIsUnsupportedButNotFatal() {
    UnsupportedFrameTypeException e = assertThrows(UnsupportedFrameTypeException.class,
        () -> MessageDecoder.decode(new Frame(0x07, new byte[] {1})));
    assertEquals("unknown frame type 0x07", e.getMessage());
    assertEquals(0x07, e.type());
    assertEquals(ErrorCode.UNSUPPORTED, e.errorCode());
    assertFalse(e.fatal());
  }

  @Test
  void theNextFrameDecodesAfterAMalformedMessageOrAnUnknownType() {
    byte[] badName = HexFormat.of().parseHex("03" + "00000008" + "0002c328" + "00000000");
    byte[] unknown = HexFormat.of().parseHex("7f" + "00000002" + "abcd");
    ByteBuffer in = ByteBuffer.wrap(Fixtures.concat(badName, unknown, Fixtures.read("03-manifest.bin")));
    FrameDecoder decoder = new FrameDecoder(Protocol.MAX_REQUEST_PAYLOAD);
    List<Class<? extends ProtocolException>> expected =
        List.of(MalformedMessageException.class, UnsupportedFrameTypeException.class);
    for (Class<? extends ProtocolException> failure : expected) {
      Frame frame = decoder.decode(in);
      ProtocolException e = assertThrows(ProtocolException.class, () -> MessageDecoder.decode(frame));
      assertInstanceOf(failure, e);
      assertFalse(e.fatal());
    }
    assertEquals(new ManifestRequest("toynet", 0), MessageDecoder.decode(decoder.decode(in)));
  }

  @Test
  void aSubscribeWhoseCountPromisesMoreNamesIsMalformed() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.SUBSCRIBE, "0003" + "000161" + "000162"));
    assertEquals("malformed SUBSCRIBE payload: payload too short: name 3 of 3 length needs 2 bytes, 0 left",
        e.getMessage());
    assertThrows(MalformedMessageException.class, () -> decode(FrameType.SUBSCRIBE, "ffff"));
    assertThrows(MalformedMessageException.class, () -> decode(FrameType.SUBSCRIBED, "0001"));
  }

  @Test
  void subscribeNamesAreCheckedAndDeduplicatedBySubscription() {
    SubscribeRequest request = (SubscribeRequest) decode(FrameType.SUBSCRIBE,
        "0003" + "000162" + "000161" + "000162");
    assertEquals(List.of("b", "a", "b"), request.names(), "the message holds what was sent");
    assertEquals(List.of("b", "a"), request.subscription());
    assertEquals(List.of(), SubscribeRequest.all().subscription());
    InvalidRequestException alias = assertThrows(InvalidRequestException.class,
        () -> new SubscribeRequest(List.of("toynet@stable")).subscription());
    assertEquals("subscribe to the model, not an alias: 'toynet' (its alias changes are notified too)",
        alias.getMessage());
    assertThrows(InvalidRequestException.class, () -> new SubscribeRequest(List.of("../etc")).subscription());
    assertThrows(InvalidRequestException.class, () -> new SubscribeRequest(List.of("")).subscription());
  }

  @Test
  void aReceiptWithAnUnknownStatusOrNoConcreteVersionIsMalformed() {
    String sha = "00".repeat(32);
    MalformedMessageException status = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.RECEIPT, "000161" + "00000001" + sha + "02" + "0000" + "0000"));
    assertEquals("malformed RECEIPT payload: status 2 is neither 0 (loaded) nor 1 (failed)",
        status.getMessage());
    MalformedMessageException version = assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.RECEIPT, "000161" + "00000000" + sha + "00" + "0000" + "0000"));
    assertEquals("malformed RECEIPT payload: version 0 is not a concrete version", version.getMessage());
    assertThrows(MalformedMessageException.class,
        () -> decode(FrameType.RECEIPT, "000161" + "80000000" + sha + "00" + "0000" + "0000"));
    assertEquals(new LoadReceipt("a", 1, new byte[32], LoadStatus.FAILED, "x", ""),
        decode(FrameType.RECEIPT, "000161" + "00000001" + sha + "01" + "000178" + "0000"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "null", "[]", "\"published\"", "{\"name\":\"a\",\"version\":1}",
      "{\"event\":1,\"name\":\"a\"}", "{\"event\":\"removed\",\"name\":\"a\"}",
      "{\"event\":\"removed\",\"name\":\"a\",\"version\":\"1\"}",
      "{\"event\":\"removed\",\"name\":\"a\",\"version\":1.5}",
      "{\"event\":\"removed\",\"name\":\"a\",\"version\":-1}",
      "{\"event\":\"removed\",\"name\":\"a\",\"version\":3000000000}",
      "{\"event\":\"removed\",\"name\":null,\"version\":1}",
      "{\"event\":\"published\",\"name\":\"a\",\"version\":1,\"sha256\":\"ab\"}",
      "{\"event\":\"alias\",\"name\":\"a\",\"version\":1}",
      "{\"event\":\"removed\",\"name\":\"a\",\"version\":1} {}",
      "{\"event\":\"removed\",\"event\":\"removed\",\"name\":\"a\",\"version\":1}",
      "{\"event\":\"receipt\",\"client\":\"1\",\"name\":\"a\",\"version\":1,\"sha256\":\"ab\","
          + "\"status\":\"maybe\",\"reason\":\"\",\"libtorch\":\"\"}"})
  void aNoticeThatIsNotAnEventIsMalformed(String json) {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.NOTICE, json.getBytes(StandardCharsets.UTF_8))));
    assertTrue(e.getMessage().startsWith("malformed NOTICE payload: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertFalse(e.fatal());
  }

  @Test
  void aNoticeNamesTheKeyThatIsWrong() {
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.NOTICE,
            "{\"event\":\"published\",\"name\":\"a\",\"version\":1,\"size\":3}"
                .getBytes(StandardCharsets.UTF_8))));
    assertEquals("malformed NOTICE payload: published event: 'sha256' must be a string", e.getMessage());
  }

  @Test
  void aNoticeOfAnUnknownKindOrWithUnknownKeysIsStillANotice() {
    String future = "{\"event\":\"deprecated\",\"name\":\"toynet\",\"version\":1,\"until\":\"2030\"}";
    Notice notice = (Notice) MessageDecoder.decode(
        Frame.of(FrameType.NOTICE, future.getBytes(StandardCharsets.UTF_8)));
    assertEquals(new Event.Other("deprecated", "toynet", future), notice.event());
    assertEquals(future, new String(MessageEncoder.encode(notice), Protocol.HEADER_LENGTH,
        future.length(), StandardCharsets.UTF_8), "relayed as received");
    String extra = "{\"event\":\"removed\",\"name\":\"toynet\",\"version\":1,\"why\":{\"a\":[1]}}";
    assertEquals(new Notice(new Event.Removed("toynet", 1)),
        MessageDecoder.decode(Frame.of(FrameType.NOTICE, extra.getBytes(StandardCharsets.UTF_8))));
    String noName = "{\"event\":\"hello\"}";
    assertEquals(new Event.Other("hello", "", noName), ((Notice) MessageDecoder.decode(
        Frame.of(FrameType.NOTICE, noName.getBytes(StandardCharsets.UTF_8)))).event());
  }

  private static Message decode(FrameType type, String hexPayload) {
    return MessageDecoder.decode(Frame.of(type, HexFormat.of().parseHex(hexPayload)));
  }

  private static Frame goldenFrame(String file) {
    return new FrameDecoder(Protocol.MAX_RESPONSE_PAYLOAD).decode(ByteBuffer.wrap(Fixtures.read(file)));
  }
}
