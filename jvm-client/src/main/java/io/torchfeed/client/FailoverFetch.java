package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * One download's requests, moved to the next server of its client's {@link Replicas} when a connection fails or a
 * server is unavailable: the manifest (every server once), then the FETCH of that exact version, resumed where its
 * {@link CheckedSink} says (a chunk boundary with chunk digests, else the bytes held), for
 * {@link Replicas#fetchRounds()} rounds over every server. Every server must have the sha256 of the server the
 * manifest came from for that version: its manifest is asked before its first FETCH and its FETCH_HEADER checked
 * ({@link ReplicaMismatchException} otherwise). It starts on the caller's client and closes only the clients it
 * opened.
 */
final class FailoverFetch implements AutoCloseable {
  private final Replicas replicas;
  private final TorchfeedClient callers;
  private TorchfeedClient client;
  private ServerAddress server;

  FailoverFetch(TorchfeedClient client) {
    this.replicas = client.replicas();
    this.callers = client;
    this.client = client;
    this.server = client.address();
  }

  /** The manifest of {@code id} from the first server that answers. */
  Manifest manifest(ModelId id) {
    for (int tried = 1; ; tried++) {
      try {
        return connected().manifest(id);
      } catch (ClientException e) {
        if (!Replicas.nextMayHelp(e)) {
          throw e;
        }
        moveOn();
        if (tried >= replicas.servers().size()) {
          throw replicas.giveUp("every server failed", e);
        }
      }
    }
  }

  /**
   * Writes the bytes of {@code pinned}'s version into {@code sink}, in order, each once, whichever servers they
   * come from, and returns once they are checked ({@link CheckedSink#finish()}). Each FETCH starts at
   * {@link CheckedSink#resumeOffset()}: the start of the first chunk not wholly received with chunk digests (so at
   * most one chunk is sent again), else the bytes held.
   *
   * @param pinned the manifest of the exact version, from {@link #manifest}
   * @return the header of the FETCH that sent the last bytes
   */
  FetchHeader fetch(Manifest pinned, CheckedSink sink, TorchfeedClient.Progress progress) {
    ServerAddress announcedBy = server;
    Set<ServerAddress> agreed = new HashSet<>(Set.of(announcedBy));
    Duration delay = replicas.retryBackoff();
    int failedInRound = 0;
    for (int round = 1; ; ) {
      long from = sink.resumeOffset();
      try {
        ServerAddress on = server;
        TorchfeedClient connection = connected();
        if (!agreed.contains(on)) {  // before a FETCH from an offset it may not even have
          checkSha256(connection.manifest(pinned.id()).sha256(), pinned, announcedBy, on);
          agreed.add(on);
        }
        FetchHeader header = connection.fetch(pinned.id(), from, 0, sink, progress, h -> {
          checkSha256(h.sha256Hex(), pinned, announcedBy, on);
          sink.start(h, from);
        });
        sink.finish();
        return header;
      } catch (ClientException e) {
        sink.throwIfRefused();  // a bad chunk, and then the connection failed: no point in going on
        if (!Replicas.nextMayHelp(e)) {
          throw e;
        }
        moveOn();
        if (++failedInRound < replicas.servers().size()) {
          continue;  // the next server, now
        }
        if (round >= replicas.fetchRounds()) {
          throw giveUp(pinned.id(), round, e);
        }
      }
      failedInRound = 0;
      round++;
      sleep(delay);
      delay = delay.multipliedBy(2);
    }
  }

  /** Closes the clients this fetch opened; the caller's stays as it is. */
  @Override
  public void close() {
    if (client != null && client != callers) {
      client.close();
    }
  }

  private TorchfeedClient connected() {
    if (client == null) {
      client = replicas.connect(server);
    }
    return client;
  }

  /** The server failed: the next one, on a connection of this fetch's own. */
  private void moveOn() {
    if (callers.closedByCaller()) {  // stopped (ModelWatcher.close()): no other server either
      throw new ClientException("the client was closed");
    }
    close();  // the caller's, which failed, stays closed
    client = null;
    replicas.failed(server);
    server = replicas.after(server);
  }

  private static void checkSha256(String announced, Manifest pinned, ServerAddress announcedBy,
      ServerAddress on) {
    if (!announced.equals(pinned.sha256()) && !on.equals(announcedBy)) {
      throw new ReplicaMismatchException("replica mismatch for " + pinned.id() + ": " + announcedBy
          + " serves it with sha256 " + pinned.sha256() + ", " + on + " with sha256 " + announced
          + "; the servers hold different files for the same version");
    }
  }

  private ClientException giveUp(ModelId id, int rounds, ClientException last) {
    if (replicas.servers().size() > 1) {
      return replicas.giveUp("fetch of " + id + " gave up after " + rounds + " rounds over every server", last);
    }
    if (rounds == 1) {
      return last;
    }
    return new ConnectionFailedException(last.getMessage() + " (fetch of " + id + " gave up after " + rounds
        + " attempts)", last);
  }

  private static void sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted while waiting to retry", e);
    }
  }
}
