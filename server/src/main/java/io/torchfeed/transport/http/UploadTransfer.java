package io.torchfeed.transport.http;

import io.torchfeed.transport.Drain;
import io.torchfeed.transport.ShuttingDownException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.xnio.IoUtils;

/**
 * An upload as a transfer of the server's {@link Drain}: counted from when its handler starts on a worker thread
 * until its answer is written (complete when the body was read to its end), so a stopping server lets it finish
 * within the grace; cut by closing its connection. Wraps an {@link ErrorHandler}, which answers every failure
 * before the transfer ends. Once the server is stopping, an upload not yet started is answered 503 and closed.
 */
final class UploadTransfer implements HttpHandler {
  private final Drain drain;
  private final ErrorHandler next;

  UploadTransfer(Drain drain, ErrorHandler next) {
    this.drain = drain;
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    Drain.Transfer transfer;
    try {
      transfer = drain.begin();
    } catch (ShuttingDownException e) {
      exchange.setPersistent(false);
      ErrorHandler.send(exchange, e);
      return;
    }
    transfer.cutBy(() -> IoUtils.safeClose(exchange.getConnection()));
    try {
      next.handleRequest(exchange);
    } finally {
      transfer.ended(exchange.isRequestComplete());
    }
  }
}
