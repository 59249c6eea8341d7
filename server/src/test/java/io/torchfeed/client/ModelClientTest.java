package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelClientTest {
  @TempDir
  Path tmp;

  @Test
  void temporaryDirectoriesAreNewAndPrivate() throws IOException {
    Path first = ModelClient.privateDirectory(tmp);
    Path second = ModelClient.privateDirectory(tmp);
    assertTrue(Files.isDirectory(first) && Files.isDirectory(second) && !first.equals(second));
    assertEquals(tmp, first.getParent());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));
  }
}
