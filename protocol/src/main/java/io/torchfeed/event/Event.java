package io.torchfeed.event;

import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import java.util.Objects;

/**
 * Something that happened, as TCP subscribers (NOTICE, docs/protocol.md 5.8) and the HTTP API's event stream
 * (docs/http.md, Events) hear about it. {@link EventJson} is the one place that turns events into JSON and back.
 */
public sealed interface Event
    permits Event.Published, Event.Removed, Event.AliasChanged, Event.Receipt, Event.Other {

  /** The value of the {@code event} key: {@code published}, {@code removed}, {@code alias}, {@code receipt}. */
  String kind();

  /** The model the event is about. */
  String name();

  /** A version passed validation and is served: a new version, or one whose file was replaced. */
  record Published(String name, int version, String sha256, long size) implements Event {
    public Published {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sha256, "sha256");
    }

    public static Published of(Manifest manifest) {
      return new Published(manifest.name(), manifest.version(), manifest.sha256(), manifest.size());
    }

    @Override
    public String kind() {
      return "published";
    }
  }

  /** A version is no longer served. */
  record Removed(String name, int version) implements Event {
    public Removed {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String kind() {
      return "removed";
    }
  }

  /** An alias of a model now points at {@code version}; 0 when the alias was removed. */
  record AliasChanged(String name, String alias, int version) implements Event {
    public AliasChanged {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(alias, "alias");
    }

    @Override
    public String kind() {
      return "alias";
    }
  }

  /**
   * A client reported how loading a version went (RECEIPT, docs/protocol.md 5.9). Not sent to TCP subscribers.
   *
   * @param client   the connection's id, as in {@code GET /v1/clients}
   * @param sha256   lower-case hex of what the client loaded
   * @param reason   empty when loaded
   * @param libtorch the LibTorch version that loaded it
   */
  record Receipt(String client, String name, int version, String sha256, LoadStatus status, String reason,
      String libtorch) implements Event {
    public Receipt {
      Objects.requireNonNull(client, "client");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(libtorch, "libtorch");
    }

    @Override
    public String kind() {
      return "receipt";
    }
  }

  /**
   * An event of a kind this version does not know, as a newer server may send it; receivers ignore it.
   *
   * @param kind its {@code event} value
   * @param name its {@code name}, or empty when it has none
   * @param json the document as received
   */
  record Other(String kind, String name, String json) implements Event {
    public Other {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(json, "json");
    }
  }
}
