package io.torchfeed.protocol;

/**
 * A decoded frame of protocol version 1. Requests: {@link Hello}, {@link ListRequest}, {@link
 * ManifestRequest}, {@link FetchRequest}. Responses: {@link ServerHello}, {@link ListResult}, {@link
 * ManifestResult}, {@link FetchHeader}, {@link ErrorMessage}.
 */
public sealed interface Message
    permits Hello, ListRequest, ManifestRequest, FetchRequest,
        ServerHello, ListResult, ManifestResult, FetchHeader, ErrorMessage {

  /** The frame type this message travels in. */
  FrameType type();
}
