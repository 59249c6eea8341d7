package io.torchfeed.repository;

import io.torchfeed.event.Event;
import io.torchfeed.model.Manifest;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * An {@link Upstream} that tells other replicas of each change it recorded ({@code announce}: the bus), so they
 * read the bucket at once instead of at their next poll. A change that fails is not announced.
 */
public final class AnnouncingUpstream implements Upstream {
  private final Upstream upstream;
  private final Consumer<Event> announce;

  public AnnouncingUpstream(Upstream upstream, Consumer<Event> announce) {
    this.upstream = upstream;
    this.announce = announce;
  }

  @Override
  public Manifest publish(Manifest manifest, Path file) {
    Manifest numbered = upstream.publish(manifest, file);
    announce.accept(new Event.Published(numbered.name(), numbered.version(), numbered.sha256(), numbered.size()));
    return numbered;
  }

  @Override
  public void moveAlias(String name, String alias, int version) {
    upstream.moveAlias(name, alias, version);
    announce.accept(new Event.AliasChanged(name, alias, version));
  }

  @Override
  public void removeAlias(String name, String alias) {
    upstream.removeAlias(name, alias);
    announce.accept(new Event.AliasChanged(name, alias, 0));
  }

  @Override
  public void delete(String name, int version) {
    upstream.delete(name, version);
    announce.accept(new Event.Removed(name, version));
  }
}
