package io.torchfeed.store;

import io.torchfeed.store.BucketLayout.ModelKey;
import io.torchfeed.store.BucketSnapshot.Read;
import io.torchfeed.store.ObjectStore.ObjectBytes;
import io.torchfeed.store.ObjectStore.StoredObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a {@link BucketSnapshot}: one listing of {@code models/}, then a GET of each version record and alias map
 * the previous snapshot did not read with the same ETag (records never change but for a delete, so a poll reads only
 * what was published, deleted or re-aliased since). What a replica loads at start and polls.
 */
final class SnapshotReader {
  private final ObjectStore store;
  private final BucketLayout layout;

  SnapshotReader(ObjectStore store, BucketLayout layout) {
    this.store = store;
    this.layout = layout;
  }

  BucketSnapshot read(BucketSnapshot previous) {
    Map<String, Read> reads = new HashMap<>();
    Map<String, TreeMap<Integer, VersionRecord>> versions = new TreeMap<>();
    Map<String, Map<String, Integer>> aliases = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (StoredObject object : store.list(layout.models())) {
      ModelKey key = layout.parse(object.key()).orElse(null);
      if (key == null) {
        continue;
      }
      Read read = previous.read(object.key()).filter(r -> r.etag().equals(object.etag()))
          .orElseGet(() -> fetch(object.key(), key));
      if (read == null) {
        continue;
      }
      reads.put(object.key(), read);
      if (read.problem() != null) {
        problems.add(read.problem());
      } else if (read.document() instanceof VersionRecord record) {
        if (!record.deleted()) {
          versions.computeIfAbsent(key.name(), n -> new TreeMap<>()).put(key.version(), record);
        }
      } else {
        @SuppressWarnings("unchecked")
        Map<String, Integer> map = (Map<String, Integer>) read.document();
        aliases.put(key.name(), map);
      }
    }
    Map<String, BucketSnapshot.Model> models = new TreeMap<>();
    versions.forEach((name, published) -> models.put(name,
        new BucketSnapshot.Model(name, published, servedAliases(name, published, aliases, problems))));
    aliases.keySet().stream().filter(name -> !versions.containsKey(name)).forEach(name ->
        problems.add(name + ": aliases " + aliases.get(name).keySet() + " of a model with no published version"));
    return new BucketSnapshot(models, problems, reads);
  }

  private static Map<String, Integer> servedAliases(String name, Map<Integer, VersionRecord> published,
      Map<String, Map<String, Integer>> aliases, List<String> problems) {
    Map<String, Integer> served = new TreeMap<>();
    aliases.getOrDefault(name, Map.of()).forEach((alias, version) -> {
      if (published.containsKey(version)) {
        served.put(alias, version);
      } else {
        problems.add(name + "@" + alias + " names version " + version + ", which is not published");
      }
    });
    return served;
  }

  /** The object's document or the reason it is unreadable; null if it was removed since the listing. */
  private Read fetch(String key, ModelKey what) {
    ObjectBytes bytes;
    try {
      bytes = store.getBytes(key);
    } catch (ObjectNotFoundException e) {
      return null;
    }
    String where = store.describe(key);
    try {
      Object document = what.isAliases() ? BucketJson.readAliases(bytes.bytes(), where)
          : BucketJson.readRecord(bytes.bytes(), what.name(), what.version(), where);
      return new Read(bytes.etag(), document, null);
    } catch (UnreadableObjectException e) {
      return new Read(bytes.etag(), null, e.getMessage());
    }
  }
}
