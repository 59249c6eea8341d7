package io.torchfeed.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.torchfeed.model.ModuleInfo;
import java.nio.file.Path;

/**
 * The line protocol between {@link WorkerValidator} (the server) and {@link ValidationWorker} (the worker
 * process): one compact JSON object per line, UTF-8, so a message never contains a newline.
 *
 * <pre>
 * worker → server, once, when LibTorch is loaded:
 *     {"ready":true,"libtorch":"2.10.0"}
 * server → worker, one file at a time:
 *     {"path":"/abs/models/toynet/1/model.pt"}
 * worker → server, one answer per request:
 *     {"ok":true,"parameters":[{"name":"fc.weight","shape":[3,2],"dtype":"float32"}, ...],"buffers":[...]}
 *     {"ok":false,"reason":"torch::jit::load failed: ..."}
 * </pre>
 *
 * Answers start with {@code {"ok":} and the ready line with {@code {"ready":}; the server looks for these
 * openings anywhere in a line of the worker's stdout, so stray bytes that native code writes to stdout before
 * an answer cannot corrupt it (see {@link ValidationWorker}).
 */
final class WorkerProtocol {
  static final String READY_START = "{\"ready\":";
  static final String ANSWER_START = "{\"ok\":";
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private WorkerProtocol() {}

  static String ready(String libtorchVersion) {
    return write(JSON.createObjectNode().put("ready", true).put("libtorch", libtorchVersion));
  }

  static String request(Path file) {
    return write(JSON.createObjectNode().put("path", file.toString()));
  }

  static String accepted(ModuleInfo module) {
    ObjectNode answer = JSON.createObjectNode().put("ok", true);
    answer.set("parameters", JSON.valueToTree(module.parameters()));
    answer.set("buffers", JSON.valueToTree(module.buffers()));
    return write(answer);
  }

  static String rejected(String reason) {
    return write(JSON.createObjectNode().put("ok", false).put("reason", reason));
  }

  /** Where a message starts in a line of the worker's stdout, or -1 if the line holds none. */
  static int messageStart(String line) {
    int answer = line.indexOf(ANSWER_START);
    return answer >= 0 ? answer : line.indexOf(READY_START);
  }

  /** The absolute path of a request. @throws IllegalArgumentException if the line is not a request */
  static Path parseRequest(String line) {
    JsonNode path = read(line).path("path");
    if (!path.isTextual() || path.asText().isEmpty()) {
      throw new IllegalArgumentException("expected {\"path\": \"/absolute/file\"}");
    }
    Path file = Path.of(path.asText());
    if (!file.isAbsolute()) {
      throw new IllegalArgumentException("path is not absolute: " + file);
    }
    return file;
  }

  /** The LibTorch version of a ready line. @throws IllegalArgumentException if the line is not one */
  static String parseReady(String line) {
    JsonNode ready = read(line);
    if (!ready.path("ready").asBoolean(false)) {
      throw new IllegalArgumentException("not a ready line: " + Reasons.oneLine(line));
    }
    return ready.path("libtorch").asText("");
  }

  /**
   * The module of an answer.
   *
   * @throws ModelRejectedException with the worker's reason if the answer is a rejection
   * @throws IllegalArgumentException if the line is not an answer
   */
  static ModuleInfo parseAnswer(String line) {
    JsonNode answer = read(line);
    JsonNode ok = answer.path("ok");
    if (!ok.isBoolean()) {
      throw new IllegalArgumentException("not an answer: " + Reasons.oneLine(line));
    }
    if (!ok.booleanValue()) {
      throw new ModelRejectedException(Reasons.oneLine(answer.path("reason").asText("")));
    }
    try {
      return JSON.treeToValue(answer, ModuleInfo.class);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("malformed answer: " + Reasons.oneLine(e.getMessage()), e);
    }
  }

  private static JsonNode read(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object: " + Reasons.oneLine(line));
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + Reasons.oneLine(line), e);
    }
  }

  private static String write(ObjectNode message) {
    try {
      return JSON.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
