package io.torchfeed.validation;

import io.torchfeed.model.TorchfeedException;

/**
 * The validator could not judge a file for reasons of its own (its process cannot start, it was closed or
 * interrupted). Unlike a {@link io.torchfeed.validation.ModelRejectedException}, this says nothing about the file.
 */
public class ValidatorUnavailableException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ValidatorUnavailableException(String message) {
    super(message);
  }

  public ValidatorUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
