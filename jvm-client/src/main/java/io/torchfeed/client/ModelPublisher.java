package io.torchfeed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.MalformedMessageException;
import io.torchfeed.protocol.ManifestJson;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Publishes a model file as the next version of a model through a server's HTTP API
 * ({@code POST /v1/models/{name}/versions}, docs/http.md): the file is streamed with its length, the server
 * validates it with LibTorch and answers with the new version's manifest, or with the reason it refused it. Any
 * server (or replica) of a deployment takes the upload.
 *
 * <pre>{@code
 * Manifest published = ModelPublisher.to(URI.create("https://models.example:7071"), token, Optional.of(tls))
 *     .publish("resnet", Path.of("resnet.pt"), false, sent -> {});
 * }</pre>
 */
public final class ModelPublisher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String token;
  private final HttpClient http;
  private final Duration timeout;

  private ModelPublisher(URI base, String token, HttpClient http, Duration timeout) {
    this.base = base;
    this.token = token;
    this.http = http;
    this.timeout = timeout;
  }

  /**
   * A publisher to the HTTP API at {@code base} ({@code http://host:7071}, or {@code https://} trusting
   * {@code tls}'s CA), authorized by the server's admin {@code token}; a publish waits up to 10 minutes for the
   * answer (the upload and the server's validation).
   */
  public static ModelPublisher to(URI base, String token, Optional<ClientTls> tls) {
    return to(base, token, tls, Duration.ofSeconds(10), Duration.ofMinutes(10));
  }

  /** As {@link #to(URI, String, Optional)}, with the connect timeout and the time allowed for the answer. */
  public static ModelPublisher to(URI base, String token, Optional<ClientTls> tls, Duration connectTimeout,
      Duration timeout) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(token, "token");
    String scheme = String.valueOf(base.getScheme());
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ClientException("not an http:// or https:// URL: " + base);
    }
    if (scheme.equals("http") && tls.isPresent()) {
      throw new ClientException("a CA file was given for " + base + ", which is not https://");
    }
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout);
    tls.ifPresent(t -> builder.sslContext(t.sslContext()));
    return new ModelPublisher(base, token, builder.build(), timeout);
  }

  /**
   * Uploads {@code file} as the next version of {@code name}; {@code sent} hears the bytes sent so far.
   *
   * @return the new version's manifest, as the server validated it
   * @throws HttpRefusedException with the server's reason: the file was rejected (422), it is too large (413),
   *     the token is wrong (401, 403), the server is not ready (503), ...
   * @throws ClientException when the file cannot be read or the server cannot be reached
   */
  public Manifest publish(String name, Path file, boolean allowShapeChange, LongConsumer sent) {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new ClientException("no such file: " + file, e);
    } catch (IOException e) {
      throw new ClientException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!ModelId.isValidName(name)) {
      throw new ClientException("not a model name: '" + name + "'");
    }
    String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    URI target = base.resolve(path + "/v1/models/" + URLEncoder.encode(name, StandardCharsets.UTF_8)
        .replace("+", "%20") + "/versions" + (allowShapeChange ? "?allowShapeChange=true" : ""));
    List<InputStream> opened = new CopyOnWriteArrayList<>();
    HttpRequest request = HttpRequest.newBuilder(target).timeout(timeout)
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(() -> {
              InputStream in = counting(file, sent);
              opened.add(in);
              return in;
            }), size))
        .build();
    HttpResponse<byte[]> response;
    try {
      response = send(request);
    } finally {
      for (InputStream in : opened) {
        try {
          in.close();
        } catch (IOException ignored) {
          // the upload is over either way
        }
      }
    }
    if (response.statusCode() != 201) {
      throw refusal(response);
    }
    try {
      return ManifestJson.read(response.body(), "the server's answer to the upload");
    } catch (MalformedMessageException e) {
      throw new ClientException(e.getMessage(), e);
    }
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new ClientException("upload to " + base + " failed: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("upload to " + base + " interrupted", e);
    }
  }

  /** The server's error document as an exception; a body that is not one is quoted (its first line). */
  static HttpRefusedException refusal(HttpResponse<byte[]> response) {
    String text = new String(response.body(), StandardCharsets.UTF_8);
    try {
      JsonNode error = JSON.readTree(text);
      if (error != null && error.path("type").isTextual() && error.path("message").isTextual()) {
        return new HttpRefusedException(response.statusCode(), error.path("type").asText(),
            error.path("message").asText());
      }
    } catch (IOException notJson) {
      // quoted below
    }
    String line = text.strip().lines().findFirst().orElse("(no body)");
    return new HttpRefusedException(response.statusCode(), "HTTP_ERROR", line);
  }

  private static InputStream counting(Path file, LongConsumer sent) {
    try {
      return new FilterInputStream(Files.newInputStream(file)) {
        private long total;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) {
            total += n;
            sent.accept(total);
          }
          return n;
        }
      };
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The reason of a failed exchange: the JDK's connection errors often carry no message of their own. */
  private static String describe(IOException e) {
    Throwable inner = e;
    while (inner.getMessage() == null && inner.getCause() != null) {
      inner = inner.getCause();
    }
    return inner.getMessage() != null ? inner.getMessage() : inner.getClass().getSimpleName();
  }
}
