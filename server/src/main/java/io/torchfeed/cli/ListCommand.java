package io.torchfeed.cli;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code list}: every model with its versions, and every rejected file with its reason. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the models a server serves.")
public final class ListCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Option(names = "--json", description = "Print the LIST_RESULT document as JSON.")
  boolean json;

  @Override
  public Integer call() {
    ModelListing listing;
    try (TorchfeedClient client = server.connect(false)) {
      listing = client.list();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(listing));
      return 0;
    }
    int width = Math.max(5, listing.models().stream().mapToInt(m -> m.name().length()).max().orElse(0));
    out.printf("%-" + width + "s  %-6s  %s%n", "MODEL", "LATEST", "VERSIONS");
    for (ModelSummary m : listing.models()) {
      out.printf("%-" + width + "s  %-6d  %s%n", m.name(), m.latest(),
          m.versions().stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    if (!listing.rejected().isEmpty()) {
      out.printf("%nREJECTED (%d)%n", listing.rejected().size());
      for (Rejection r : listing.rejected()) {
        out.printf("  %s: %s%n", r.path(), r.reason());
      }
    }
    return 0;
  }
}
