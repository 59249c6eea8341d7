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
  void theDirectoriesOfProcessesThatAreGoneAreSweptAndNothingElse() throws Exception {
    Process finished = new ProcessBuilder("true").start();
    assertTrue(finished.waitFor(1, TimeUnit.MINUTES));
    Path dead = scratch("torchfeed-" + finished.pid() + "-1");
    Path alive = scratch("torchfeed-" + ProcessHandle.current().pid() + "-2");
    Path notOurs = scratch("torchfeed-cache");
    Path other = scratch("other-" + finished.pid() + "-3");

    Path made = ScratchDirectories.create(tmp);

    assertFalse(Files.exists(dead), "the dead process's directory is swept");
    assertEquals(Set.of(alive, made, notOurs, other), Set.copyOf(list(tmp)));
    assertTrue(Files.exists(alive.resolve(ScratchDirectories.FILE)));
  }

  @Test
  void aJvmToldToStopDeletesItsScratchDirectoryAndOneKilledLeavesItForTheNextSweep() throws Exception {
    Path stopped = holdInChildJvm(Process::destroy); // SIGTERM: the shutdown hook runs
    assertFalse(Files.exists(stopped), stopped + " outlived its process");

    Path killed = holdInChildJvm(Process::destroyForcibly); // SIGKILL: no hook
    assertTrue(Files.exists(killed.resolve(ScratchDirectories.FILE)), "SIGKILL leaves the file");
    ScratchDirectories.create(tmp);
    assertFalse(Files.exists(killed), "the next scratch directory made there sweeps it");
  }

  /** A child JVM that makes a scratch directory with a file under tmp, then is stopped by {@code stop}. */
  private Path holdInChildJvm(java.util.function.Consumer<Process> stop) throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ScratchHolder.class.getName(), tmp.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line = out.readLine();
      assertTrue(line != null && !line.isBlank(), "the child printed no directory");
      stop.accept(child);
      assertTrue(child.waitFor(1, TimeUnit.MINUTES), "the child did not stop");
      return Path.of(line);
    } finally {
      child.destroyForcibly();
    }
  }

  private Path scratch(String name) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(name));
    Files.writeString(dir.resolve(ScratchDirectories.FILE), "bytes");
    return dir;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    }
  }

  /** The child: makes a scratch directory and file in args[0], prints the directory, waits to be stopped. */
  public static final class ScratchHolder {
    public static void main(String[] args) throws Exception {
      Path dir = ScratchDirectories.create(Path.of(args[0]));
      Files.writeString(dir.resolve(ScratchDirectories.FILE), "bytes");
      System.out.println(dir);
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
