package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HostileFixtures;
import io.torchfeed.support.HostileFixtures.Expectation;
import io.torchfeed.support.HostileFixtures.Stage;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What LibTorch (in the real worker) does with each hostile file when nothing checks it first: the
 * {@code libtorch} column of test-fixtures/hostile/expected.tsv. This is why the pre-check exists; if LibTorch
 * changes (an upgrade), this test says which lines of the README's table to update.
 */
class LibTorchWithoutPrecheckIT {
  static WorkerValidator validator;
  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() {
    validator = new WorkerValidator();
  }

  @AfterAll
  static void stop() {
    validator.close();
  }

  static List<Expectation> hostile() {
    return HostileFixtures.all();
  }

  static Stream<String> good() {
    return Fixtures.goodModels();
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void libTorchAloneDoesWhatTheTableSays(Expectation expected) {
    switch (expected.libtorch()) {
      case LOADS -> validator.validate(expected.path().toAbsolutePath());
      case REJECTS -> {
        ModelRejectedException e = assertThrows(ModelRejectedException.class,
            () -> validator.validate(expected.path().toAbsolutePath()));
        assertTrue(e.getMessage().startsWith("torch::jit::load failed: "), e.getMessage());
        if (expected.stage() == Stage.LIBTORCH) {
          assertTrue(e.getMessage().contains(expected.reason()), e.getMessage());
        }
      }
      case CRASHES -> {
        ModelRejectedException e = assertThrows(ModelRejectedException.class,
            () -> validator.validate(expected.path().toAbsolutePath()));
        assertInstanceOf(ValidatorFailureException.class, e);
        assertTrue(e.getMessage().startsWith("validator crashed: "), e.getMessage());
      }
      default -> throw new AssertionError(expected.libtorch());
    }
  }

  /** The pre-check's ZIP64 parsing agrees with LibTorch's (miniz): the ZIP64 form of a model loads the same. */
  @ParameterizedTest
  @MethodSource("good")
  void theZip64FormOfEveryGoodModelLoads(String name) {
    Path file = TorchArchives.copyOf(Fixtures.model(name)).zip64().write(tmp, name + "-zip64.pt");
    Manifest golden = Fixtures.golden(name);
    assertEquals(new ModuleInfo(golden.parameters(), golden.buffers()), validator.validate(file.toAbsolutePath()));
  }
}
