package example;

import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.libtorch.LoadedModel;
import io.torchfeed.client.libtorch.ModelClient;
import io.torchfeed.model.ModelId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.pytorch.Tensor;

/**
 * {@code Load HOST:PORT NAME[:VERSION] INPUT}: loads a model version from the server into LibTorch and runs
 * {@code forward} on INPUT, a text file whose first line is the input's shape and whose other lines are its float32
 * values. Prints {@code NAME:VERSION loaded with LibTorch V}, then the output's shape and one value per line.
 * Run with {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes=0}.
 */
public final class Load {
  private Load() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: Load HOST:PORT NAME[:VERSION] INPUT");
      System.exit(2);
    }
    List<String> lines = Files.readAllLines(Path.of(args[2]));
    long[] shape = Arrays.stream(lines.get(0).trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    float[] values = new float[lines.size() - 1];
    for (int i = 0; i < values.length; i++) {
      values[i] = Float.parseFloat(lines.get(i + 1).trim());
    }
    try (ModelClient client = ModelClient.connect(ServerAddress.parse(args[0]));
        LoadedModel loaded = client.load(ModelId.parse(args[1]))) {
      Tensor output = loaded.forward(Tensor.fromBlob(values, shape));
      System.out.println(loaded.id() + " loaded with LibTorch " + client.libtorchVersion());
      System.out.println(Arrays.toString(output.shape()));
      for (float value : output.getDataAsFloatArray()) {
        System.out.println(value);
      }
    } catch (RuntimeException e) {
      System.err.println("load: " + e.getMessage());
      System.exit(1);
    }
  }
}
