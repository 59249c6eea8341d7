package io.torchfeed.transport.http;

import io.torchfeed.metrics.Download;
import io.torchfeed.metrics.Metrics;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.transport.Drain;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * Sends a range of a {@link PinnedFile} as the response body with zero copy ({@code sendfile(2)}), driven by write
 * readiness on the exchange's I/O thread, in slices so one fast download does not starve the other connections
 * of that thread. Owns one reference to the file and releases it exactly once: when the exchange completes, or
 * when its connection closes under it (a client that vanished mid-download); at that moment it ends the
 * {@link Download} and the {@link Drain.Transfer}, complete if every byte of the range was sent. A stopping server
 * that cuts the transfer closes the connection.
 *
 * <p>Why not Undertow's {@code Sender.transferFrom(FileChannel, ...)} (which its {@code PathResource} uses for
 * whole files): it sends from the channel's <em>position</em> to its end, and the pinned descriptor is shared by
 * every concurrent download, so only positional transfers are safe, and a range needs an end. This class writes
 * the response head first ({@code flush()}), then calls the response channel's positional
 * {@code transferFrom(file, position, count)}, which goes through Undertow's fixed-length conduit to XNIO's
 * socket and {@code FileChannel.transferTo}. (Undertow's HTTP conduit reads the file relative to its position
 * if the head is still pending, which is why the head goes first.)
 */
final class FileStreamer implements ChannelListener<StreamSinkChannel> {
  private static final Logger log = LoggerFactory.getLogger(FileStreamer.class);
  private static final long SLICE = 16L * 1024 * 1024;
  private static final AttachmentKey<CloseActions> ON_CLOSE = AttachmentKey.create(CloseActions.class);

  private final HttpServerExchange exchange;
  private final PinnedFile file;
  private final Metrics metrics;
  private final Download download;
  private final Drain.Transfer transfer;
  private final AtomicBoolean released = new AtomicBoolean();
  private long position;
  private long remaining;
  private final long count;
  private boolean headSent;

  /** Takes over one reference to {@code file}, already retained by the caller. */
  FileStreamer(HttpServerExchange exchange, PinnedFile file, long position, long count, Metrics metrics,
      Download download, Drain.Transfer transfer) {
    this.exchange = exchange;
    this.file = file;
    this.position = position;
    this.remaining = count;
    this.count = count;
    this.metrics = metrics;
    this.download = download;
    this.transfer = transfer;
  }

  /** Starts sending once the current handler returns; the status and headers must be set. */
  void start() {
    Runnable release = this::release;
    Set<Runnable> onClose = closeActions(exchange.getConnection());
    exchange.addExchangeCompleteListener((ex, next) -> {
      onClose.remove(release);
      release();
      next.proceed();
    });
    onClose.add(release);
    transfer.cutBy(() -> IoUtils.safeClose(exchange.getConnection()));
    exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
      StreamSinkChannel sink = exchange.getResponseChannel();
      sink.getWriteSetter().set(this);
      handleEvent(sink);
    });
  }

  @Override
  public void handleEvent(StreamSinkChannel sink) {
    try {
      if (!headSent) {
        if (!sink.flush()) {
          sink.resumeWrites();
          return;
        }
        headSent = true;
      }
      long budget = SLICE;
      while (remaining > 0 && budget > 0) {
        long n = sink.transferFrom(file.channel(), position, Math.min(remaining, budget));
        if (n <= 0) {
          if (file.channel().size() < position + remaining) {
            throw new IOException(file.path() + " shrank while it was being sent");
          }
          sink.resumeWrites();
          return;
        }
        position += n;
        remaining -= n;
        budget -= n;
        metrics.sent(Metrics.HTTP, n);
      }
      if (remaining > 0) {
        sink.resumeWrites();
        return;
      }
      sink.suspendWrites();
      sink.getWriteSetter().set(null);
      exchange.endExchange();
    } catch (IOException | RuntimeException e) {
      log.debug("download {} to {} stopped: {}", exchange.getRequestPath(), exchange.getSourceAddress(),
          e.toString());
      IoUtils.safeClose(exchange.getConnection());
      exchange.endExchange();
    }
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      transfer.ended(remaining == 0);
      download.ended(count - remaining, remaining == 0);
      file.release();
    }
  }

  /** What runs when a connection closes: one close listener per connection, however many requests it carries. */
  private static final class CloseActions {
    final Set<Runnable> actions = ConcurrentHashMap.newKeySet();
  }

  private static Set<Runnable> closeActions(ServerConnection connection) {
    CloseActions registered = connection.getAttachment(ON_CLOSE);
    if (registered == null) {
      CloseActions created = new CloseActions();
      connection.putAttachment(ON_CLOSE, created);
      connection.addCloseListener(closed -> created.actions.forEach(Runnable::run));
      registered = created;
    }
    return registered.actions;
  }
}
