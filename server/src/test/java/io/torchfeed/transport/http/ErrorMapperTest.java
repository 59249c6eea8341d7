package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.torchfeed.repository.ConflictException;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.repository.ShapeChangeException;
import io.torchfeed.validation.ValidatorFailureException;
import io.torchfeed.validation.ValidatorUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {
  private static void assertMapped(int status, String type, Throwable error) {
    ErrorMapper.HttpError mapped = ErrorMapper.map(error);
    assertEquals(status, mapped.status(), error.toString());
    assertEquals(type, mapped.type(), error.toString());
  }

  @Test
  void domainExceptionsGetTheirStatus() {
    assertMapped(404, "NOT_FOUND", new ModelNotFoundException("no model named 'resnet'"));
    assertMapped(400, "BAD_REQUEST", new InvalidRequestException("invalid model name"));
    assertMapped(409, "CONFLICT", new ConflictException("aliased"));
    assertMapped(422, "UNPROCESSABLE", new ModelRejectedException("not a zip archive"));
    assertMapped(422, "UNPROCESSABLE", new ValidatorFailureException("validator crashed: SIGSEGV"));
    assertMapped(503, "UNAVAILABLE", new ValidatorUnavailableException("cannot start the worker"));
  }

  @Test
  void theHttpLayersOwnRefusalsKeepTheirStatusAndHeaders() {
    assertMapped(400, "BAD_REQUEST", HttpException.badRequest("x"));
    assertMapped(403, "FORBIDDEN", HttpException.forbidden("read-only"));
    assertMapped(404, "NOT_FOUND", HttpException.notFound("no such endpoint"));
    assertMapped(413, "TOO_LARGE", HttpException.tooLarge("too big"));
    assertMapped(503, "UNAVAILABLE", HttpException.unavailable("starting"));
    ErrorMapper.HttpError unauthorized = ErrorMapper.map(HttpException.unauthorized("token"));
    assertEquals(401, unauthorized.status());
    assertEquals("UNAUTHORIZED", unauthorized.type());
    assertEquals("Bearer realm=\"torchfeed\"", unauthorized.headers().get("WWW-Authenticate"));
    ErrorMapper.HttpError method = ErrorMapper.map(HttpException.methodNotAllowed("no", "GET, HEAD"));
    assertEquals("METHOD_NOT_ALLOWED", method.type());
    assertEquals(Map.of("Allow", "GET, HEAD"), method.headers());
    ErrorMapper.HttpError range = ErrorMapper.map(HttpException.rangeNotSatisfiable(17));
    assertEquals("RANGE_NOT_SATISFIABLE", range.type());
    assertEquals(Map.of("Content-Range", "bytes */17"), range.headers());
  }

  @Test
  void aShapeChangeCarriesItsDifferences() {
    List<ModuleDiff.Difference> differences =
        List.of(new ModuleDiff.Difference("parameter", "fc.weight", "float32[2, 3]", "float32[4, 3]"));
    ErrorMapper.HttpError mapped = ErrorMapper.map(new ShapeChangeException("toynet", 1, differences));
    assertEquals(422, mapped.status());
    assertEquals(differences, mapped.differences());
    assertEquals(differences, mapped.body().differences());
    assertNull(ErrorMapper.map(new ModelRejectedException("bad")).differences());
  }

  @Test
  void badJsonIsABadRequest() {
    assertMapped(400, "BAD_REQUEST", new JsonProcessingException("Unexpected end-of-input") {
      private static final long serialVersionUID = 1L;
    });
  }

  @Test
  void anythingElseIsInternalWithAOneLineMessage() {
    ErrorMapper.HttpError mapped = ErrorMapper.map(new UncheckedIOException(new IOException("disk\nfull")));
    assertEquals(500, mapped.status());
    assertEquals("INTERNAL", mapped.type());
    assertEquals("internal error: java.io.IOException: disk", mapped.message());
    assertMapped(500, "INTERNAL", new IllegalStateException("bug"));
  }

  @Test
  void theBodyIsCodeTypeMessage() throws Exception {
    String json = Responses.JSON.writeValueAsString(ErrorMapper.map(new ModelNotFoundException("gone")).body());
    assertEquals("{\"code\":404,\"type\":\"NOT_FOUND\",\"message\":\"gone\"}", json);
  }
}
