package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's loop in this process, with an inspector that needs no LibTorch. */
class ValidationWorkerTest {
  static final ModuleInfo TINY = new ModuleInfo(
      List.of(new TensorInfo("fc.weight", List.of(3L, 2L), "float32")),
      List.of(new TensorInfo("bn.num_batches_tracked", List.of(), "int64")));

  private final ModuleInspector inspector = new ModuleInspector() {
    @Override
    public ModuleInfo inspect(Path file) {
      switch (file.getFileName().toString()) {
        case "good.pt":
          return TINY;
        case "bad.pt":
          throw new ModelRejectedException("torch::jit::load failed: not a ZIP archive");
        default:
          throw new IllegalStateException("boom");
      }
    }

    @Override
    public String libtorchVersion() {
      return "9.9.9";
    }
  };

  @Test
  void announcesItselfThenAnswersEachRequestOnOneLine() throws IOException {
    List<String> answers =
        serve("{\"path\":\"/m/good.pt\"}\n\n{\"path\":\"/m/bad.pt\"}\n{\"path\":\"/m/good.pt\"}\n");
    assertEquals(List.of(
        "{\"ready\":true,\"libtorch\":\"9.9.9\"}",
        "{\"ok\":true,\"parameters\":[{\"name\":\"fc.weight\",\"shape\":[3,2],\"dtype\":\"float32\"}],"
            + "\"buffers\":[{\"name\":\"bn.num_batches_tracked\",\"shape\":[],\"dtype\":\"int64\"}]}",
        "{\"ok\":false,\"reason\":\"torch::jit::load failed: not a ZIP archive\"}",
        "{\"ok\":true,\"parameters\":[{\"name\":\"fc.weight\",\"shape\":[3,2],\"dtype\":\"float32\"}],"
            + "\"buffers\":[{\"name\":\"bn.num_batches_tracked\",\"shape\":[],\"dtype\":\"int64\"}]}"),
        answers);
    assertEquals(TINY, WorkerProtocol.parseAnswer(answers.get(1)));
  }

  @Test
  void answersBadRequestsAndKeepsGoing() throws IOException {
    List<String> answers =
        serve("not json\n{\"path\":3}\n{\"path\":\"relative.pt\"}\n[1]\n{\"path\":\"/m/good.pt\"}\n");
    assertEquals(6, answers.size());
    assertEquals("{\"ok\":false,\"reason\":\"bad request: not JSON: not json\"}", answers.get(1));
    assertEquals("{\"ok\":false,\"reason\":\"bad request: expected {\\\"path\\\": \\\"/absolute/file\\\"}\"}",
        answers.get(2));
    assertEquals("{\"ok\":false,\"reason\":\"bad request: path is not absolute: relative.pt\"}",
        answers.get(3));
    assertEquals("{\"ok\":false,\"reason\":\"bad request: not a JSON object: [1]\"}", answers.get(4));
    assertEquals(TINY, WorkerProtocol.parseAnswer(answers.get(5)));
  }

  @Test
  void turnsUnexpectedFailuresIntoRejections() throws IOException {
    List<String> answers = serve("{\"path\":\"/m/other.pt\"}\n");
    ModelRejectedException e =
        assertThrows(ModelRejectedException.class, () -> WorkerProtocol.parseAnswer(answers.get(1)));
    assertEquals("validator error: java.lang.IllegalStateException: boom", e.getMessage());
  }

  @Test
  void pathsWithNewlinesAndUnicodeSurviveTheTrip() throws IOException {
    Path odd = Path.of("/m/odd\nname é.pt");
    String request = WorkerProtocol.request(odd);
    assertEquals(odd, WorkerProtocol.parseRequest(request));
    assertEquals(2, serve(request + "\n").size());
  }

  @Test
  void findsMessagesAfterNoiseOnTheSameLine() {
    assertEquals(5, WorkerProtocol.messageStart("noise{\"ok\":false,\"reason\":\"x\"}"));
    assertEquals(0, WorkerProtocol.messageStart("{\"ready\":true,\"libtorch\":\"2.10.0\"}"));
    assertEquals(-1, WorkerProtocol.messageStart("just noise"));
    assertEquals("2.10.0", WorkerProtocol.parseReady("{\"ready\":true,\"libtorch\":\"2.10.0\"}"));
  }

  private List<String> serve(String requests) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] in = requests.getBytes(StandardCharsets.UTF_8);
    new ValidationWorker(inspector).serve(new ByteArrayInputStream(in), out);
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }
}
