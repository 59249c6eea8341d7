package io.torchfeed.support;

import io.torchfeed.repository.ModelRepository;

/** Waits on a repository's scans, so a test can assert what a scan did with the files as they are now. */
public final class Scans {
  private Scans() {}

  /**
   * Asks for scans until two complete ones have started after this call, so both saw the repository as it is now
   * (one in progress at the call may have listed it earlier; scans run one at a time).
   */
  public static void awaitTwoOfTheFilesAsTheyAreNow(ModelRepository repository) {
    long seen = repository.scansCompleted();
    Await.until(() -> {
      repository.rescanSoon();
      return repository.scansCompleted() >= seen + 3;
    }, () -> "two complete scans after scan " + seen + " (" + repository.scansCompleted() + " completed)");
  }
}
