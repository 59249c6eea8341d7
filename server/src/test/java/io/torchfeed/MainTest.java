package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.client.libtorch.LibTorch;
import io.torchfeed.protocol.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void versionNamesTorchfeedTheProtocolVersionsSpokenAndTheLibTorchOfThePresets() {
    assertEquals(List.of(
            "torchfeed 0.1.0",
            "protocol versions 1 to 3",
            "LibTorch 2.10.0 (JavaCPP presets 1.5.13; loaded by validation, inspect, verify and watch)"),
        List.of(new Main.VersionProvider().getVersion()));
    assertEquals(1, Protocol.VERSION);
    assertEquals(3, Protocol.MAX_VERSION);
    assertEquals("2.10.0", LibTorch.BUILD_VERSION, "the pom's pytorch.version; LibTorchTest checks it is loaded");
  }
}
