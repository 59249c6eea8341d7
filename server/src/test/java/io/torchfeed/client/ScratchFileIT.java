package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TamperingProxy;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads into scratch files from a real server serving the fixtures. */
class ScratchFileIT {
  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theFileIsPrivateWhileItIsWrittenHoldsTheServedBytesAndCloseDeletesIt() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("private"));
    List<String> seen = new ArrayList<>();
    TorchfeedClient.Progress watch = new TorchfeedClient.Progress() {
      @Override
      public void started(FetchHeader header) {
        Path file = only(root).resolve("model.pt");
        seen.add(permissions(file.getParent()) + " " + permissions(file));
      }

      @Override
      public void advanced(long received) {}
    };
    Manifest golden = Fixtures.golden("toynet");
    try (TorchfeedClient client = TorchfeedClient.connect(server.serverAddress());
        ScratchFile scratch = ScratchFile.download(client, ModelId.parse("toynet"), root, watch)) {
      assertEquals(List.of("rwx------ rw-------"), seen, "directory and file, as they are written");
      assertEquals(golden.sha256(), sha256(scratch.path()));
      assertEquals(golden.sha256(), scratch.manifest().sha256());
      assertEquals(1, scratch.manifest().version(), "the exact version, not 'latest'");
      scratch.close();
      assertFalse(Files.exists(scratch.path()));
    }
    assertEquals(List.of(), list(root), "the directory is gone too");
  }

  @Test
  void aCorruptedByteIsRefusedAndLeavesNothingBehind() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("corrupted"));
    TamperingProxy.Tamper flipFirstByte = new TamperingProxy.Tamper() {
      @Override
      public void raw(byte[] chunk, int length, long offset) {
        if (offset == 0 && length > 0) {
          chunk[0] ^= 1;
        }
      }
    };
    try (TamperingProxy proxy = new TamperingProxy(server.address(), flipFirstByte);
        TorchfeedClient client = TorchfeedClient.connect(new ServerAddress("127.0.0.1", proxy.address().getPort()))) {
      ClientException e = assertThrows(ClientException.class,
          () -> ScratchFile.download(client, ModelId.parse("toynet"), root, null));
      assertTrue(e.getMessage().startsWith("chunk 0 of toynet:1 (offset 0) hashes to "), e.getMessage());
    }
    assertEquals(List.of(), list(root));
  }

  @Test
  void byDefaultTheFileGoesWhereDefaultRootSaysDevShmWhenThereIsRoom() throws Exception {
    try (TorchfeedClient client = TorchfeedClient.connect(server.serverAddress());
        ScratchFile scratch = ScratchFile.download(client, ModelId.parse("toynet"), null)) {
      Path root = ScratchFile.defaultRoot(scratch.manifest().size());
      assertEquals(root, scratch.path().getParent().getParent());
    }
  }

  static Path only(Path dir) {
    List<Path> entries = list(dir);
    assertEquals(1, entries.size(), entries.toString());
    return entries.get(0);
  }

  static List<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String permissions(Path path) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
