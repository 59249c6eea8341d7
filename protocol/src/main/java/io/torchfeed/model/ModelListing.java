package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * What a repository serves, as sent in LIST_RESULT (docs/protocol.md, section 5.2): every servable model with
 * its valid versions, then every rejected file with its reason. Key order is the wire order.
 *
 * @param models   servable models; a model all of whose versions were rejected is not here
 * @param rejected files that failed validation
 */
@JsonPropertyOrder({"models", "rejected"})
public record ModelListing(List<ModelSummary> models, List<Rejection> rejected) {
  public ModelListing {
    models = List.copyOf(models);
    rejected = List.copyOf(rejected);
  }
}
