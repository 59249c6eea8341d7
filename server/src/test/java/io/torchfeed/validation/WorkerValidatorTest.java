package io.torchfeed.validation;

import static io.torchfeed.validation.LibTorchInspectorTest.CONVNET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ModuleInfo;
import io.torchfeed.support.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real worker processes, running {@link TestWorkerMain} with LibTorch. */
class WorkerValidatorTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;
  private WorkerValidator validator = validator(Duration.ofSeconds(120));

  @AfterEach
  void close() {
    validator.close();
  }

  @Test
  void validatesGoodFilesAndRejectsBadOnesWithTheSameWorker() {
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    long pid = validator.workerPid().orElseThrow();

    Path garbage = Fixtures.write(dir, "garbage.pt", "garbage".getBytes(StandardCharsets.UTF_8));
    ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> validator.validate(garbage));
    assertEquals("torch::jit::load failed: PytorchStreamReader failed reading zip archive: not a ZIP archive",
        e.getMessage());

    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    assertEquals(pid, validator.workerPid().orElseThrow());
  }

  @Test
  void rejectsTheFileDuringWhichTheWorkerIsKilledAndRecovers() throws Exception {
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    long pid = validator.workerPid().orElseThrow();
    Path hang = Fixtures.write(dir, "model.hang", new byte[0]);

    CompletableFuture<ModuleInfo> busy = CompletableFuture.supplyAsync(() -> validator.validate(hang));
    awaitStarted(hang);
    assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());

    assertEquals("validator crashed: killed by signal 9 (SIGKILL)", rejection(busy).getMessage());
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    assertNotEquals(pid, validator.workerPid().orElseThrow());
  }

  @Test
  void quotesTheHeadlineOfAJvmCrashReport() throws Exception {
    validator.close();
    validator = new WorkerValidator(WorkerValidator.Settings.defaults()
        .withMainClass(TestWorkerMain.class.getName())
        .withExtraJvmOptions(List.of("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"))));
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    long pid = validator.workerPid().orElseThrow();
    Path hang = Fixtures.write(dir, "model.hang", new byte[0]);

    CompletableFuture<ModuleInfo> busy = CompletableFuture.supplyAsync(() -> validator.validate(hang));
    awaitStarted(hang);
    assertEquals(0, new ProcessBuilder("kill", "-SEGV", Long.toString(pid)).inheritIO().start().waitFor());

    String reason = rejection(busy).getMessage();
    assertTrue(reason.startsWith("validator crashed: exited with code 1; last output: SIGSEGV (0xb) at pc="),
        reason);
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
  }

  @Test
  void reportsHowTheWorkerEnded() {
    ModelRejectedException e = assertThrows(ModelRejectedException.class,
        () -> validator.validate(Fixtures.write(dir, "model.exit", new byte[0])));
    assertEquals("validator crashed: exited with code 3", e.getMessage());
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
  }

  @Test
  void rejectsAFileThatTakesTooLongAndRecovers() {
    validator.close();
    validator = validator(Duration.ofSeconds(2));
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    long pid = validator.workerPid().orElseThrow();

    ModelRejectedException e = assertThrows(ModelRejectedException.class,
        () -> validator.validate(Fixtures.write(dir, "model.hang", new byte[0])));
    assertEquals("validator timed out after 2 s", e.getMessage());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the worker was killed");

    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
  }

  @Test
  void answersSurviveNoiseOnTheWorkersStdout() throws IOException {
    Path noisy = Files.copy(Fixtures.convnet(), dir.resolve("convnet.noisy"));
    assertEquals(CONVNET, validator.validate(noisy));
    assertEquals(CONVNET, validator.validate(noisy));
  }

  @Test
  void serializesConcurrentCallers() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ModuleInfo>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> validator.validate(Fixtures.convnet())));
      }
      for (Future<ModuleInfo> result : results) {
        assertEquals(CONVNET, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void acceptsRelativePaths() {
    Path relative = Path.of("").toAbsolutePath().relativize(Fixtures.convnet());
    assertEquals(CONVNET, validator.validate(relative));
  }

  @Test
  void refusesWorkAfterClose() {
    assertEquals(CONVNET, validator.validate(Fixtures.convnet()));
    ProcessHandle worker = ProcessHandle.of(validator.workerPid().orElseThrow()).orElseThrow();
    validator.close();
    assertTrue(worker.onExit().thenApply(p -> true).completeOnTimeout(false, 30, TimeUnit.SECONDS).join());
    assertThrows(IllegalStateException.class, () -> validator.validate(Fixtures.convnet()));
  }

  @Test
  void saysWhyTheWorkerCannotStart() {
    validator.close();
    validator =
        new WorkerValidator(WorkerValidator.Settings.defaults().withMainClass("io.torchfeed.NoSuchMain"));
    ValidatorUnavailableException e =
        assertThrows(ValidatorUnavailableException.class, () -> validator.validate(Fixtures.convnet()));
    assertTrue(e.getMessage().startsWith("validator failed to start: exited with code 1; last output: "),
        e.getMessage());
  }

  @Test
  void runsTheWorkerWithTheRequiredJvmOptions() {
    List<String> command = validator.command();
    assertTrue(command.contains("-Xmx256m"), command::toString);
    assertTrue(command.contains("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"), command::toString);
    assertEquals(List.of(TestWorkerMain.class.getName(), "validate-worker"),
        command.subList(command.size() - 2, command.size()));
    assertEquals("120 s", WorkerValidator.text(Duration.ofSeconds(120)));
    assertEquals("1500 ms", WorkerValidator.text(Duration.ofMillis(1500)));
  }

  private static WorkerValidator validator(Duration fileTimeout) {
    return new WorkerValidator(WorkerValidator.Settings.defaults()
        .withMainClass(TestWorkerMain.class.getName())
        .withFileTimeout(fileTimeout));
  }

  private static ModelRejectedException rejection(CompletableFuture<ModuleInfo> validation) {
    CompletionException e = assertThrows(CompletionException.class,
        () -> validation.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join());
    assertTrue(e.getCause() instanceof ModelRejectedException, e::toString);
    return (ModelRejectedException) e.getCause();
  }

  /** Waits for the worker to start on {@code model.hang} (it marks that with a file, then hangs). */
  private static void awaitStarted(Path hang) {
    Path started = hang.resolveSibling(hang.getFileName() + ".started");
    Await.until(() -> Files.exists(started), "the worker to start on " + hang);
  }
}
