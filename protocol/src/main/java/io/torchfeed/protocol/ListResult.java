package io.torchfeed.protocol;

import io.torchfeed.model.ModelListing;
import java.util.Objects;

/**
 * LIST_RESULT (0x82): the whole payload is the {@link ModelListing} as compact JSON.
 *
 * <pre>
 * {"models":[{"name":"toynet","versions":[1,2],"latest":2}],
 *  "rejected":[{"name":"broken","version":1,"path":"broken/1/model.pt","reason":"..."}]}
 * </pre>
 */
public record ListResult(ModelListing listing) implements Message {
  public ListResult {
    Objects.requireNonNull(listing, "listing");
  }

  @Override
  public FrameType type() {
    return FrameType.LIST_RESULT;
  }
}
