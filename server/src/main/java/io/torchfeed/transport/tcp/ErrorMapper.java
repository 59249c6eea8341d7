package io.torchfeed.transport.tcp;

import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.ProtocolException;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.store.BlobCorruptException;
import io.torchfeed.store.CacheFullException;
import io.torchfeed.store.StoreUnavailableException;
import io.torchfeed.transport.ShuttingDownException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become ERROR frames (docs/protocol.md, section 4). Protocol exceptions carry
 * their own code and fatality; for domain exceptions the first matching class wins; anything unknown is INTERNAL
 * and logged with its stack trace. Fatal errors close the connection.
 */
final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  private record Rule(Class<? extends Throwable> type, ErrorCode code, boolean fatal) {}

  private static final List<Rule> RULES = List.of(
      new Rule(ShuttingDownException.class, ErrorCode.UNAVAILABLE, true),
      new Rule(ModelNotFoundException.class, ErrorCode.NOT_FOUND, false),
      new Rule(StoreUnavailableException.class, ErrorCode.UNAVAILABLE, false),
      new Rule(CacheFullException.class, ErrorCode.UNAVAILABLE, false),
      new Rule(BlobCorruptException.class, ErrorCode.UNAVAILABLE, false),
      new Rule(InvalidRequestException.class, ErrorCode.BAD_REQUEST, false),
      new Rule(IllegalArgumentException.class, ErrorCode.BAD_REQUEST, false));

  private ErrorMapper() {}

  static ErrorMessage toError(Throwable error) {
    if (error instanceof ProtocolException e) {
      return new ErrorMessage(e.errorCode(), e.fatal(), oneLine(e.getMessage()));
    }
    for (Rule rule : RULES) {
      if (rule.type().isInstance(error)) {
        return new ErrorMessage(rule.code(), rule.fatal(), oneLine(error.getMessage()));
      }
    }
    log.error("internal error answering a request", error);
    return new ErrorMessage(ErrorCode.INTERNAL, false, oneLine("internal error: " + error.getMessage()));
  }

  static String oneLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }
}
