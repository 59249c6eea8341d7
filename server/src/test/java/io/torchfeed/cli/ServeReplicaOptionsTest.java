package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The options of {@code serve --store} (a replica), from the environment as a container gives them. */
class ServeReplicaOptionsTest {
  private static ServerConfig parse(Map<String, String> env, String... args) {
    ServeCommand serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    cli.setDefaultValueProvider(ConfigDefaults.fromArgs(args, env));
    cli.parseArgs(args);
    return serve.toConfig();
  }

  private static String refusal(Map<String, String> env, String... args) {
    return assertThrows(CommandLine.ParameterException.class, () -> parse(env, args)).getMessage();
  }

  @Test
  void aReplicaIsConfiguredFromTheEnvironmentAlone() {
    ServerConfig config = parse(Map.of("TORCHFEED_STORE", "s3://models/prod", "TORCHFEED_S3_ENDPOINT",
        "http://s3:8333", "TORCHFEED_S3_PATH_STYLE", "true", "TORCHFEED_BUS", "nats://nats:4222,nats-2:4222",
        "TORCHFEED_REPLICA_ID", "a", "TORCHFEED_CACHE_DIR", "/var/cache/tf", "TORCHFEED_STORE_POLL", "30s",
        "TORCHFEED_CACHE_SIZE", "20GiB"));

    ServerConfig.Replica replica = config.replica().orElseThrow();
    assertEquals("models", replica.store().bucket());
    assertEquals("prod", replica.store().prefix());
    assertEquals(URI.create("http://s3:8333"), replica.store().endpoint());
    assertTrue(replica.store().pathStyle());
    assertEquals(List.of("nats://nats:4222", "nats://nats-2:4222"), replica.bus().orElseThrow().urls());
    assertEquals("a", replica.id());
    assertEquals("torchfeed", replica.cluster());
    assertEquals(Duration.ofSeconds(30), replica.storePoll());
    assertEquals(20L << 30, replica.cacheSize());
    assertEquals(Path.of("/var/cache/tf/store"), config.models(), "the replica's copy of the bucket");
  }

  @Test
  void withoutStoreTheModelsDirectoryIsServedAsBefore() {
    ServerConfig config = parse(Map.of(), "--models", "repo");
    assertEquals(Optional.empty(), config.replica());
    assertEquals(Path.of("repo"), config.models());
  }

  @Test
  void replicaOptionsWithoutStoreAreRefusedInOneLine() {
    assertEquals("--bus needs --store s3://BUCKET[/PREFIX]", refusal(Map.of(), "--bus", "nats://n:4222"));
    assertEquals("--s3-endpoint needs --store s3://BUCKET[/PREFIX]",
        refusal(Map.of(), "--s3-endpoint", "http://s3:9000"));
    assertEquals("--cache-size needs --store s3://BUCKET[/PREFIX]", refusal(Map.of(), "--cache-size", "1GiB"));
  }

  @Test
  void keepIsRefusedForAReplica() {
    assertTrue(refusal(Map.of(), "--store", "s3://bucket", "--keep", "3").startsWith("--keep applies to a local "),
        "versions are deleted in the bucket");
  }

  @Test
  void aBadBucketOrBusIsRefusedInOneLine() {
    for (String[] args : new String[][] {{"--store", "http://bucket"}, {"--store", "s3://bucket", "--bus", "http://x"},
        {"--store", "s3://bucket", "--cluster", "no spaces"}, {"--store", "s3://bucket", "--replica-id", "a b"}}) {
      String message = refusal(Map.of(), args);
      assertEquals(1, message.lines().count(), message);
    }
  }
}
