package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.FileDownload;
import io.torchfeed.client.Replicas;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.S3Server;
import io.torchfeed.support.ServerProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas as operators run them: {@code torchfeed serve --store} processes over a real S3 service, credentials in
 * the environment. A replica killed with SIGKILL in the middle of a transfer costs the client nothing: it resumes on
 * the other replica at the offset it reached, and the whole file hashes to what was published.
 */
class ReplicaKillIT {
  private static final String MODEL = "big";

  @TempDir
  Path tmp;

  private S3Server s3;
  private ServerProcess a;
  private ServerProcess b;

  @BeforeEach
  void start() throws Exception {
    s3 = S3Server.start(Files.createDirectories(tmp.resolve("s3")));
    a = replica("a");
    b = replica("b");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    s3.close();
  }

  @Test
  void aReplicaKilledMidTransferCostsTheClientNothingItResumesOnAnother() throws Exception {
    Path model = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("big.pt"), 48, 7);
    HttpResponse<byte[]> created = a.api().upload("/v1/models/" + MODEL + "/versions", model, HttpApi.ADMIN);
    assertEquals(201, created.statusCode(), HttpApi.describe(created));
    Await.until(() -> b.api().get("/v1/models/" + MODEL + "/versions/1").statusCode() == 200,
        "b to copy and validate the version");

    List<Long> offsets = new CopyOnWriteArrayList<>();
    Path target = tmp.resolve("fetched.pt");
    try (TorchfeedClient client = Replicas.of(List.of(address(a), address(b))).inOrder(true).connect()) {
      new FileDownload(client).download(new ModelId(MODEL, 1), target, new TorchfeedClient.Progress() {
        @Override
        public void started(FetchHeader header) {
          offsets.add(header.offset());
        }

        @Override
        public void advanced(long received) {
          if (received >= 8 << 20 && a.isAlive()) {
            try {
              a.kill();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      });
    }

    assertFalse(a.isAlive(), "a was killed during the transfer");
    assertEquals(2, offsets.size(), offsets.toString());
    assertEquals(0, offsets.get(0));
    assertTrue(offsets.get(1) >= 8 << 20 && offsets.get(1) < Files.size(model), "resumed at " + offsets.get(1));
    assertEquals(sha256(model), sha256(target), "the bytes of both replicas make the published file");
  }

  private ServerProcess replica(String id) {
    return ServerProcess.start("export AWS_ACCESS_KEY_ID='" + S3Server.ACCESS_KEY + "' AWS_SECRET_ACCESS_KEY='"
            + S3Server.SECRET_KEY + "';", tmp.resolve(id).resolve("unused"), tmp.resolve(id).resolve("cache"),
        tmp.resolve(id).resolve("logs"), "--store", "s3://" + S3Server.BUCKET + "/fleet", "--s3-endpoint",
        s3.endpoint().toString(), "--s3-path-style", "--store-poll", "200ms", "--replica-id", id);
  }

  private static ServerAddress address(ServerProcess server) {
    return new ServerAddress("127.0.0.1", server.tcpPort());
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
