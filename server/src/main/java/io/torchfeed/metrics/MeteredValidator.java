package io.torchfeed.metrics;

import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.validation.Validator;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A {@link Validator} that records every validation's outcome and duration in {@link Metrics}: valid, rejected
 * (including crashes and time-outs of the worker) or unavailable (the validator could not judge the file).
 */
public final class MeteredValidator implements Validator {
  static final String VALID = "valid";
  static final String REJECTED = "rejected";
  static final String UNAVAILABLE = "unavailable";

  private final Validator validator;
  private final Metrics metrics;

  public MeteredValidator(Validator validator, Metrics metrics) {
    this.validator = validator;
    this.metrics = metrics;
  }

  @Override
  public ModuleInfo validate(Path file) {
    long start = System.nanoTime();
    String outcome = UNAVAILABLE;
    try {
      ModuleInfo module = validator.validate(file);
      outcome = VALID;
      return module;
    } catch (ModelRejectedException e) {
      outcome = REJECTED;
      throw e;
    } finally {
      metrics.validated(outcome, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  @Override
  public void close() {
    validator.close();
  }
}
