package io.torchfeed.transport.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.repository.ConflictException;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.repository.ShapeChangeException;
import io.torchfeed.store.BlobCorruptException;
import io.torchfeed.store.CacheFullException;
import io.torchfeed.store.StoreUnavailableException;
import io.torchfeed.transport.ShuttingDownException;
import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.validation.ValidatorUnavailableException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.channels.ReadTimeoutException;

/**
 * The one place where exceptions become HTTP errors (docs/http.md, Conventions): the HTTP layer's own
 * {@link HttpException}s carry their status; for the others the first matching class wins; anything unknown is
 * 500 INTERNAL and logged with its stack trace.
 */
final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  /** The error to send: status, {@code type}, one-line message, extra headers, shape differences (or null). */
  record HttpError(int status, String type, String message, Map<String, String> headers,
      List<ModuleDiff.Difference> differences) {
    Documents.Error body() {
      return new Documents.Error(status, type, message, differences);
    }
  }

  private record Rule(Class<? extends Throwable> type, int status) {}

  private static final List<Rule> RULES = List.of(
      new Rule(ModelRejectedException.class, 422),
      new Rule(ModelNotFoundException.class, 404),
      new Rule(ConflictException.class, 409),
      new Rule(InvalidRequestException.class, 400),
      new Rule(ReadTimeoutException.class, 408),
      new Rule(ValidatorUnavailableException.class, 503),
      new Rule(StoreUnavailableException.class, 503),
      new Rule(CacheFullException.class, 503),
      new Rule(BlobCorruptException.class, 502),
      new Rule(ShuttingDownException.class, 503));

  private static final Map<Integer, String> TYPES = Map.ofEntries(
      Map.entry(400, "BAD_REQUEST"), Map.entry(401, "UNAUTHORIZED"), Map.entry(403, "FORBIDDEN"),
      Map.entry(404, "NOT_FOUND"), Map.entry(405, "METHOD_NOT_ALLOWED"), Map.entry(408, "REQUEST_TIMEOUT"),
      Map.entry(409, "CONFLICT"),
      Map.entry(413, "TOO_LARGE"), Map.entry(416, "RANGE_NOT_SATISFIABLE"), Map.entry(422, "UNPROCESSABLE"),
      Map.entry(500, "INTERNAL"), Map.entry(502, "BAD_UPSTREAM"), Map.entry(503, "UNAVAILABLE"));

  private ErrorMapper() {}

  static HttpError map(Throwable error) {
    if (error instanceof HttpException e) {
      return error(e.status(), e.getMessage(), e.headers(), null);
    }
    if (error instanceof ShapeChangeException e) {
      return error(422, e.getMessage(), Map.of(), e.differences());
    }
    if (error instanceof JsonProcessingException e) {
      return error(400, "the body is not the JSON expected: " + e.getOriginalMessage(), Map.of(), null);
    }
    for (Rule rule : RULES) {
      if (rule.type().isInstance(error)) {
        return error(rule.status(), error.getMessage(), Map.of(), null);
      }
    }
    log.error("internal error answering an HTTP request", error);
    return error(500, "internal error: " + error.getMessage(), Map.of(), null);
  }

  static String type(int status) {
    return TYPES.getOrDefault(status, "INTERNAL");
  }

  private static HttpError error(int status, String message, Map<String, String> headers,
      List<ModuleDiff.Difference> differences) {
    return new HttpError(status, type(status), oneLine(message), headers, differences);
  }

  static String oneLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }
}
