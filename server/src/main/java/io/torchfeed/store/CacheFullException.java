package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/**
 * A version does not fit in the replica's copy ({@code --cache-size}) even with every version it may drop gone:
 * the latest and aliased versions, which it always holds, and transfers in progress leave too little room.
 */
public class CacheFullException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public CacheFullException(String message) {
    super(message);
  }
}
