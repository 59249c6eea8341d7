package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload larger than the free space of the repository's file system (an 8 MiB tmpfs, mounted by the test,
 * which runs as root): a clean error answer, nothing left on disk, and the server still serves and accepts the
 * next upload.
 */
class UploadDiskFullIT {
  @TempDir
  Path tmp;

  @Test
  void anUploadThatFillsTheDiskIsAnErrorAndLeavesTheRepositoryAsItWas() throws Exception {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", repo.toString());
    try {
      Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
      Path big = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("big.pt"), 12, 29);
      try (TestServer server = TestServer.withAdmin(repo, tmp.resolve("cache"), 0, 64L << 20)) {
        HttpApi http = new HttpApi(server);
        SortedMap<String, String> before = RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
        long free = Files.getFileStore(repo).getUsableSpace();

        HttpResponse<byte[]> full = http.upload("/v1/models/toynet/versions", big, ADMIN);
        assertEquals(500, full.statusCode(), describe(full));
        assertEquals("INTERNAL", json(full).path("type").asText(), describe(full));

        assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)), "no upload left");
        assertEquals(before, RepositorySnapshot.of(repo, UploadArea.DIRECTORY), "the repository is as it was");
        assertEquals(free, Files.getFileStore(repo).getUsableSpace(), "the space is free again");
        assertEquals("[1]", json(http.get("/v1/models/toynet")).path("versions").findValues("version")
            .toString(), "still only version 1");
        assertArrayEquals(Files.readAllBytes(Fixtures.model("toynet")), http.get("/v1/models/toynet/content").body());
        HttpResponse<byte[]> next = http.upload("/v1/models/toynet/versions", Fixtures.model("toynet"), ADMIN);
        assertEquals(201, next.statusCode(), describe(next));
      }
    } finally {
      run("umount", repo.toString());
    }
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(process.waitFor(1, TimeUnit.MINUTES), String.join(" ", command));
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": "
        + new String(process.getInputStream().readAllBytes()));
  }
}
