package io.torchfeed.protocol;

/** LIST (0x02): asks for every servable model and every rejected file. The payload is empty. */
public record ListRequest() implements Message {
  @Override
  public FrameType type() {
    return FrameType.LIST;
  }
}
