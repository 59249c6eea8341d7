package io.torchfeed.repository;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the repository root, every model directory and every version directory (Linux watches are not
 * recursive) and asks for a rescan on any change. The rescan does the real work; events only make it prompt.
 * The periodic rescan of {@link ModelRepository} covers anything missed (network file systems, overflow).
 */
public final class RepositoryWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepositoryWatcher.class);

  private final Path root;
  private final Runnable onChange;
  private final WatchService watcher;
  private final Map<Path, WatchKey> keys = new HashMap<>();
  private final Thread thread;

  public RepositoryWatcher(Path root, Runnable onChange) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.onChange = onChange;
    this.watcher = FileSystems.getDefault().newWatchService();
    this.thread = new Thread(this::run, "torchfeed-watcher");
    this.thread.setDaemon(true);
  }

  public RepositoryWatcher start() {
    registerTree();
    thread.start();
    return this;
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        key.pollEvents();
        if (!key.reset()) {
          keys.values().remove(key);
        }
        registerTree();
        onChange.run();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  private void registerTree() {
    register(root);
    for (Path model : directories(root)) {
      register(model);
      directories(model).forEach(this::register);
    }
  }

  private void register(Path dir) {
    if (keys.containsKey(dir) || dir.getFileName() != null && dir.getFileName().toString().startsWith(".")
        && !dir.equals(root)) {
      return;
    }
    try {
      keys.put(dir, dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
    } catch (IOException e) {
      log.debug("cannot watch {}: {}", dir, e.toString());
    }
  }

  private static Iterable<Path> directories(Path dir) {
    java.util.List<Path> out = new java.util.ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, Files::isDirectory)) {
      stream.forEach(out::add);
    } catch (IOException e) {
      // the directory went away: the rescan will notice
    }
    return out;
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException e) {
      log.debug("closing the watcher: {}", e.toString());
    }
    thread.interrupt();
  }
}
