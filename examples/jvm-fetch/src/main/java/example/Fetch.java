package example;

import io.torchfeed.client.FileDownload;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import java.nio.file.Path;

/**
 * {@code Fetch HOST:PORT NAME[:VERSION] FILE}: downloads a model version into FILE (checked against the server's
 * sha256, renamed into place only when it matches) and prints {@code NAME:VERSION SIZE SHA256}.
 */
public final class Fetch {
  private Fetch() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: Fetch HOST:PORT NAME[:VERSION] FILE");
      System.exit(2);
    }
    try (TorchfeedClient client = TorchfeedClient.connect(ServerAddress.parse(args[0]))) {
      Manifest manifest = new FileDownload(client).download(ModelId.parse(args[1]), Path.of(args[2]), null)
          .manifest();
      System.out.println(manifest.id() + " " + manifest.size() + " " + manifest.sha256());
    } catch (RuntimeException e) {
      System.err.println("fetch: " + e.getMessage());
      System.exit(1);
    }
  }
}
