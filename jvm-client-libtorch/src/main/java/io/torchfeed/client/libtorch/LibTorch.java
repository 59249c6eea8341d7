package io.torchfeed.client.libtorch;

import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_buffer_iterator;
import org.bytedeco.pytorch.named_buffer_list;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LibTorch boundary of the JVM: this class and its package-private helper {@link NativeTensors} (tensor
 * conversion) are the only classes of torchfeed that import {@code org.bytedeco}, and no {@code org.bytedeco} type
 * appears in a public signature ({@code BoundaryTest} checks both). Everything else sees {@link ModuleInfo},
 * {@link TensorInfo} and PyTorch's Java API tensors ({@link org.pytorch.Tensor}).
 *
 * <h2>Loading: from a file, through LibTorch's own API</h2>
 *
 * Models are loaded with {@code torch::jit::load(filename, device)} ({@code torch.load(BytePointer, ...)} in the
 * bindings), the supported entry point, on the CPU. The presets offer no supported way to load from memory: the
 * {@code std::istream} and {@code ReadAdapterInterface} overloads need C++ objects Java cannot create, and
 * {@code parse_and_initialize_jit_module} reads only the flatbuffer format. So a model fetched over the network
 * goes to a private file in RAM ({@link io.torchfeed.client.ScratchFile}, in {@code /dev/shm}) that is deleted
 * right after the load: the peak is that file and the loaded module, about twice the model.
 *
 * <p>Every call works inside a {@link PointerScope}, so native memory it allocated is freed when it returns;
 * a kept module ({@link Module}) owns one retained {@code JitModule}, freed by its {@code close()}. LibTorch's
 * C++ exceptions reach Java as a {@link RuntimeException} whose message is the error and a C++ stack trace: its
 * first line, cleaned up, becomes the {@link LoadException}'s message ({@code torch::jit::load failed: ...}) and
 * the full text is logged at debug. A hostile file can still abort or crash the process: the server loads files
 * only in its validation worker process.
 *
 * <h2>First use on a host with another LibTorch</h2>
 *
 * The first process that loads the bindings unpacks LibTorch into {@code ~/.javacpp/cache}. JavaCPP would load
 * the small {@code libtorch.so} before {@code libtorch_cpu.so} is unpacked next to it, and on a host that has
 * another LibTorch in the default library path (Debian's {@code libtorch1.13}) the dynamic linker would take that
 * one and the JVM would die; {@link Natives} unpacks every library first.
 */
public final class LibTorch {
  private static final Logger log = LoggerFactory.getLogger(LibTorch.class);
  private static final String LOAD_FAILED = "torch::jit::load failed: ";
  private static final Pattern TORCH_VERSION = Pattern.compile("TORCH_VERSION=([0-9][0-9A-Za-z.+_-]*)");

  /** The LibTorch version of the JavaCPP presets this artifact was built against, e.g. {@code 2.10.0}. */
  public static final String BUILD_VERSION = Build.property("libtorch");
  /** The version of those presets, e.g. {@code 1.5.13}. */
  public static final String PRESETS_VERSION = Build.property("javacpp");

  private LibTorch() {}

  /** The version of the LibTorch loaded, from its build configuration, e.g. {@code 2.10.0}. Loads LibTorch. */
  public static String version() {
    return Version.LOADED;
  }

  /**
   * Loads the TorchScript module in {@code file} on the CPU, lists its parameters and buffers (recursive, in
   * LibTorch's order, dtypes spelled as in Python) and frees it.
   *
   * @throws LoadException with a one-line reason if LibTorch cannot load it, or a tensor has no dtype name
   */
  @SuppressWarnings("try") // the scope is used for its side effect: it owns what is allocated inside it
  public static ModuleInfo describe(Path file) {
    Objects.requireNonNull(file, "file");
    Natives.load();
    try (PointerScope scope = new PointerScope()) {
      return describe(fromFile(file));
    } catch (RuntimeException e) {
      throw rejected(file.toString(), e);
    }
  }

  /**
   * Loads the module in {@code file} and keeps it for inference, in evaluation mode ({@code module.eval()}). The
   * file is not used after this returns.
   *
   * @throws LoadException with a one-line reason if LibTorch cannot load it
   */
  @SuppressWarnings("try")
  static Module load(Path file) {
    Objects.requireNonNull(file, "file");
    Natives.load();
    try (PointerScope scope = new PointerScope()) {
      // C++'s copy constructor shares the module's object by reference count; retained once more than the
      // scope releases, so only Module.close() frees it.
      JitModule module = new JitModule(fromFile(file));
      module.eval();
      ModuleInfo info = describe(module);
      return new Module(module.retainReference(), info);
    } catch (RuntimeException e) {
      throw rejected(file.toString(), e);
    }
  }

  /** Names of every scalar type the bindings know, for checking that {@link DTypes} knows them all. */
  static List<String> scalarTypeNames() {
    Natives.load();
    return Arrays.stream(torch.ScalarType.values())
        .filter(t -> t != torch.ScalarType.Undefined && t != torch.ScalarType.NumOptions)
        .map(Enum::name)
        .toList();
  }

  /** Loads inside the caller's {@link PointerScope}: the module lives until that scope closes. */
  private static JitModule fromFile(Path file) {
    DeviceOptional cpu = new DeviceOptional(new Device(torch.DeviceType.CPU));
    return torch.load(new BytePointer(file.toString(), StandardCharsets.UTF_8), cpu, false);
  }

  private static ModuleInfo describe(JitModule module) {
    List<TensorInfo> parameters = new ArrayList<>();
    named_parameter_list params = module.named_parameters(true);
    for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it.increment()) {
      parameters.add(tensorInfo(it.access()));
    }
    List<TensorInfo> buffers = new ArrayList<>();
    named_buffer_list bufs = module.named_buffers(true);
    for (named_buffer_iterator it = bufs.begin(); it.notEquals(bufs.end()); it.increment()) {
      buffers.add(tensorInfo(it.access()));
    }
    return new ModuleInfo(parameters, buffers);
  }

  private static TensorInfo tensorInfo(NamedTensor named) {
    String name = named.name().getString(StandardCharsets.UTF_8);
    Tensor tensor = named.value();
    if (!tensor.defined()) {
      throw new LoadException("tensor '" + Reasons.oneLine(name) + "' is undefined");
    }
    int dims = Math.toIntExact(tensor.dim());
    List<Long> shape = new ArrayList<>(dims);
    for (int i = 0; i < dims; i++) {
      shape.add(tensor.size(i));
    }
    // A native enum value arrives as a fresh instance without a name: intern() gives the constant.
    String scalarType = tensor.scalar_type().intern().name();
    return new TensorInfo(name, shape, DTypes.pythonName(scalarType, name));
  }

  /**
   * A C++ exception arrives as exactly {@link RuntimeException} (JavaCPP maps every {@code std::exception},
   * {@code std::bad_alloc} included, to it); anything else is ours and passes through unchanged.
   */
  private static RuntimeException rejected(String source, RuntimeException e) {
    if (e.getClass() != RuntimeException.class) {
      return e;
    }
    log.debug("LibTorch could not load {}:\n{}", source, e.getMessage());
    return new LoadException(LOAD_FAILED + Reasons.firstLine(e.getMessage()), e);
  }

  /**
   * A TorchScript module loaded on the CPU and kept for inference, in evaluation mode. Its methods take and
   * return PyTorch's Java API types and copy tensors in and out ({@link NativeTensors}), so nothing returned
   * points into native memory.
   *
   * <p><b>Thread safety:</b> {@link #forward}, {@link #parameters()} and {@link #buffers()} may be called from
   * any number of threads at once: LibTorch runs a TorchScript method re-entrantly, each call here works in its
   * own {@code PointerScope} (which is per thread) and its own {@code NoGradGuard} (a thread-local mode). A
   * module whose {@code forward} changes its own attributes or buffers is racy, as it is in LibTorch.
   * {@link #close()} waits for calls in progress; calls after it throw {@link IllegalStateException}.
   */
  static final class Module implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ModuleInfo info;
    private JitModule module; // null once closed; guarded by lock

    private Module(JitModule module, ModuleInfo info) {
      this.module = module;
      this.info = info;
    }

    /** Its parameters and buffers as LibTorch listed them when it was loaded. */
    ModuleInfo info() {
      return info;
    }

    /**
     * Runs the module's {@code forward} without autograd on copies of the inputs and returns a copy of its
     * result, which must be one tensor.
     *
     * @throws InferenceException if LibTorch fails, e.g. on inputs of the wrong number, dtype or shape
     * @throws IllegalArgumentException if an input's data do not fill its shape
     * @throws UnsupportedOperationException if the result is not one tensor {@code org.pytorch.Tensor} can hold
     */
    @SuppressWarnings("try")
    org.pytorch.Tensor forward(org.pytorch.Tensor... inputs) {
      Lock read = open();
      try (PointerScope scope = new PointerScope()) {
        NoGradGuard noGrad = new NoGradGuard();
        IValueVector arguments = new IValueVector();
        for (int i = 0; i < inputs.length; i++) {
          arguments.push_back(new IValue(NativeTensors.toNative(inputs[i], "input " + i)));
        }
        IValue result = run(arguments);
        if (!result.isTensor()) {
          throw new UnsupportedOperationException("forward returned " + result.tagKind().getString()
              + ", not a Tensor; only models whose forward returns one tensor are supported");
        }
        return NativeTensors.toJava(result.toTensor(), "the output of forward");
      } finally {
        read.unlock();
      }
    }

    /** Copies of {@code named_parameters()}, recursive, in LibTorch's order (tied weights under every name). */
    Map<String, org.pytorch.Tensor> parameters() {
      return named("parameter", true);
    }

    /** Copies of {@code named_buffers()}, recursive, in LibTorch's order. */
    Map<String, org.pytorch.Tensor> buffers() {
      return named("buffer", false);
    }

    /** Frees the module's native memory once calls in progress have returned. Idempotent. */
    @Override
    public void close() {
      lock.writeLock().lock();
      try {
        if (module != null) {
          module.close();
          module = null;
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    private IValue run(IValueVector arguments) {
      try {
        return module.forward(arguments);
      } catch (RuntimeException e) {
        if (e.getClass() != RuntimeException.class) {
          throw e;
        }
        log.debug("LibTorch's forward failed:\n{}", e.getMessage());
        throw new InferenceException("forward failed: " + Reasons.raisedError(e.getMessage()), e);
      }
    }

    @SuppressWarnings("try")
    private Map<String, org.pytorch.Tensor> named(String kind, boolean parameters) {
      Lock read = open();
      try (PointerScope scope = new PointerScope()) {
        Map<String, org.pytorch.Tensor> tensors = new LinkedHashMap<>();
        if (parameters) {
          named_parameter_list list = module.named_parameters(true);
          for (named_parameter_iterator it = list.begin(); it.notEquals(list.end()); it.increment()) {
            put(tensors, kind, it.access());
          }
        } else {
          named_buffer_list list = module.named_buffers(true);
          for (named_buffer_iterator it = list.begin(); it.notEquals(list.end()); it.increment()) {
            put(tensors, kind, it.access());
          }
        }
        return Collections.unmodifiableMap(tensors);
      } finally {
        read.unlock();
      }
    }

    private static void put(Map<String, org.pytorch.Tensor> tensors, String kind, NamedTensor named) {
      String name = named.name().getString(StandardCharsets.UTF_8);
      tensors.put(name, NativeTensors.toJava(named.value(), kind + " '" + name + "'"));
    }

    /** Takes the read lock, or throws if the module is closed. */
    private Lock open() {
      Lock read = lock.readLock();
      read.lock();
      if (module == null) {
        read.unlock();
        throw new IllegalStateException("the module is closed");
      }
      return read;
    }
  }

  /**
   * Unpacks every native library of the bindings into JavaCPP's cache before the first one is loaded; see the
   * class Javadoc.
   */
  private static final class Natives {
    static {
      try {
        for (String dir : List.of("org/bytedeco/javacpp/", "org/bytedeco/openblas/", "org/bytedeco/pytorch/")) {
          Loader.cacheResources("/" + dir + Loader.getPlatform() + "/");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot unpack LibTorch's native libraries: " + e.getMessage(), e);
      }
      Loader.load(torch.class);
    }

    static void load() {
      // the static initializer does the work, once
    }
  }

  /** Asks LibTorch once, on first use; falls back to the version of the presets built against. */
  private static final class Version {
    static final String LOADED = find();

    @SuppressWarnings("try")
    private static String find() {
      Natives.load();
      try (PointerScope scope = new PointerScope()) {
        Matcher m = TORCH_VERSION.matcher(torch.show_config().getString(StandardCharsets.UTF_8));
        if (m.find()) {
          return m.group(1);
        }
      }
      log.debug("LibTorch's build configuration names no TORCH_VERSION; using the build-time version");
      return BUILD_VERSION;
    }
  }

  /** The build-time versions this artifact was compiled against (a filtered resource). */
  private static final class Build {
    static String property(String key) {
      Properties properties = new Properties();
      try (InputStream in = LibTorch.class.getResourceAsStream("libtorch.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return properties.getProperty(key, "unknown");
    }
  }
}
