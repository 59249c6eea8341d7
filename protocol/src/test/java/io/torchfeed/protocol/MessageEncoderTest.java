package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.event.Event;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.Rejection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageEncoderTest {

  static Stream<Message> messages() {
    Manifest big =
        new Manifest("m", Integer.MAX_VALUE, Long.MAX_VALUE, Fixtures.SHA256, 0, List.of(), List.of());
    Rejection odd = new Rejection("x", null, "x/model.pt", "\"odd\"\n");
    return Stream.of(
        Hello.of("", ""),
        ServerHello.of("torchfeed/0.1.0 \u00e9\u4e2d\ud83d\ude00", ""),
        new ManifestRequest("toynet", Integer.MAX_VALUE),
        new FetchRequest("toynet", 0, Long.MAX_VALUE, Long.MAX_VALUE),
        new ListResult(new ModelListing(List.of(), List.of(odd))),
        new ManifestResult(big),
        new FetchHeader("m", Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 0, new byte[32], big),
        new ErrorMessage(ErrorCode.UNAVAILABLE, true, "mod\u00e8le"),
        new SubscribeRequest(List.of("a", "b\u00e9", "a")),
        SubscribeRequest.all(),
        new Subscribed(List.of("toynet")),
        new Notice(new Event.Published("m", Integer.MAX_VALUE, Fixtures.SHA256, Long.MAX_VALUE)),
        new Notice(new Event.AliasChanged("m", "stable", 0)),
        new Notice(new Event.Receipt("12", "m", 3, Fixtures.SHA256, LoadStatus.FAILED, "\"bad\"\tthing", "")),
        new LoadReceipt("m", Integer.MAX_VALUE, new byte[32], LoadStatus.LOADED, "", "2.10.0"),
        new ReceiptOk());
  }

  @ParameterizedTest
  @MethodSource("messages")
  void roundTrips(Message message) {
    byte[] bytes = MessageEncoder.encode(message);
    assertEquals(message.type().code(), bytes[0] & 0xFF);
    assertEquals(bytes.length - Protocol.HEADER_LENGTH, ByteBuffer.wrap(bytes, 1, 4).getInt());
    Frame frame = new FrameDecoder(Integer.MAX_VALUE).decode(ByteBuffer.wrap(bytes));
    assertEquals(message, MessageDecoder.decode(frame));
  }

  @Test
  void writesAnUnknownRejectedVersionAsNull() {
    Rejection stray = new Rejection("x", null, "x/a", "r");
    byte[] bytes = MessageEncoder.encode(new ListResult(new ModelListing(List.of(), List.of(stray))));
    String json = new String(bytes, Protocol.HEADER_LENGTH, bytes.length - Protocol.HEADER_LENGTH,
        StandardCharsets.UTF_8);
    assertEquals("{\"models\":[],\"rejected\":[{\"name\":\"x\",\"version\":null,\"path\":\"x/a\","
        + "\"reason\":\"r\"}]}", json);
  }

  @Test
  void encodesAStringOfExactly65535Bytes() {
    ErrorMessage error = new ErrorMessage(ErrorCode.INTERNAL, false, "x".repeat(65_535));
    byte[] bytes = MessageEncoder.encode(error);
    assertEquals(Protocol.HEADER_LENGTH + 3 + 2 + 65_535, bytes.length);
    assertEquals(error, MessageDecoder.decode(new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(bytes))));
  }

  @Test
  void refusesAStringOver65535BytesOfUtf8() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MessageEncoder.encode(Hello.of("\u00e9".repeat(32_768), "")));
    assertEquals("software is 65536 bytes of UTF-8; a str holds at most 65535", e.getMessage());
  }

  @Test
  void refusesAnUnpairedSurrogate() {
    assertThrows(IllegalArgumentException.class,
        () -> MessageEncoder.encode(new ManifestRequest("a\ud800", 1)));
  }

  @Test
  void encodesARawFrame() {
    assertArrayEquals(HexFormat.of().parseHex("7e00000002abcd"),
        MessageEncoder.encode(new Frame(0x7E, HexFormat.of().parseHex("abcd"))));
  }

  @Test
  void buildsRequestsFromModelIds() {
    assertEquals(new ManifestRequest("toynet", 0), ManifestRequest.of(ModelId.parse("toynet")));
    assertEquals(new FetchRequest("toynet", 3, 0, 0), FetchRequest.of(ModelId.parse("toynet:3")));
    assertEquals(new ModelId("toynet", 3), new FetchRequest("toynet", 3, 5, 0).id());
  }

  @Test
  void aFetchHeaderChecksItsFields() {
    Manifest m = Fixtures.MANIFEST;
    assertThrows(IllegalArgumentException.class, () -> new FetchHeader("t", 1, 17, 0, 17, new byte[31], m));
    assertThrows(IllegalArgumentException.class, () -> new FetchHeader("t", 0, 17, 0, 17, new byte[32], m));
    assertThrows(IllegalArgumentException.class, () -> new FetchHeader("t", 1, 17, 18, 0, new byte[32], m));
    assertThrows(IllegalArgumentException.class, () -> new FetchHeader("t", 1, 17, 7, 11, new byte[32], m));
    assertEquals(0, new FetchHeader("t", 1, 17, 17, 0, new byte[32], m).payloadSize());
  }

  @Test
  void aReceiptChecksItsFieldsAndDoesNotShareItsHash() {
    assertThrows(IllegalArgumentException.class,
        () -> new LoadReceipt("t", 0, new byte[32], LoadStatus.LOADED, "", ""));
    assertThrows(IllegalArgumentException.class,
        () -> new LoadReceipt("t", 1, new byte[31], LoadStatus.LOADED, "", ""));
    byte[] sha = Fixtures.sha256();
    LoadReceipt receipt = new LoadReceipt("toynet", 1, sha, LoadStatus.LOADED, "", "");
    sha[0] = 0;
    receipt.sha256()[1] = 0;
    assertEquals(Fixtures.SHA256, receipt.sha256Hex());
    assertEquals(receipt, LoadReceipt.of("toynet", 1, Fixtures.SHA256, LoadStatus.LOADED, "", ""));
    assertEquals(new ModelId("toynet", 1), receipt.id());
  }

  @Test
  void refusesMoreNamesThanAU16Counts() {
    List<String> names = java.util.Collections.nCopies(65_536, "a");
    assertThrows(IllegalArgumentException.class, () -> new SubscribeRequest(names));
  }

  @Test
  void aFetchHeaderDoesNotShareItsHash() {
    byte[] sha = Fixtures.sha256();
    FetchHeader header = new FetchHeader("toynet", 1, 17, 0, 17, sha, Fixtures.MANIFEST);
    sha[0] = 0;
    header.sha256()[1] = 0;
    assertEquals(Fixtures.SHA256, header.sha256Hex());
  }
}
