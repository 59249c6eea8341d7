package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {
  private static final long SIZE = 1000;

  private static ByteRange range(String header) {
    return ByteRange.parse(header, SIZE).orElseThrow();
  }

  @Test
  void firstToLast() {
    assertEquals(new ByteRange(0, 9), range("bytes=0-9"));
    assertEquals(new ByteRange(10, 10), range("bytes=10-10"));
    assertEquals(10, range("bytes=0-9").length());
  }

  @Test
  void aLastPastTheEndIsCutAtTheEnd() {
    assertEquals(new ByteRange(990, 999), range("bytes=990-5000"));
    assertEquals(new ByteRange(990, 999), range("bytes=990-99999999999999999999999"));
  }

  @Test
  void openEndedRunsToTheEnd() {
    assertEquals(new ByteRange(100, 999), range("bytes=100-"));
    assertEquals(new ByteRange(999, 999), range("bytes=999-"));
  }

  @Test
  void suffixIsTheLastBytes() {
    assertEquals(new ByteRange(900, 999), range("bytes=-100"));
    assertEquals(new ByteRange(0, 999), range("bytes=-5000"), "a suffix longer than the file is the whole file");
  }

  @Test
  void unitIsCaseInsensitiveAndSpacesAroundTheSpecAreAllowed() {
    assertEquals(new ByteRange(1, 2), range("Bytes= 1-2 "));
  }

  @Test
  void contentRangeNamesTheRangeAndTheSize() {
    assertEquals("bytes 0-9/1000", range("bytes=0-9").contentRange(SIZE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-2000", "bytes=99999999999999999999-", "bytes=-0"})
  void rangesOutsideTheFileAreNotSatisfiable(String header) {
    HttpException e = assertThrows(HttpException.class, () -> ByteRange.parse(header, SIZE));
    assertEquals(416, e.status());
    assertEquals(Map.of("Content-Range", "bytes */1000"), e.headers());
  }

  @Test
  void anEmptyFileHasNoSatisfiableRange() {
    assertThrows(HttpException.class, () -> ByteRange.parse("bytes=0-", 0));
    assertThrows(HttpException.class, () -> ByteRange.parse("bytes=-5", 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "bytes=", "bytes=-", "bytes=a-b", "bytes=5", "bytes=9-5", "bytes=0-1,5-6",
      "items=0-5", "bytes=--5", "bytes=1-2-3", "bytes=+1-2", "bytes=0x1-2"})
  void anythingElseIsIgnoredAndTheWholeFileIsSent(String header) {
    assertEquals(Optional.empty(), ByteRange.parse(header, SIZE));
  }

  @Test
  void noHeaderIsTheWholeFile() {
    assertEquals(Optional.empty(), ByteRange.parse(null, SIZE));
  }
}
