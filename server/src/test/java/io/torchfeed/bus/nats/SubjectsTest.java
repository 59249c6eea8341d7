package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectsTest {
  private final Subjects subjects = new Subjects("prod-eu_1");

  @Test
  void oneStreamAndTwoSubjectsPerCluster() {
    assertEquals("TORCHFEED_prod-eu_1", subjects.stream());
    assertEquals("torchfeed.prod-eu_1.>", subjects.all());
    assertEquals("torchfeed.prod-eu_1.catalog", subjects.catalog());
    assertEquals("torchfeed.prod-eu_1.receipts", subjects.receipts());
    assertEquals(subjects.catalog(), subjects.of(Subjects.NOTICE));
    assertEquals(subjects.receipts(), subjects.of(Subjects.RECEIPT));
  }

  @Test
  void theKindOfAMessageComesFromItsSubject() {
    assertEquals(Subjects.NOTICE, subjects.kindOf("torchfeed.prod-eu_1.catalog"));
    assertEquals(Subjects.RECEIPT, subjects.kindOf("torchfeed.prod-eu_1.receipts"));
    assertEquals(Subjects.OTHER, subjects.kindOf("torchfeed.prod-eu_1.presence"));
    assertEquals(Subjects.OTHER, subjects.kindOf("torchfeed.other.catalog"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a.b", "a*", ">", "a b", "é"})
  void aClusterNameIsOneSubjectToken(String cluster) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Subjects(cluster));
    assertEquals("bad bus cluster name '" + cluster + "': use 1-64 letters, digits, '_' or '-'", e.getMessage());
  }

  @Test
  void aClusterNameHasAtMost64Characters() {
    assertEquals(64, new Subjects("c".repeat(64)).cluster().length());
    assertThrows(IllegalArgumentException.class, () -> new Subjects("c".repeat(65)));
  }
}
