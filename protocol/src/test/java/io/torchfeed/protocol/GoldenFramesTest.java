package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.event.Event;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.signing.TrustKey;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every golden frame decodes to the message the spec describes and re-encodes byte for byte. */
class GoldenFramesTest {

  static Stream<Arguments> goldenFrames() {
    return Stream.of(
        Arguments.of("01-hello.bin", new Hello(1, "torchfeed-cpp/0.1.0", "1.13.1"), 0),
        Arguments.of("02-list.bin", new ListRequest(), 0),
        Arguments.of("03-manifest.bin", new ManifestRequest("toynet", 0), 0),
        Arguments.of("04-fetch.bin", new FetchRequest("toynet", 1, 0, 0), 0),
        Arguments.of("04-fetch-range.bin", new FetchRequest("toynet", 1, 7, 9), 0),
        Arguments.of("05-subscribe.bin", new SubscribeRequest(List.of("toynet", "bnnet")), 0),
        Arguments.of("05-subscribe-all.bin", SubscribeRequest.all(), 0),
        Arguments.of("06-receipt.bin",
            new LoadReceipt("toynet", 2, Fixtures.sha256(), LoadStatus.LOADED, "", "1.13.1"), 0),
        Arguments.of("06-receipt-failed.bin", new LoadReceipt("toynet", 2, Fixtures.sha256(), LoadStatus.FAILED,
            "Unknown builtin op: aten::_scaled_dot_product_flash", ""), 0),
        Arguments.of("81-server-hello.bin", new ServerHello(1, "torchfeed/0.1.0", "2.10.0"), 0),
        Arguments.of("82-list-result.bin", new ListResult(Fixtures.LISTING), 0),
        Arguments.of("83-manifest-result.bin", new ManifestResult(Fixtures.MANIFEST), 0),
        Arguments.of("84-fetch-header.bin",
            new FetchHeader("toynet", 1, 17, 0, 17, Fixtures.sha256(), Fixtures.MANIFEST), 17),
        Arguments.of("84-fetch-header-range.bin",
            new FetchHeader("toynet", 1, 17, 7, 9, Fixtures.sha256(), Fixtures.MANIFEST), 9),
        Arguments.of("85-subscribed.bin", new Subscribed(List.of("toynet", "bnnet")), 0),
        Arguments.of("86-notice-published.bin",
            new Notice(new Event.Published("toynet", 2, Fixtures.SHA256, 17)), 0),
        Arguments.of("86-notice-removed.bin", new Notice(new Event.Removed("toynet", 1)), 0),
        Arguments.of("86-notice-alias.bin", new Notice(new Event.AliasChanged("toynet", "stable", 2)), 0),
        Arguments.of("87-receipt-ok.bin", new ReceiptOk(), 0),
        Arguments.of("01-hello-v2.bin", new Hello(2, "torchfeed-cpp/0.1.0", "1.13.1"), 0),
        Arguments.of("81-server-hello-v2.bin", new ServerHello(2, "torchfeed/0.1.0", "2.10.0"), 0),
        Arguments.of("88-signed-manifest-result.bin", ManifestResult.signed(Fixtures.MANIFEST,
            Fixtures.manifestJson(), Fixtures.testSigner().sign(Fixtures.manifestJson())), 0),
        Arguments.of("89-signed-fetch-header.bin",
            new FetchHeader("toynet", 1, 17, 0, 17, Fixtures.sha256(), Fixtures.MANIFEST)
                .signed(Fixtures.testSigner().sign(Fixtures.manifestJson())), 17),
        Arguments.of("01-hello-v3.bin", new Hello(3, "torchfeed-java/0.1.0", ""), 0),
        Arguments.of("81-server-hello-v3.bin", new ServerHello(3, "torchfeed/0.1.0", "2.10.0"), 0),
        Arguments.of("83-manifest-result-v3.bin", new ManifestResult(Fixtures.MANIFEST_V3), 0),
        Arguments.of("84-fetch-header-v3.bin",
            new FetchHeader("toynet", 1, 17, 0, 17, Fixtures.sha256(), Fixtures.MANIFEST_V3), 17),
        Arguments.of("88-signed-manifest-result-v3.bin", ManifestResult.signed(Fixtures.MANIFEST_V3,
            Fixtures.manifestJsonV3(), Fixtures.testSigner().sign(Fixtures.manifestJsonV3())), 0),
        Arguments.of("89-signed-fetch-header-v3.bin",
            new FetchHeader("toynet", 1, 17, 0, 17, Fixtures.sha256(), Fixtures.MANIFEST_V3)
                .signed(Fixtures.testSigner().sign(Fixtures.manifestJsonV3())), 17),
        Arguments.of("ff-error.bin",
            new ErrorMessage(ErrorCode.NOT_FOUND, false, "no model named 'resnet'"), 0),
        Arguments.of("ff-error-fatal.bin", new ErrorMessage(ErrorCode.TOO_LARGE, true,
            "frame of 16777216 bytes exceeds the limit of 65536"), 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenFrames")
  void decodesToTheSpecifiedMessage(String file, Message expected, int rawBytes) {
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read(file));
    Frame frame = new FrameDecoder(Protocol.MAX_RESPONSE_PAYLOAD).decode(in);
    assertNotNull(frame);
    assertEquals(expected.type(), frame.frameType().orElseThrow());
    assertEquals(expected, MessageDecoder.decode(frame));
    assertEquals(rawBytes, in.remaining());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenFrames")
  void reEncodesByteForByte(String file, Message expected, int rawBytes) {
    byte[] golden = Fixtures.read(file);
    byte[] frame = Arrays.copyOf(golden, golden.length - rawBytes);
    Message decoded = MessageDecoder.decode(new FrameDecoder(Protocol.MAX_RESPONSE_PAYLOAD)
        .decode(ByteBuffer.wrap(frame)));
    assertArrayEquals(frame, MessageEncoder.encode(decoded));
    assertArrayEquals(frame, MessageEncoder.encode(expected));
  }

  @Test
  void fetchHeaderLeavesExactlyTheFileBytesInTheBuffer() throws NoSuchAlgorithmException {
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read("84-fetch-header.bin"));
    FetchHeader header = (FetchHeader) MessageDecoder.decode(new FrameDecoder(1 << 20).decode(in));
    assertEquals(17, header.payloadSize());
    byte[] raw = new byte[in.remaining()];
    in.get(raw);
    assertArrayEquals(Fixtures.FILE, raw);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(raw), header.sha256());
    assertEquals(header.manifest().sha256(), header.sha256Hex());
  }

  @Test
  void rangeHeaderLeavesTheRangeInTheBuffer() {
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read("84-fetch-header-range.bin"));
    FetchHeader header = (FetchHeader) MessageDecoder.decode(new FrameDecoder(1 << 20).decode(in));
    byte[] raw = new byte[in.remaining()];
    in.get(raw);
    assertArrayEquals(Arrays.copyOfRange(Fixtures.FILE, (int) header.offset(),
        (int) (header.offset() + header.payloadSize())), raw);
  }

  @Test
  void theGoldenSignaturesVerifyWithTheGoldenPublicKeyOverExactlyTheBytesSent() {
    TrustKey key = TrustKey.load(Fixtures.protocolDir().resolve("signing-test-key.pub.pem"));
    assertEquals(Fixtures.SIGNING_KEY_ID, key.keyIdHex());
    assertEquals(Fixtures.testSigner().publicKey().keyIdHex(), key.keyIdHex());
    ManifestResult result = (ManifestResult) MessageDecoder.decode(new FrameDecoder(1 << 20)
        .decode(ByteBuffer.wrap(Fixtures.read("88-signed-manifest-result.bin"))));
    assertEquals(Fixtures.SIGNING_KEY_ID, result.signature().orElseThrow().keyIdHex());
    assertTrue(key.verifies(result.json(), result.signature().orElseThrow()));
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read("89-signed-fetch-header.bin"));
    FetchHeader header = (FetchHeader) MessageDecoder.decode(new FrameDecoder(1 << 20).decode(in));
    assertTrue(key.verifies(header.manifestJson(), header.signature().orElseThrow()));
    assertEquals(17, in.remaining());
    // the signed document is the unsigned frames' document, byte for byte
    byte[] unsigned = Fixtures.read("83-manifest-result.bin");
    assertArrayEquals(Arrays.copyOfRange(unsigned, Protocol.HEADER_LENGTH, unsigned.length), result.json());
  }

  @Test
  void aClientOfVersion1Or2GetsTheDocumentOfBeforeVersion3AndAClientOf3GetsTheChunks() {
    for (int version : new int[] {1, 2}) {
      Manifest sent = ManifestJson.forVersion(Fixtures.MANIFEST_V3, version);
      assertArrayEquals(Fixtures.read("83-manifest-result.bin"), MessageEncoder.encode(new ManifestResult(sent)));
      assertArrayEquals(Fixtures.read("84-fetch-header.bin"), Fixtures.concat(MessageEncoder.encode(
          new FetchHeader("toynet", 1, 17, 0, 17, Fixtures.sha256(), sent)), Fixtures.FILE));
    }
    Manifest sent = ManifestJson.forVersion(Fixtures.MANIFEST_V3, Protocol.CHUNKS_VERSION);
    assertArrayEquals(Fixtures.read("83-manifest-result-v3.bin"), MessageEncoder.encode(new ManifestResult(sent)));
  }

  @Test
  void theChunkDigestsOfTheVersion3FramesAreThoseOfTheFileBytesThatFollow() {
    ByteBuffer in = ByteBuffer.wrap(Fixtures.read("84-fetch-header-v3.bin"));
    FetchHeader header = (FetchHeader) MessageDecoder.decode(new FrameDecoder(1 << 20).decode(in));
    byte[] raw = new byte[in.remaining()];
    in.get(raw);
    ChunkDigests chunks = header.manifest().chunkDigests().orElseThrow();
    assertEquals(8, chunks.chunkSize());
    assertEquals(List.of(Fixtures.sha256Hex(Arrays.copyOfRange(raw, 0, 8)),
        Fixtures.sha256Hex(Arrays.copyOfRange(raw, 8, 16)), Fixtures.sha256Hex(Arrays.copyOfRange(raw, 16, 17))),
        chunks.digests());
    TrustKey key = TrustKey.load(Fixtures.protocolDir().resolve("signing-test-key.pub.pem"));
    FetchHeader signed = (FetchHeader) MessageDecoder.decode(new FrameDecoder(1 << 20)
        .decode(ByteBuffer.wrap(Fixtures.read("89-signed-fetch-header-v3.bin"))));
    assertTrue(key.verifies(signed.manifestJson(), signed.signature().orElseThrow()), "the chunks are signed");
    assertEquals(header.manifest(), signed.manifest());
  }

  @Test
  void aSubscribedEchoesTheSubscribeBytesUnderItsOwnType() {
    byte[] subscribe = Fixtures.read("05-subscribe.bin");
    byte[] subscribed = Fixtures.read("85-subscribed.bin");
    assertEquals(0x85, subscribed[0] & 0xFF);
    assertArrayEquals(Arrays.copyOfRange(subscribe, 1, subscribe.length),
        Arrays.copyOfRange(subscribed, 1, subscribed.length));
  }

  @Test
  void tooLargeExceptionBecomesTheGoldenFatalError() {
    FrameTooLargeException e = new FrameTooLargeException(16_777_216, Protocol.MAX_REQUEST_PAYLOAD);
    assertArrayEquals(Fixtures.read("ff-error-fatal.bin"), MessageEncoder.encode(ErrorMessage.of(e)));
  }
}
