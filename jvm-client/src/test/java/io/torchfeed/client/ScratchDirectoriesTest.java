package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchDirectoriesTest {
  @TempDir
  Path tmp;

  @Test
  void directoriesAreNewPrivateAndNamedForThisProcess() throws IOException {
    Path first = ScratchDirectories.create(tmp);
    Path second = ScratchDirectories.create(tmp);
    assertTrue(Files.isDirectory(first) && Files.isDirectory(second) && !first.equals(second));
    assertEquals(tmp, first.getParent());
    assertTrue(first.getFileName().toString().startsWith("torchfeed-" + ProcessHandle.current().pid() + "-"),
        first.toString());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));
  }

  @Test
  void directoriesWhoseLockNobodyHoldsAreSweptAndNothingElse() throws Exception {
    Path abandoned = scratch("torchfeed-1-abandoned", true);
    Path held = ScratchDirectories.create(tmp);
    Files.writeString(held.resolve(ScratchDirectories.FILE), "bytes");
    Path beingMade = scratch("torchfeed-1-no-lock-yet", false);
    Path notOurs = scratch("other-1-x", true);
    Path link = Files.createSymbolicLink(tmp.resolve("torchfeed-1-link"), abandoned);

    Path made = ScratchDirectories.create(tmp);

    assertFalse(Files.exists(abandoned), "a directory whose lock nobody holds is swept");
    assertEquals(Set.of(held, made, beingMade, notOurs, link), Set.copyOf(list(tmp)));
    assertTrue(Files.exists(held.resolve(ScratchDirectories.FILE)), "one this JVM holds is kept");
  }

  @Test
  void aSymbolicLinkIsNeverFollowed() throws Exception {
    Path elsewhere = scratch("elsewhere", true);
    Files.createSymbolicLink(tmp.resolve("torchfeed-1-elsewhere"), elsewhere);
    ScratchDirectories.create(tmp);
    assertTrue(Files.exists(elsewhere.resolve(ScratchDirectories.FILE)), "the link's target is left alone");
  }

  @Test
  void aDirectoryAnotherLiveProcessHoldsIsKeptWhateverItsPidAndSweptOnceThatProcessIsKilled() throws Exception {
    Child child = Child.start(tmp);
    try {
      ScratchDirectories.create(tmp);
      assertTrue(Files.exists(child.dir().resolve(ScratchDirectories.FILE)), "held by a live process: kept");
      child.process().destroyForcibly(); // SIGKILL: no hook, the kernel drops its lock
      assertTrue(child.process().waitFor(1, TimeUnit.MINUTES), "the child did not stop");
      assertTrue(Files.exists(child.dir().resolve(ScratchDirectories.FILE)), "SIGKILL leaves the file");
      ScratchDirectories.create(tmp);
      assertFalse(Files.exists(child.dir()), "the next scratch directory made there sweeps it");
    } finally {
      child.process().destroyForcibly();
    }
  }

  @Test
  void aJvmToldToStopDeletesItsScratchDirectory() throws Exception {
    Child child = Child.start(tmp);
    try {
      child.process().destroy(); // SIGTERM: the shutdown hook runs
      assertTrue(child.process().waitFor(1, TimeUnit.MINUTES), "the child did not stop");
      assertFalse(Files.exists(child.dir()), child.dir() + " outlived its process");
    } finally {
      child.process().destroyForcibly();
    }
  }

  /** A child JVM that made a scratch directory with a file under a root and holds it. */
  private record Child(Process process, Path dir) {
    static Child start(Path root) throws IOException {
      Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), ScratchHolder.class.getName(), root.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || line.isBlank()) {
        process.destroyForcibly();
        throw new IllegalStateException("the child printed no directory");
      }
      return new Child(process, Path.of(line));
    }
  }

  /** A directory as a scratch directory looks on disk: the model file, and its lock file when {@code locked}. */
  private Path scratch(String name, boolean locked) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(name));
    Files.writeString(dir.resolve(ScratchDirectories.FILE), "bytes");
    if (locked) {
      Files.writeString(dir.resolve(ScratchDirectories.LOCK), "");
    }
    return dir;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    }
  }

  /** The child: makes a scratch directory and file in args[0], prints the directory, holds it until stopped. */
  public static final class ScratchHolder {
    public static void main(String[] args) throws Exception {
      Path dir = ScratchDirectories.create(Path.of(args[0]));
      Files.writeString(dir.resolve(ScratchDirectories.FILE), "bytes");
      System.out.println(dir);
      System.out.flush();
      System.in.read(); // holds the directory until the test stops it (or closes this pipe)
    }
  }
}
