package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** test-fixtures/models-2.10/toynet, the toynet re-saved by LibTorch 2.10, served as toynet version 1. */
class LibTorch210FixtureIT {
  @TempDir
  Path tmp;

  @Test
  void isServedWithItsGoldenManifestAndExactBytes() throws Exception {
    Path repository = tmp.resolve("repo");
    Fixtures.copy(Fixtures.toynet210(), repository.resolve("toynet/1/model.pt"));
    byte[] file = Files.readAllBytes(Fixtures.toynet210());
    Manifest golden = Fixtures.golden210();
    try (TestServer server = TestServer.start(repository, tmp.resolve("cache"));
        TorchfeedClient client = server.client()) {
      ModelListing listing = client.list();
      assertEquals(List.of(), listing.rejected());
      Manifest served = client.manifest(ModelId.parse("toynet"));
      assertEquals(golden, served.withoutChunks());
      assertEquals(Fixtures.chunks(Fixtures.toynet210()), served.chunkDigests().orElseThrow());

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      FetchHeader header = client.fetch(ModelId.parse("toynet:1"), 0, 0, bytes, null);
      assertEquals(served, header.manifest());
      assertEquals(golden.sha256(), header.sha256Hex());
      assertArrayEquals(file, bytes.toByteArray());
    }
  }
}
