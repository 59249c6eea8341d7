package io.torchfeed.protocol;

import io.torchfeed.event.EventJson;
import io.torchfeed.model.ManifestSignature;

/**
 * Turns a {@link Message} into the exact bytes of its frame (header and payload). Stateless.
 *
 * <p>JSON is written compact with keys in the order of the spec, so a decoded frame re-encodes byte for byte.
 * A value the layout cannot hold (a string over 65535 bytes of UTF-8, an unpaired surrogate) is an {@link
 * IllegalArgumentException}.
 */
public final class MessageEncoder {
  private MessageEncoder() {}

  /** The frame carrying {@code message}, ready to be written. */
  public static byte[] encode(Message message) {
    PayloadWriter out = new PayloadWriter();
    if (message instanceof Hello m) {
      HelloFields.write(out, m.protocolVersion(), m.software(), m.libtorch());
    } else if (message instanceof ServerHello m) {
      HelloFields.write(out, m.protocolVersion(), m.software(), m.libtorch());
    } else if (message instanceof ManifestRequest m) {
      out.str("name", m.name()).u32(m.version());
    } else if (message instanceof FetchRequest m) {
      out.str("name", m.name()).u32(m.version()).u64(m.offset()).u64(m.length());
    } else if (message instanceof ListResult m) {
      out.jsonDocument(m.listing());
    } else if (message instanceof ManifestResult m) {
      if (m.signature().isPresent()) {
        signature(out.jsonBytes(m.json()), m.signature().get());
      } else {
        out.bytes(m.json());
      }
    } else if (message instanceof FetchHeader m) {
      out.str("name", m.name()).u32(m.version()).u64(m.totalSize()).u64(m.offset()).u64(m.payloadSize())
          .bytes(m.sha256()).jsonBytes(m.manifestJson());
      m.signature().ifPresent(signature -> signature(out, signature));
    } else if (message instanceof SubscribeRequest m) {
      NameList.write(out, m.names());
    } else if (message instanceof Subscribed m) {
      NameList.write(out, m.names());
    } else if (message instanceof Notice m) {
      out.bytes(EventJson.utf8(m.event()));
    } else if (message instanceof LoadReceipt m) {
      out.str("name", m.name()).u32(m.version()).bytes(m.sha256()).u8(m.status().code())
          .str("reason", m.reason()).str("libtorch", m.libtorch());
    } else if (message instanceof ErrorMessage m) {
      out.u16(m.code().code()).u8(m.fatal() ? 1 : 0).str("message", m.message());
    } else if (!(message instanceof ListRequest || message instanceof ReceiptOk)) {
      throw new AssertionError("unhandled message " + message.type());
    }
    return out.toFrame(message.type());
  }

  private static void signature(PayloadWriter out, ManifestSignature signature) {
    out.bytes(signature.keyId()).bytes(signature.signature());
  }

  /** A raw frame's bytes, whatever its type (for tests and for relaying). */
  public static byte[] encode(Frame frame) {
    byte[] payload = frame.payloadArray();
    byte[] bytes = new byte[Protocol.HEADER_LENGTH + payload.length];
    bytes[0] = (byte) frame.type();
    for (int i = 0; i < 4; i++) {
      bytes[1 + i] = (byte) (payload.length >>> (24 - 8 * i));
    }
    System.arraycopy(payload, 0, bytes, Protocol.HEADER_LENGTH, payload.length);
    return bytes;
  }
}
