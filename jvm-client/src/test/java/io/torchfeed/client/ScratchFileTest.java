package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScratchFileTest {
  static final Path SHM = Path.of("/dev/shm");

  @Test
  void aModelThatFitsInDevShmGoesThereAndALargerOneToTheTemporaryDirectory() throws IOException {
    boolean shm = Files.isDirectory(SHM) && Files.isWritable(SHM);
    Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
    assertEquals(shm ? SHM : tmpdir, ScratchFile.defaultRoot(1));
    // the whole size of /dev/shm: more than it can ever have free, whatever other processes do meanwhile
    long beyond = shm ? Files.getFileStore(SHM).getTotalSpace() : 0;
    assertEquals(tmpdir, ScratchFile.defaultRoot(beyond), "no room in /dev/shm: java.io.tmpdir");
  }
}
