package io.torchfeed.store;

import io.torchfeed.metrics.Metrics;
import java.io.IOException;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Runs the requests of {@link S3ObjectStore}: counts each in {@link Metrics#storeRequest} by operation and outcome,
 * and is the one place where S3's answers and the SDK's failures become the store's exceptions:
 *
 * <ul>
 *   <li>412 Precondition Failed, and 409 ConditionalRequestConflict, on a conditional write: the write was lost
 *       ({@link ObjectExistsException}, {@link EtagMismatchException}), outcome {@code conflict};
 *   <li>404 NoSuchKey (or a bare 404, as HEAD answers): {@link ObjectNotFoundException}, outcome {@code missing};
 *   <li>any other answer, every client-side failure (connection refused, time-outs, a body cut short):
 *       {@link StoreUnavailableException} with a one-line reason, outcome {@code error}.
 * </ul>
 */
final class S3Requests {
  private final StoreLocation location;
  private final Metrics metrics;

  S3Requests(StoreLocation location, Metrics metrics) {
    this.location = location;
    this.metrics = metrics;
  }

  /**
   * Runs {@code request} on {@code key}; a lost conditional write becomes {@code lost(message)} ({@code lost} null:
   * the request is not conditional, and a 412 is the store failing).
   */
  <T> T run(String operation, String key, Function<String, RuntimeException> lost, Supplier<T> request) {
    try {
      T result = request.get();
      metrics.storeRequest(operation, "ok");
      return result;
    } catch (NoSuchKeyException e) {
      metrics.storeRequest(operation, "missing");
      throw new ObjectNotFoundException(location.describe(key) + ": no such object");
    } catch (S3Exception e) {
      if (isNoSuchKey(e)) {
        metrics.storeRequest(operation, "missing");
        throw new ObjectNotFoundException(location.describe(key) + ": no such object");
      }
      if (lost != null && isConditionalConflict(e)) {
        metrics.storeRequest(operation, "conflict");
        throw lost.apply(location.describe(key) + ": conditional write refused (HTTP " + e.statusCode() + " "
            + errorCode(e) + ")");
      }
      metrics.storeRequest(operation, "error");
      throw unavailable(operation, key, "HTTP " + e.statusCode() + " " + errorCode(e) + ": "
          + (e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : e.getMessage()), e);
    } catch (SdkException e) {
      metrics.storeRequest(operation, "error");
      throw unavailable(operation, key, e.getMessage(), e);
    } catch (BodyReadException e) {
      metrics.storeRequest(operation, "error");
      throw unavailable(operation, key, "reading the object: " + e.getCause().getMessage(), e.getCause());
    } catch (RuntimeException e) {
      metrics.storeRequest(operation, "error");
      throw e;
    }
  }

  private StoreUnavailableException unavailable(String operation, String key, String reason, Throwable cause) {
    String endpoint = location.endpoint() != null ? location.endpoint().toString() : "AWS S3 " + location.region();
    String line = "bucket store unavailable: " + operation + " " + location.describe(key) + " at " + endpoint + ": "
        + reason;
    return new StoreUnavailableException(line.replaceAll("\\s+", " ").strip(), cause);
  }

  private static boolean isNoSuchKey(S3Exception e) {
    return e.statusCode() == 404 && (errorCode(e).equals("NoSuchKey") || errorCode(e).isEmpty());
  }

  private static boolean isConditionalConflict(S3Exception e) {
    return e.statusCode() == 412 || (e.statusCode() == 409 && errorCode(e).equals("ConditionalRequestConflict"));
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
        ? e.awsErrorDetails().errorCode() : "";
  }

  /** Reading a response body failed: the store's failure (a connection lost mid-body), not the destination's. */
  static final class BodyReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyReadException(IOException cause) {
      super(cause);
    }
  }
}
