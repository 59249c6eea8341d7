package io.torchfeed.protocol;

/**
 * SERVER_HELLO (0x81), the server's answer to {@link Hello}; the same layout.
 *
 * <pre>
 * +-------------+--------------+--------------+--------------+
 * | magic "TFED"| protocol u16 | software str | libtorch str |
 * +-------------+--------------+--------------+--------------+
 * </pre>
 *
 * @param protocolVersion the protocol version the server will use for the connection
 * @param software        the server's software and version, e.g. {@code torchfeed/0.1.0}
 * @param libtorch        the LibTorch version the server's validator uses, empty if none
 */
public record ServerHello(int protocolVersion, String software, String libtorch) implements Message {
  public ServerHello {
    HelloFields.check(protocolVersion, software, libtorch);
  }

  /** A SERVER_HELLO for {@link Protocol#VERSION}. */
  public static ServerHello of(String software, String libtorch) {
    return new ServerHello(Protocol.VERSION, software, libtorch);
  }

  @Override
  public FrameType type() {
    return FrameType.SERVER_HELLO;
  }
}
