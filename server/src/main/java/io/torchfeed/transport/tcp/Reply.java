package io.torchfeed.transport.tcp;

import io.torchfeed.metrics.Download;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.Message;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.transport.Drain;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** What the connection sends back for one request. */
sealed interface Reply {
  /** One frame; {@code close} after it when the error is fatal. */
  record Frame(Message message, boolean close) implements Reply {}

  /**
   * A FETCH_HEADER frame and then {@code count} bytes of {@code file} from {@code position}. The file was
   * retained for this reply; whoever sends it releases it, and ends {@code download} and {@code transfer} when
   * the bytes are sent or dropped.
   */
  record Stream(FetchHeader header, PinnedFile file, long position, long count, Download download,
      Drain.Transfer transfer) implements Reply {}

  /**
   * The answer once {@code arrival} completes (a version this replica brings from its bucket on first use):
   * {@code then} is asked for it on the connection's I/O thread, or the arrival's failure is the answer. The
   * connection reads no other request meanwhile.
   */
  record Later(CompletableFuture<Void> arrival, Supplier<Reply> then) implements Reply {}
}
