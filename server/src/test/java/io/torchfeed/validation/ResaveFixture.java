package io.torchfeed.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.FileFacts;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.support.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes {@code test-fixtures/models-2.10/toynet/}: the toynet fixture loaded by the LibTorch of the JavaCPP
 * bindings (2.10) and saved again ({@code torch::jit::load}, {@code Module::save}), with its golden manifest. Other
 * clients (the C++ one, on LibTorch 1.13) check that they load a file written by a newer LibTorch.
 *
 * <p>A one-off tool, not a test: run it as test-fixtures/README.md shows. The output is deterministic (LibTorch
 * writes fixed zip timestamps, and the archive's top-level folder is named after the file, {@code model}); it
 * prints whether each file changed.
 *
 * <p>The manifest is not LibTorch 2.10's own listing: its parameters and buffers are copied from the golden
 * manifest of {@code models/toynet} (which Python's torch 1.13 wrote), its size, sha256 and format version are
 * read from the new file by plain Java ({@link ArchiveFacts}), and the tool fails if LibTorch 2.10 lists anything
 * different from the golden tensors.
 */
public final class ResaveFixture {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ResaveFixture() {}

  @SuppressWarnings("try")
  public static void main(String[] args) throws IOException {
    Path source = Fixtures.model("toynet");
    Path target = Fixtures.toynet210();
    LibTorchInspector inspector = new LibTorchInspector();
    String libtorch = inspector.libtorchVersion(); // unpacks and loads the bindings' LibTorch first
    checkManifestFormat();

    Path scratch = Files.createTempDirectory("torchfeed-resave-");
    Path saved = scratch.resolve("model.pt");
    try (PointerScope scope = new PointerScope()) {
      JitModule module = torch.load(source.toString());
      module.save(saved.toString());
    }
    Manifest golden = Fixtures.golden("toynet");
    ModuleInfo listed = inspector.inspect(saved);
    if (!listed.equals(golden.module())) {
      throw new IllegalStateException("LibTorch " + libtorch + " lists " + listed + " in the re-saved file, but the"
          + " golden manifest of models/toynet has " + golden.module());
    }
    FileFacts facts = new ArchiveFacts().read(saved);
    Manifest manifest = new Manifest(golden.name(), golden.version(), facts.size(), facts.sha256(),
        facts.formatVersion(), golden.parameters(), golden.buffers());

    Files.createDirectories(target.getParent());
    write(target, Files.readAllBytes(saved));
    write(target.resolveSibling("manifest.json"), json(manifest));
    Files.delete(saved);
    Files.delete(scratch);
    System.out.printf("toynet re-saved by LibTorch %s: %d bytes, sha256 %s, formatVersion %d%n", libtorch,
        facts.size(), facts.sha256(), facts.formatVersion());
  }

  private static byte[] json(Manifest manifest) throws IOException {
    return (JSON.writeValueAsString(manifest) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** This tool writes manifests exactly as generate.py does: compact, keys in the protocol's order, a newline. */
  private static void checkManifestFormat() throws IOException {
    Path python = Fixtures.model("toynet").resolveSibling("manifest.json");
    if (!Arrays.equals(Files.readAllBytes(python), json(Fixtures.golden("toynet")))) {
      throw new IllegalStateException("this tool would not write " + python + " byte for byte as generate.py did");
    }
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
      System.out.println("unchanged " + Fixtures.root().relativize(file));
      return;
    }
    Files.write(file, bytes);
    System.out.println("wrote     " + Fixtures.root().relativize(file));
  }
}
