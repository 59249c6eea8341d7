package io.torchfeed.support;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.store.ObjectStore;
import io.torchfeed.store.S3Clients;
import io.torchfeed.store.S3ObjectStore;
import io.torchfeed.store.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 service for the tests: S3Proxy in this JVM on a free port of 127.0.0.1, requiring AWS v4 signatures
 * with this class's key, over its file-system backend in a directory of the test's (so a test can stop it and start
 * it again on the same data, as a bucket that outlives a replica). S3Proxy stands in for S3 only in the tests;
 * production uses a real S3 service (docs/store.md).
 */
public final class S3Server implements AutoCloseable {
  public static final String BUCKET = "torchfeed-test";
  public static final String ACCESS_KEY = "torchfeed-test-access";
  public static final String SECRET_KEY = "torchfeed-test-secret-0123456789";

  private final Path dir;
  private final S3Proxy proxy;
  private final URI endpoint;

  private S3Server(Path dir, int port) throws Exception {
    this.dir = dir;
    this.proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(dir.toString()))
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
        .stopTimeout(0)
        .build();
    proxy.start();
    Await.until(() -> "STARTED".equals(proxy.getState()), "S3Proxy to start");
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Starts S3Proxy on a free port over {@code dir} and creates {@link #BUCKET} there. */
  public static S3Server start(Path dir) throws Exception {
    S3Server server = new S3Server(dir, 0);
    try (S3Client s3 = server.client()) {
      s3.createBucket(b -> b.bucket(BUCKET));
    }
    return server;
  }

  /** A new S3Proxy on the port and data this one had, after {@link #close()}. */
  public S3Server restart() throws Exception {
    return new S3Server(dir, endpoint.getPort());
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Where the bucket's keys under {@code prefix} are, as the server would be configured. */
  public StoreLocation location(String prefix) {
    return new StoreLocation(BUCKET, prefix, endpoint, StoreLocation.DEFAULT_REGION, true);
  }

  /** A store with its own S3 client (as a replica has), counting its requests in {@code metrics}. */
  public ObjectStore store(String prefix, Metrics metrics) {
    return S3ObjectStore.connect(location(prefix), credentials(), metrics);
  }

  /** A client with the server's settings ({@link S3Clients}) and this S3Proxy's key. */
  public S3Client client() {
    return S3Clients.create(location(""), credentials());
  }

  public static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
  }

  /** Stops S3Proxy at once (connections in flight are cut); the data stays in the directory. */
  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop S3Proxy: " + e, e);
    }
  }
}
