package io.torchfeed.store;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds the synchronous S3 client of a {@link StoreLocation}, with the settings docs/store.md explains:
 *
 * <ul>
 *   <li>Apache HttpClient 5, the SDK's default synchronous client (no Netty; not the JDK's {@code HttpURLConnection},
 *       which reused connections the service had closed and failed PUTs);
 *   <li>{@value #CONNECT_SECONDS} s to connect: an endpoint that has not accepted a connection by then is down, so
 *       an unreachable bucket is reported within seconds, not minutes;
 *   <li>{@value #READ_SECONDS} s without a byte read ends a request (a stalled download included), and no limit on a
 *       whole call, so a large blob's download is never cut for being long;
 *   <li>the SDK's standard retries, {@value #ATTEMPTS} attempts with jittered exponential back-off, for connection
 *       failures, 5xx and throttling, on every request but the conditional writes: those go through a client of
 *       their own that makes one attempt ({@link #createSingleAttempt}), because a conditional write is not
 *       idempotent (a write whose answer was lost, sent again, is refused by its own success); the repository
 *       decides what to do after a refusal or an unknown outcome, reading the object first;
 *   <li>checksums only where S3 requires them: S3-compatible services differ in their support of the SDK's
 *       default trailing CRC32 (aws-chunked uploads), and blobs are checked end to end by their sha256 anyway.
 * </ul>
 */
public final class S3Clients {
  static final int CONNECT_SECONDS = 2;
  static final int READ_SECONDS = 30;
  static final int ATTEMPTS = 3;

  private S3Clients() {}

  /** A client with credentials from the SDK's default chain (environment, profiles, instance roles). */
  public static S3Client create(StoreLocation location) {
    return create(location, DefaultCredentialsProvider.builder().build());
  }

  public static S3Client create(StoreLocation location, AwsCredentialsProvider credentials) {
    return create(location, credentials, ATTEMPTS);
  }

  /** A client that never sends a request twice: for conditional writes. */
  public static S3Client createSingleAttempt(StoreLocation location, AwsCredentialsProvider credentials) {
    return create(location, credentials, 1);
  }

  private static S3Client create(StoreLocation location, AwsCredentialsProvider credentials, int attempts) {
    S3ClientBuilder builder = S3Client.builder()
        .region(Region.of(location.region()))
        .forcePathStyle(location.pathStyle())
        .credentialsProvider(credentials)
        .httpClientBuilder(Apache5HttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(CONNECT_SECONDS))
            .socketTimeout(Duration.ofSeconds(READ_SECONDS)))
        .overrideConfiguration(o -> o.retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(attempts).build()))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (location.endpoint() != null) {
      builder.endpointOverride(location.endpoint());
    }
    return builder.build();
  }
}
