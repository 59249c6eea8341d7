package io.torchfeed.store;

import io.torchfeed.metrics.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * {@link ObjectStore} over the AWS SDK's {@link S3Client}: conditional writes are {@code If-None-Match: *} and
 * {@code If-Match: ETAG} on PutObject. Each request runs through {@link S3Requests}, which counts it and turns S3's
 * answers into the store's exceptions. Bodies are streamed, never held whole, but for the small objects of
 * {@link #getBytes}.
 */
public final class S3ObjectStore implements ObjectStore {
  static final String GET = "get";
  static final String PUT = "put";
  static final String LIST = "list";
  static final String HEAD = "head";
  static final String DELETE = "delete";

  private static final int BUFFER = 64 * 1024;

  private final S3Client s3;
  private final S3Client conditional;
  private final StoreLocation location;
  private final S3Requests requests;
  private final int pageSize;

  /** A store of {@code location} with its two clients ({@link S3Clients}) over {@code credentials}. */
  public static S3ObjectStore connect(StoreLocation location, AwsCredentialsProvider credentials, Metrics metrics) {
    return connect(location, credentials, metrics, 1000);
  }

  static S3ObjectStore connect(StoreLocation location, AwsCredentialsProvider credentials, Metrics metrics,
      int pageSize) {
    return new S3ObjectStore(S3Clients.create(location, credentials),
        S3Clients.createSingleAttempt(location, credentials), location, metrics, pageSize);
  }

  /**
   * Takes ownership of both clients (closed by {@link #close()}): {@code s3} for every request but the conditional
   * writes, {@code conditional} for those (it must make one attempt only: {@link S3Clients#createSingleAttempt}).
   * Lists 1000 keys a page, S3's most.
   */
  public S3ObjectStore(S3Client s3, S3Client conditional, StoreLocation location, Metrics metrics) {
    this(s3, conditional, location, metrics, 1000);
  }

  S3ObjectStore(S3Client s3, S3Client conditional, StoreLocation location, Metrics metrics, int pageSize) {
    this.s3 = s3;
    this.conditional = conditional;
    this.location = location;
    this.requests = new S3Requests(location, metrics);
    this.pageSize = pageSize;
  }

  @Override
  public StoredObject get(String key, OutputStream out) {
    return requests.run(GET, key, null, () -> {
      ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(location.bucket()).key(key));
      boolean complete = false;
      try {
        long size = copy(in, out);
        complete = true;
        return new StoredObject(key, in.response().eTag(), size);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + describe(key) + " locally: " + e.getMessage(), e);
      } finally {
        if (!complete) {
          in.abort();
        }
        closeQuietly(in);
      }
    });
  }

  @Override
  public ObjectBytes getBytes(String key) {
    ResponseBytes<GetObjectResponse> bytes = requests.run(GET, key, null,
        () -> s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(key)));
    return new ObjectBytes(bytes.asByteArray(), bytes.response().eTag());
  }

  @Override
  public Optional<StoredObject> head(String key) {
    try {
      HeadObjectResponse head = requests.run(HEAD, key, null,
          () -> s3.headObject(b -> b.bucket(location.bucket()).key(key)));
      return Optional.of(new StoredObject(key, head.eTag(), head.contentLength()));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<StoredObject> list(String prefix) {
    List<StoredObject> objects = new ArrayList<>();
    String token = null;
    do {
      String after = token;
      ListObjectsV2Response page = requests.run(LIST, prefix, null, () -> s3.listObjectsV2(
          b -> b.bucket(location.bucket()).prefix(prefix).maxKeys(pageSize).continuationToken(after)));
      page.contents().forEach(o -> objects.add(new StoredObject(o.key(), o.eTag(), o.size())));
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return objects;
  }

  @Override
  public StoredObject putIfAbsent(String key, Path file) {
    PutObjectRequest request = PutObjectRequest.builder().bucket(location.bucket()).key(key).ifNoneMatch("*").build();
    return put(key, request, RequestBody.fromFile(file), ObjectExistsException::new);
  }

  @Override
  public StoredObject putIfAbsent(String key, byte[] bytes) {
    PutObjectRequest request = PutObjectRequest.builder().bucket(location.bucket()).key(key).ifNoneMatch("*").build();
    return put(key, request, RequestBody.fromBytes(bytes), ObjectExistsException::new);
  }

  @Override
  public StoredObject putIfMatch(String key, byte[] bytes, String etag) {
    PutObjectRequest request = PutObjectRequest.builder().bucket(location.bucket()).key(key).ifMatch(etag).build();
    try {
      return put(key, request, RequestBody.fromBytes(bytes), EtagMismatchException::new);
    } catch (ObjectNotFoundException e) {
      throw new EtagMismatchException(describe(key) + " is gone (its ETag was " + etag + ")");
    }
  }

  @Override
  public void delete(String key) {
    requests.run(DELETE, key, null, () -> s3.deleteObject(b -> b.bucket(location.bucket()).key(key)));
  }

  @Override
  public String describe(String key) {
    return location.describe(key);
  }

  @Override
  public void close() {
    s3.close();
    conditional.close();
  }

  private StoredObject put(String key, PutObjectRequest request, RequestBody body,
      Function<String, RuntimeException> lost) {
    long size = body.optionalContentLength().orElse(-1L);
    String etag = requests.run(PUT, key, lost, () -> conditional.putObject(request, body)).eTag();
    return new StoredObject(key, etag, size);
  }

  /**
   * Copies the body; a failure to read is the store's ({@link S3Requests.BodyReadException}), one to write is the
   * caller's.
   */
  private static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[BUFFER];
    long total = 0;
    while (true) {
      int n;
      try {
        n = in.read(buffer);
      } catch (IOException e) {
        throw new S3Requests.BodyReadException(e);
      }
      if (n < 0) {
        return total;
      }
      out.write(buffer, 0, n);
      total += n;
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // the body was read to its end or aborted: nothing is lost
    }
  }
}
