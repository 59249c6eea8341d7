package io.torchfeed.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The manifest document: the chunk digests of version 3 optional, everything else required as before. */
class ManifestJsonTest {
  private static final String V2 = new String(Fixtures.manifestJson(), StandardCharsets.UTF_8);
  private static final String V3 = new String(Fixtures.manifestJsonV3(), StandardCharsets.UTF_8);

  private static Manifest read(String json) {
    return ManifestJson.read(json.getBytes(StandardCharsets.UTF_8), "test");
  }

  @Test
  void aDocumentWithoutChunksReadsAsAManifestWithoutThemAndWritesBackTheSameBytes() {
    Manifest manifest = read(V2);
    assertEquals(Fixtures.MANIFEST, manifest);
    assertTrue(manifest.chunkDigests().isEmpty());
    assertArrayEquals(Fixtures.manifestJson(), ManifestJson.write(manifest));
  }

  @Test
  void aDocumentWithChunksKeepsThemAfterTheOtherKeys() {
    Manifest manifest = read(V3);
    assertEquals(Fixtures.MANIFEST_V3, manifest);
    assertEquals(3, manifest.chunkDigests().orElseThrow().digests().size());
    assertArrayEquals(Fixtures.manifestJsonV3(), ManifestJson.write(manifest));
    assertTrue(V3.startsWith(V2.substring(0, V2.length() - 1) + ",\"chunkSize\":8,\"chunks\":[\""), V3);
  }

  @Test
  void forVersionDropsTheChunksBeforeVersion3Only() {
    assertEquals(Fixtures.MANIFEST, ManifestJson.forVersion(Fixtures.MANIFEST_V3, Protocol.VERSION));
    assertEquals(Fixtures.MANIFEST, ManifestJson.forVersion(Fixtures.MANIFEST_V3, Protocol.SIGNED_VERSION));
    assertEquals(Fixtures.MANIFEST_V3, ManifestJson.forVersion(Fixtures.MANIFEST_V3, Protocol.CHUNKS_VERSION));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"chunks\":[\"", // chunkSize without chunks: cut below
      "\"chunkSize\":8,", // chunks without chunkSize
  })
  void oneOfTheTwoKeysWithoutTheOtherIsMalformed(String cut) {
    String json = cut.startsWith("\"chunks\"") ? V3.substring(0, V3.indexOf(",\"chunks\"")) + "}"
        : V3.replace(cut, "");
    MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> read(json));
    assertTrue(e.getMessage().contains("chunkSize and chunks come together"), e.getMessage());
  }

  @Test
  void chunksThatDoNotFitTheSizeOrAreNotHexAreMalformed() {
    String oneTooFew = V3.replaceFirst("\\[\"[0-9a-f]{64}\",", "[");
    assertTrue(assertThrows(MalformedMessageException.class, () -> read(oneTooFew)).getMessage()
        .contains("2 chunk digests for a file of 17 bytes in chunks of 8, which has 3"));
    assertThrows(MalformedMessageException.class, () -> read(V3.replace("\"chunkSize\":8", "\"chunkSize\":4")));
    assertThrows(MalformedMessageException.class, () -> read(V3.replace("\"chunkSize\":8", "\"chunkSize\":0")));
    assertThrows(MalformedMessageException.class, () -> read(V3.replace("\"chunkSize\":8", "\"chunkSize\":\"8\"")));
    assertThrows(MalformedMessageException.class, () -> read(V3.replace("5edc", "5EDC")));
  }

  @Test
  void theKeysOfVersion1AreStillRequired() {
    for (String key : new String[] {"\"version\":1,", "\"size\":17,", "\"formatVersion\":3,"}) {
      assertThrows(MalformedMessageException.class, () -> read(V3.replace(key, "")), key);
    }
    assertThrows(MalformedMessageException.class, () -> read(V2.replace("\"size\":17", "\"size\":\"17\"")));
  }

  @Test
  void aFrameWhoseChunksDoNotFitIsAMalformedMessage() {
    byte[] bad = V3.replace("\"size\":17", "\"size\":25").getBytes(StandardCharsets.UTF_8);
    MalformedMessageException e = assertThrows(MalformedMessageException.class,
        () -> MessageDecoder.decode(Frame.of(FrameType.MANIFEST_RESULT, bad)));
    assertTrue(e.getMessage().startsWith("malformed MANIFEST_RESULT payload"), e.getMessage());
    assertEquals(Fixtures.MANIFEST_V3, ((ManifestResult) MessageDecoder.decode(
        Frame.of(FrameType.MANIFEST_RESULT, Fixtures.manifestJsonV3()))).manifest());
  }
}
