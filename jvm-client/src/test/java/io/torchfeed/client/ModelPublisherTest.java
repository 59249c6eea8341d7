package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPublisherTest {
  @TempDir
  Path tmp;

  @Test
  void onlyHttpAndHttpsUrlsAreAccepted() {
    ClientException ftp = assertThrows(ClientException.class,
        () -> ModelPublisher.to(URI.create("ftp://host:7071"), "t", Optional.empty()));
    assertEquals("not an http:// or https:// URL: ftp://host:7071", ftp.getMessage());
    assertThrows(ClientException.class, () -> ModelPublisher.to(URI.create("host:7071"), "t", Optional.empty()));
  }

  @Test
  void aMissingFileIsNamedBeforeAnythingIsSent() {
    ModelPublisher publisher = ModelPublisher.to(URI.create("http://127.0.0.1:1"), "t", Optional.empty());
    ClientException e = assertThrows(ClientException.class,
        () -> publisher.publish("m", tmp.resolve("absent.pt"), false, sent -> {}));
    assertEquals("no such file: " + tmp.resolve("absent.pt"), e.getMessage());
  }
}
