package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchFileTest {
  static final Path SHM = Path.of("/dev/shm");

  @TempDir
  Path tmp;

  @Test
  void temporaryDirectoriesAreNewAndPrivate() throws IOException {
    Path first = ScratchFile.privateDirectory(tmp);
    Path second = ScratchFile.privateDirectory(tmp);
    assertTrue(Files.isDirectory(first) && Files.isDirectory(second) && !first.equals(second));
    assertEquals(tmp, first.getParent());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));
  }

  @Test
  void aModelThatFitsInDevShmGoesThereAndALargerOneToTheTemporaryDirectory() throws IOException {
    boolean shm = Files.isDirectory(SHM) && Files.isWritable(SHM);
    Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
    assertEquals(shm ? SHM : tmpdir, ScratchFile.defaultRoot(1));
    long beyond = shm ? Files.getFileStore(SHM).getUsableSpace() : 0;
    assertEquals(tmpdir, ScratchFile.defaultRoot(beyond), "no room in /dev/shm: java.io.tmpdir");
  }
}
