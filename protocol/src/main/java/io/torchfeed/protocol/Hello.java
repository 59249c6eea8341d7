package io.torchfeed.protocol;

/**
 * HELLO (0x01), the client's first frame.
 *
 * <pre>
 * +-------------+--------------+--------------+--------------+
 * | magic "TFED"| protocol u16 | software str | libtorch str |
 * +-------------+--------------+--------------+--------------+
 * </pre>
 *
 * @param protocolVersion the protocol version the client speaks
 * @param software        the client's software and version, e.g. {@code torchfeed-cpp/0.1.0}
 * @param libtorch        the LibTorch version the client loads models with, empty if none
 */
public record Hello(int protocolVersion, String software, String libtorch) implements Message {
  public Hello {
    HelloFields.check(protocolVersion, software, libtorch);
  }

  /** A HELLO for {@link Protocol#VERSION}. */
  public static Hello of(String software, String libtorch) {
    return new Hello(Protocol.VERSION, software, libtorch);
  }

  @Override
  public FrameType type() {
    return FrameType.HELLO;
  }
}
