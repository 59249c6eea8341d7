package io.torchfeed.protocol;

/**
 * A decoded frame. Requests: {@link Hello}, {@link ListRequest}, {@link
 * ManifestRequest}, {@link FetchRequest}, {@link SubscribeRequest}, {@link LoadReceipt}. Responses: {@link
 * ServerHello}, {@link ListResult}, {@link ManifestResult} and {@link FetchHeader} (signed or not), {@link Subscribed}, {@link
 * ReceiptOk}, {@link ErrorMessage}; and {@link Notice}, which the server sends to subscribers between answers.
 */
public sealed interface Message
    permits Hello, ListRequest, ManifestRequest, FetchRequest, SubscribeRequest, LoadReceipt,
        ServerHello, ListResult, ManifestResult, FetchHeader, Subscribed, Notice, ReceiptOk, ErrorMessage {

  /** The frame type this message travels in. */
  FrameType type();
}
