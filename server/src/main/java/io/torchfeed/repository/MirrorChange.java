package io.torchfeed.repository;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A change a replica makes to its local directory to follow its {@link Upstream}, applied by
 * {@link ModelRepository#follow}: the local directory is then a copy of what upstream holds, and every file in it is
 * validated by this replica's own scan before it is served.
 */
public sealed interface MirrorChange {
  /**
   * Version {@code version} of {@code name} arrived: {@code file} (its bytes, their sha256 already checked against
   * upstream's manifest) is moved into the directory, unless the version is there already. {@code announce}: its
   * arrival is news to subscribers (upstream's new latest), not a copy of an older version brought in because it
   * is used or aliased.
   */
  record Adopt(String name, int version, Path file, boolean announce) implements MirrorChange {
    public Adopt {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(file, "file");
    }
  }

  /** Version {@code version} of {@code name} is no longer upstream (deleted): it leaves the directory. */
  record Retire(String name, int version) implements MirrorChange {
    public Retire {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Version {@code version} of {@code name} leaves the directory to make room, though upstream still has it (it is
   * brought back on its next use): subscribers are not told it was removed.
   */
  record Evict(String name, int version) implements MirrorChange {
    public Evict {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Version {@code version} of {@code name} was deleted upstream and the directory never held it: nothing to
   * remove, but subscribers hear that it is gone.
   */
  record Gone(String name, int version) implements MirrorChange {
    public Gone {
      Objects.requireNonNull(name, "name");
    }
  }

  /** {@code name}'s aliases upstream are {@code aliases}: the local alias file says the same. */
  record Aliases(String name, Map<String, Integer> aliases) implements MirrorChange {
    public Aliases {
      Objects.requireNonNull(name, "name");
      aliases = Map.copyOf(aliases);
    }
  }
}
