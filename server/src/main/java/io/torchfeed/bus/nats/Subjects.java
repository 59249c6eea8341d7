package io.torchfeed.bus.nats;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The names one cluster of replicas uses on NATS (docs/bus.md): catalog notices on {@code torchfeed.<cluster>.catalog},
 * client receipts on {@code torchfeed.<cluster>.receipts}, both in the stream {@code TORCHFEED_<cluster>} over
 * {@code torchfeed.<cluster>.>}. Several clusters can share one NATS: each has its own subjects and stream.
 *
 * @param cluster 1-64 letters, digits, {@code _} or {@code -} (one subject token, part of a stream name)
 */
public record Subjects(String cluster) {
  /** The kind of a catalog notice: the {@code kind} label of its counters. */
  public static final String NOTICE = "notice";
  /** The kind of a client receipt. */
  public static final String RECEIPT = "receipt";
  /** A subject of the stream this version does not know (a newer replica's kind of message). */
  public static final String OTHER = "other";

  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public Subjects {
    Objects.requireNonNull(cluster, "cluster");
    if (!CLUSTER.matcher(cluster).matches()) {
      throw new IllegalArgumentException("bad bus cluster name '" + cluster.replaceAll("\\p{Cntrl}", "?")
          + "': use 1-64 letters, digits, '_' or '-'");
    }
  }

  /** {@code TORCHFEED_<cluster>}. */
  public String stream() {
    return "TORCHFEED_" + cluster;
  }

  /** {@code torchfeed.<cluster>.>}: every subject of the cluster, the stream's and the consumer's. */
  public String all() {
    return prefix() + ">";
  }

  public String catalog() {
    return prefix() + "catalog";
  }

  public String receipts() {
    return prefix() + "receipts";
  }

  /** The subject a message of {@code kind} ({@link #NOTICE} or {@link #RECEIPT}) is published on. */
  public String of(String kind) {
    return switch (kind) {
      case NOTICE -> catalog();
      case RECEIPT -> receipts();
      default -> throw new IllegalArgumentException("no subject for " + kind);
    };
  }

  /** The kind of a message on {@code subject}: {@link #NOTICE}, {@link #RECEIPT} or {@link #OTHER}. */
  public String kindOf(String subject) {
    if (catalog().equals(subject)) {
      return NOTICE;
    }
    return receipts().equals(subject) ? RECEIPT : OTHER;
  }

  private String prefix() {
    return "torchfeed." + cluster + ".";
  }
}
