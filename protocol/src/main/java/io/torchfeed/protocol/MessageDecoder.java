package io.torchfeed.protocol;

import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import io.torchfeed.model.ModelListing;
import java.util.Optional;

/**
 * Turns a {@link Frame} into its {@link Message}, reading the payload by the layout of the frame's type and
 * requiring that it is consumed exactly. Stateless.
 *
 * <p>Failures, each a {@link ProtocolException} with a one-line message:
 *
 * <ul>
 *   <li>{@link UnsupportedFrameTypeException}: a type the protocol does not define (not fatal);
 *   <li>{@link UnsupportedProtocolException}: HELLO or SERVER_HELLO with a bad magic or another protocol
 *       version (fatal);
 *   <li>{@link MalformedMessageException}: a payload that is short, has trailing bytes, bad UTF-8, bad
 *       JSON, or a value out of range, such as a u32 version over 2^31 - 1 or a u64 over 2^63 - 1 (not
 *       fatal).
 * </ul>
 *
 * <p>Every type is decoded whichever side receives it; whether it may arrive there is the caller's business.
 */
public final class MessageDecoder {
  private MessageDecoder() {}

  public static Message decode(Frame frame) {
    FrameType type = frame.frameType()
        .orElseThrow(() -> new UnsupportedFrameTypeException(frame.type()));
    PayloadReader in = new PayloadReader(type, frame.payloadArray());
    Message message = switch (type) {
      case HELLO -> new Hello(HelloFields.readVersion(in), in.str("software"), in.str("libtorch"));
      case SERVER_HELLO ->
          new ServerHello(HelloFields.readVersion(in), in.str("software"), in.str("libtorch"));
      case LIST -> new ListRequest();
      case MANIFEST -> new ManifestRequest(in.str("name"), in.version("version"));
      case FETCH ->
          new FetchRequest(in.str("name"), in.version("version"), in.u64("offset"), in.u64("length"));
      case LIST_RESULT -> new ListResult(in.jsonDocument(ModelListing.class));
      case MANIFEST_RESULT -> manifestResult(in.rest("document"), "document", Optional.empty(), in);
      case SIGNED_MANIFEST_RESULT -> {
        byte[] json = in.jsonBytes("manifest");
        yield manifestResult(json, "manifest", Optional.of(signature(in)), in);
      }
      case FETCH_HEADER, SIGNED_FETCH_HEADER -> fetchHeader(in, type == FrameType.SIGNED_FETCH_HEADER);
      case SUBSCRIBE -> new SubscribeRequest(NameList.read(in));
      case SUBSCRIBED -> new Subscribed(NameList.read(in));
      case NOTICE -> new Notice(event(in));
      case RECEIPT -> receipt(in);
      case RECEIPT_OK -> new ReceiptOk();
      case ERROR -> error(in);
    };
    in.end();
    return message;
  }

  private static ManifestResult manifestResult(byte[] json, String field, Optional<ManifestSignature> signature,
      PayloadReader in) {
    return new ManifestResult(in.parse(json, Manifest.class, field), json, signature);
  }

  private static ManifestSignature signature(PayloadReader in) {
    return new ManifestSignature(in.bytes(ManifestSignature.KEY_ID_LENGTH, "key id"),
        in.bytes(ManifestSignature.SIGNATURE_LENGTH, "signature"));
  }

  private static FetchHeader fetchHeader(PayloadReader in, boolean signed) {
    String name = in.str("name");
    int version = in.version("version");
    long totalSize = in.u64("total size");
    long offset = in.u64("offset");
    long payloadSize = in.u64("payload size");
    String problem = FetchHeader.problem(version, totalSize, offset, payloadSize);
    if (problem != null) {
      throw in.malformed(problem);
    }
    byte[] sha256 = in.bytes(Protocol.SHA256_LENGTH, "sha256");
    byte[] json = in.jsonBytes("manifest");
    Manifest manifest = in.parse(json, Manifest.class, "manifest");
    Optional<ManifestSignature> signature = signed ? Optional.of(signature(in)) : Optional.empty();
    return new FetchHeader(name, version, totalSize, offset, payloadSize, sha256, manifest, json, signature);
  }

  private static Event event(PayloadReader in) {
    String text = in.text("document");
    try {
      return EventJson.read(text);
    } catch (IllegalArgumentException e) {
      throw in.malformed(e.getMessage());
    }
  }

  private static LoadReceipt receipt(PayloadReader in) {
    String name = in.str("name");
    int version = in.version("version");
    if (version == 0) {
      throw in.malformed("version 0 is not a concrete version");
    }
    byte[] sha256 = in.bytes(Protocol.SHA256_LENGTH, "sha256");
    int code = in.u8("status");
    LoadStatus status = LoadStatus.of(code)
        .orElseThrow(() -> in.malformed("status " + code + " is neither 0 (loaded) nor 1 (failed)"));
    return new LoadReceipt(name, version, sha256, status, in.str("reason"), in.str("libtorch"));
  }

  private static ErrorMessage error(PayloadReader in) {
    int code = in.u16("code");
    ErrorCode errorCode = ErrorCode.of(code).orElseThrow(() -> in.malformed("unknown error code " + code));
    int fatal = in.u8("fatal");
    if (fatal > 1) {
      throw in.malformed("fatal flag " + fatal + " is neither 0 nor 1");
    }
    return new ErrorMessage(errorCode, fatal == 1, in.str("message"));
  }
}
