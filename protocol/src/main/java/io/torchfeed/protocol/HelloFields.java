package io.torchfeed.protocol;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** The layout HELLO and SERVER_HELLO share: argument checks, writing and reading. */
final class HelloFields {
  private HelloFields() {}

  static void check(int protocolVersion, String software, String libtorch) {
    if (protocolVersion < 0 || protocolVersion > 0xFFFF) {
      throw new IllegalArgumentException("protocol version " + protocolVersion + " does not fit a u16");
    }
    Objects.requireNonNull(software, "software");
    Objects.requireNonNull(libtorch, "libtorch");
  }

  static void write(PayloadWriter out, int protocolVersion, String software, String libtorch) {
    out.bytes(Protocol.MAGIC).u16(protocolVersion).str("software", software).str("libtorch", libtorch);
  }

  /** Reads the magic and the protocol version, rejecting either when it is not this protocol's. */
  static int readVersion(PayloadReader in) {
    byte[] magic = in.bytes(Protocol.MAGIC.length, "magic");
    if (!Arrays.equals(magic, Protocol.MAGIC)) {
      throw new UnsupportedProtocolException("bad magic " + HexFormat.ofDelimiter(" ").formatHex(magic)
          + ": not a torchfeed peer (expected 54 46 45 44, \"TFED\")");
    }
    int version = in.u16("protocol version");
    if (version < Protocol.VERSION || version > Protocol.MAX_VERSION) {
      throw new UnsupportedProtocolException("protocol version " + version
          + " is not supported (this side speaks " + Protocol.VERSION + " to " + Protocol.MAX_VERSION + ")");
    }
    return version;
  }
}
