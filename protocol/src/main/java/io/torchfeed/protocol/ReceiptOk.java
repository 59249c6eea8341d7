package io.torchfeed.protocol;

/** RECEIPT_OK (0x87): the server recorded a {@link LoadReceipt}. The payload is empty. */
public record ReceiptOk() implements Message {
  @Override
  public FrameType type() {
    return FrameType.RECEIPT_OK;
  }
}
