package io.torchfeed.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/** A small HTTP/1.1 client for the API of one server (java.net.http). */
public final class HttpApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The header pair that authorizes changes on a server started with {@link TestServer#withAdmin}. */
  public static final String[] ADMIN = {"Authorization", "Bearer " + TestServer.TOKEN};

  private final HttpClient client;
  private final Function<String, URI> base;

  public HttpApi(Function<String, URI> base) {
    this(base, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build());
  }

  /** With a client of the caller's, e.g. one that trusts a test CA for HTTPS. */
  public HttpApi(Function<String, URI> base, HttpClient client) {
    this.base = base;
    this.client = client;
  }

  public HttpApi(TestServer server) {
    this(server::http);
  }

  public HttpResponse<byte[]> get(String path, String... headers) {
    return send(request(path, headers).GET());
  }

  public HttpResponse<byte[]> head(String path, String... headers) {
    return send(request(path, headers).method("HEAD", HttpRequest.BodyPublishers.noBody()));
  }

  public HttpResponse<byte[]> delete(String path, String... headers) {
    return send(request(path, headers).DELETE());
  }

  public HttpResponse<byte[]> put(String path, String json, String... headers) {
    return send(request(path, headers).PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Uploads a file (with its Content-Length). */
  public HttpResponse<byte[]> upload(String path, Path file, String... headers) {
    try {
      return send(request(path, headers).header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofFile(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.apply(path)).timeout(Duration.ofMinutes(2));
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return builder;
  }

  public HttpResponse<byte[]> send(HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpClient client() {
    return client;
  }

  public static JsonNode json(HttpResponse<byte[]> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + new String(response.body()), e);
    }
  }

  /** The response as a line for assertion messages. */
  public static String describe(HttpResponse<byte[]> response) {
    String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
    return response.statusCode() + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
  }
}
