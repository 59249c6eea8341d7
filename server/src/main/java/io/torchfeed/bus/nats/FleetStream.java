package io.torchfeed.bus.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JetStream stream that holds one cluster's messages ({@link Subjects}), and making sure it exists. It only
 * bridges short gaps (a replica reconnecting catches up from it); the bucket holds the truth, so the stream keeps
 * little: file storage (it survives a restart of the NATS server), messages at most {@link #MAX_AGE} old, at most
 * {@link #MAX_PER_SUBJECT} per subject (per kind) and {@link #MAX_BYTES} in all, the oldest discarded first, one
 * replica. An operator may change these on the server (e.g. {@code nats stream edit} to 3 replicas on a NATS
 * cluster): a replica creates the stream when it is missing and otherwise leaves its settings alone.
 */
final class FleetStream {
  static final Duration MAX_AGE = Duration.ofHours(1);
  static final long MAX_PER_SUBJECT = 10_000;
  static final long MAX_BYTES = 64L << 20;

  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  private final Subjects subjects;

  FleetStream(Subjects subjects) {
    this.subjects = subjects;
  }

  StreamConfiguration configuration() {
    return StreamConfiguration.builder()
        .name(subjects.stream())
        .subjects(subjects.all())
        .storageType(StorageType.File)
        .maxAge(MAX_AGE)
        .maxMessagesPerSubject(MAX_PER_SUBJECT)
        .maxBytes(MAX_BYTES)
        .discardPolicy(DiscardPolicy.Old)
        .replicas(1)
        .build();
  }

  /**
   * The stream, created if missing. Replicas creating it at once all succeed: creating a stream with the same
   * settings again is idempotent on the server, and when a create loses a race (the server answers "name already in
   * use" {@code [10058]} or "subjects overlap with an existing stream" {@code [10065]}, depending on the moment) the
   * stream is there to be found. A create refused for another reason is thrown unless the stream exists.
   */
  StreamInfo ensure(JetStreamManagement jsm) throws IOException, JetStreamApiException {
    StreamInfo info;
    try {
      return jsm.addStream(configuration());
    } catch (JetStreamApiException refused) {
      try {
        info = jsm.getStreamInfo(subjects.stream());
      } catch (JetStreamApiException e) {
        refused.addSuppressed(e);
        throw refused;
      }
    }
    if (!info.getConfiguration().getSubjects().contains(subjects.all())) {
      log.warn("bus: stream {} exists with subjects {}, not {}: this replica's messages may not be kept",
          subjects.stream(), info.getConfiguration().getSubjects(), subjects.all());
    }
    return info;
  }
}
