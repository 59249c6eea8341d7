/**
 * The torchfeed TCP protocol, versions 1 to 3 (docs/protocol.md; 2 adds signed manifests, 3 chunk digests):
 * frames, messages and their codec.
 *
 * <p>Pure: no sockets, no threads, no files. A transport feeds received bytes to a {@link
 * io.torchfeed.protocol.FrameDecoder}, turns each {@link io.torchfeed.protocol.Frame} into a {@link
 * io.torchfeed.protocol.Message} with {@link io.torchfeed.protocol.MessageDecoder}, and writes the bytes
 * {@link io.torchfeed.protocol.MessageEncoder} makes. Every way the peer can break the protocol is a
 * {@link io.torchfeed.protocol.ProtocolException} that names the ERROR code to answer with and whether the
 * connection must close ({@link io.torchfeed.protocol.ErrorMessage#of(ProtocolException)}).
 *
 * <p>The raw bytes that follow a FETCH_HEADER frame are not a frame: the decoder leaves them in the caller's
 * buffer and the caller reads exactly {@link io.torchfeed.protocol.FetchHeader#payloadSize()} of them itself.
 *
 * <p>A {@link io.torchfeed.protocol.Notice} answers no request: after SUBSCRIBE it may arrive between any two
 * frames, and a subscriber tells it from answers by its type. Its JSON is {@link io.torchfeed.event.EventJson}'s.
 */
package io.torchfeed.protocol;
