package io.torchfeed.validation;

import io.torchfeed.model.InferenceException;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_attribute_iterator;
import org.bytedeco.pytorch.named_attribute_list;
import org.bytedeco.pytorch.named_buffer_iterator;
import org.bytedeco.pytorch.named_buffer_list;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LibTorch boundary. This class and its package-private helper {@link NativeTensors} (tensor conversion)
 * are the only classes of torchfeed that import {@code org.bytedeco}, and no {@code org.bytedeco} type appears
 * in a public signature. Everything else sees {@link ModuleInfo}, {@link TensorInfo} and, for inference,
 * {@link LoadedModule} with PyTorch's Java API types ({@link org.pytorch.Tensor}).
 *
 * <p>Every call loads the module on the CPU inside a {@link PointerScope}, so all native memory it
 * allocated is freed when the call returns. LibTorch's C++ exceptions reach Java as a
 * {@link RuntimeException} whose message is the error followed by a C++ stack trace; its first line,
 * cleaned up, becomes the {@link ModelRejectedException}'s reason ({@code torch::jit::load failed: ...})
 * and the full text is logged at debug. Loading a hostile file can still abort or crash the process, which
 * is why the server only uses this class inside the validation worker process ({@link ValidationWorker}).
 *
 * <h2>Loading from memory</h2>
 *
 * {@link #inspect(ByteBuffer)} loads without a temporary file, although the bindings offer no direct way:
 * <ul>
 *   <li>{@code torch.load(Pointer)} and {@code import_ir_module(cu, Pointer, ...)} want a
 *       {@code std::istream&}, and JavaCPP maps no class that constructs one;
 *   <li>{@code ReadAdapterInterface} and {@code IStreamAdapter} have only JavaCPP's casting constructor:
 *       they are not {@code @Virtual}, so Java cannot implement them, and nothing in the bindings creates
 *       one, which rules out {@code torch.load}, {@code import_ir_module} and {@code PyTorchStreamReader}
 *       with an adapter;
 *   <li>{@code parse_and_initialize_jit_module(ByteBuffer, ...)} reads only the flatbuffer format, not the
 *       zip archives {@code torch.jit.save} writes.
 * </ul>
 * What works is {@code torch::serialize::InputArchive::load_from(const char* data, size_t size, device)}:
 * it wraps the bytes in a {@code ReadAdapterInterface} of its own and calls {@code torch::jit::load}. The
 * archive keeps the module in its private member {@code module_} and exposes only the module's attributes;
 * but {@code InputArchive} is a {@code final}, non-polymorphic class whose first member is that
 * {@code torch::jit::Module} (in LibTorch 1.13 and in 2.10, where this was checked), so the archive's
 * address is the module's, and {@code new JitModule(archive)}, JavaCPP's casting constructor, is a view of
 * it. Because this relies on that layout, the view's top-level attribute names are compared with
 * {@code archive.keys()} before any tensor is read through it. The view lives as long as the archive;
 * copying it ({@code new JitModule(view)}) gives a module that outlives the archive.
 *
 * <h2>First use on a host with another LibTorch</h2>
 *
 * The first process that loads the bindings unpacks LibTorch into {@code ~/.javacpp/cache}. It loads the
 * small {@code libtorch.so} before {@code libtorch_cpu.so} is unpacked, so on a host that has another
 * LibTorch in the default library path (Debian's {@code libtorch1.13}, pulled in by {@code python3-torch})
 * the dynamic linker takes that one, and the JVM dies with SIGSEGV. Every later process finds the cache
 * complete and works. In the worker process this costs one failed start.
 *
 * <h2>Keeping a module: {@link #load(ByteBuffer)}</h2>
 *
 * The inspecting methods free everything before they return. {@link #load(ByteBuffer)} loads the same way and
 * then keeps the module in a {@link LoadedModule}, which owns a {@code new JitModule(view)}: C++'s copy
 * constructor of {@code torch::jit::Module}, which shares the module's object (its attributes, parameters and
 * compiled methods) by reference count, so it stays valid after the archive and the scope it was loaded in are
 * gone. That copy is the one native object the handle owns; its {@code close()} releases it.
 */
public final class LibTorchInspector implements ModuleInspector {
  private static final Logger log = LoggerFactory.getLogger(LibTorchInspector.class);
  private static final String LOAD_FAILED = "torch::jit::load failed: ";
  private static final Pattern TORCH_VERSION = Pattern.compile("TORCH_VERSION=([0-9][0-9A-Za-z.+_-]*)");

  /**
   * Loads the TorchScript module in {@code file} on the CPU and lists its parameters and buffers.
   *
   * @throws ModelRejectedException with a one-line reason if LibTorch cannot load it
   */
  @Override
  @SuppressWarnings("try") // the scope is used for its side effect: it owns what is allocated inside it
  public ModuleInfo inspect(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    Natives.load();
    try (PointerScope scope = new PointerScope()) {
      return describe(fromFile(file));
    } catch (RuntimeException e) {
      throw rejected(source, e);
    }
  }

  /**
   * Like {@link #inspect(Path)} for the bytes between the buffer's position and limit, without a temporary
   * file. A direct buffer is read in place; any other buffer is first copied to native memory. The buffer's
   * position is not changed.
   *
   * @throws ModelRejectedException with a one-line reason if LibTorch cannot load it
   */
  @SuppressWarnings("try")
  public ModuleInfo inspect(ByteBuffer bytes) {
    Objects.requireNonNull(bytes, "bytes");
    Natives.load();
    try (PointerScope scope = new PointerScope()) {
      return describe(fromMemory(bytes));
    } catch (RuntimeException e) {
      throw rejected(inMemory(bytes), e);
    }
  }

  /**
   * Loads the module in the bytes between the buffer's position and limit, like {@link #inspect(ByteBuffer)},
   * and keeps it for inference, in evaluation mode ({@code module.eval()}). The bytes are not referenced after this
   * returns.
   *
   * @throws ModelRejectedException with a one-line reason if LibTorch cannot load it
   */
  public LoadedModule load(ByteBuffer bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return keep(() -> fromMemory(bytes), inMemory(bytes));
  }

  /**
   * Like {@link #load(ByteBuffer)} for a file, which is not referenced after this returns.
   *
   * @throws ModelRejectedException with a one-line reason if LibTorch cannot load it
   */
  public LoadedModule load(Path file) {
    Objects.requireNonNull(file, "file");
    return keep(() -> fromFile(file), file.toString());
  }

  /** The LibTorch version of the bindings, e.g. {@code 2.10.0}. Loads LibTorch if it is not loaded yet. */
  @Override
  public String libtorchVersion() {
    return Version.LIBTORCH;
  }

  /** Names of every scalar type the bindings know, for checking that {@link DTypes} knows them all. */
  static List<String> scalarTypeNames() {
    Natives.load();
    return Arrays.stream(torch.ScalarType.values())
        .filter(t -> t != torch.ScalarType.Undefined && t != torch.ScalarType.NumOptions)
        .map(Enum::name)
        .toList();
  }

  private static DeviceOptional cpu() {
    return new DeviceOptional(new Device(torch.DeviceType.CPU));
  }

  private static BytePointer nativeBytes(ByteBuffer bytes) {
    if (bytes.isDirect()) {
      return new BytePointer(bytes.slice());
    }
    BytePointer copy = new BytePointer(bytes.remaining());
    copy.asByteBuffer().put(bytes.duplicate());
    return copy;
  }

  /** Loads inside the caller's {@link PointerScope}: the module lives until that scope closes. */
  private static JitModule fromMemory(ByteBuffer bytes) {
    InputArchive archive = new InputArchive();
    archive.load_from(nativeBytes(bytes), bytes.remaining(), cpu());
    return view(archive);
  }

  /** Loads inside the caller's {@link PointerScope}: the module lives until that scope closes. */
  private static JitModule fromFile(Path file) {
    return torch.load(new BytePointer(file.toString(), StandardCharsets.UTF_8), cpu(), false);
  }

  private static String inMemory(ByteBuffer bytes) {
    return "<" + bytes.remaining() + " bytes in memory>";
  }

  /**
   * Loads a module inside a scope and returns a handle on a copy of it that outlives the scope: the copy is
   * retained once more than the scope releases, so only {@link LoadedModule#close()} frees it.
   */
  @SuppressWarnings("try")
  private static LoadedModule keep(Supplier<JitModule> loader, String source) {
    Natives.load();
    try (PointerScope scope = new PointerScope()) {
      JitModule module = new JitModule(loader.get());
      module.eval();
      return new LoadedModule(module.retainReference());
    } catch (RuntimeException e) {
      throw rejected(source, e);
    }
  }

  /** The archive's {@code module_}, viewed in place; see the class Javadoc. */
  private static JitModule view(InputArchive archive) {
    List<String> keys = new ArrayList<>();
    StringVector names = archive.keys();
    for (long i = 0; i < names.size(); i++) {
      keys.add(names.get(i).getString(StandardCharsets.UTF_8));
    }
    JitModule module = new JitModule(archive);
    List<String> attributes = new ArrayList<>();
    named_attribute_list list = module.named_attributes(false);
    for (named_attribute_iterator it = list.begin(); it.notEquals(list.end()); it.increment()) {
      attributes.add(it.access().name().getString(StandardCharsets.UTF_8));
    }
    if (!attributes.equals(keys)) {
      throw new IllegalStateException("InputArchive's layout is not the expected one; loading from memory"
          + " is not possible with this LibTorch: keys " + keys + " but module attributes " + attributes);
    }
    return module;
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
      throw new ModelRejectedException("tensor '" + Reasons.oneLine(name) + "' is undefined");
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
    return new ModelRejectedException(LOAD_FAILED + Reasons.firstLine(e.getMessage()), e);
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
  public static final class LoadedModule implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private JitModule module; // null once closed; guarded by lock

    private LoadedModule(JitModule module) {
      this.module = module;
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
    public org.pytorch.Tensor forward(org.pytorch.Tensor... inputs) {
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

    /**
     * Copies of {@code named_parameters()}, recursive, in LibTorch's order (tied weights under every name).
     *
     * @throws UnsupportedOperationException if a parameter's dtype is not one {@code org.pytorch.Tensor} holds
     */
    public Map<String, org.pytorch.Tensor> parameters() {
      return named("parameter", true);
    }

    /**
     * Copies of {@code named_buffers()}, recursive, in LibTorch's order.
     *
     * @throws UnsupportedOperationException if a buffer's dtype is not one {@code org.pytorch.Tensor} holds
     */
    public Map<String, org.pytorch.Tensor> buffers() {
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
   * Unpacks every native library of the bindings into JavaCPP's cache before the first one is loaded. JavaCPP
   * otherwise unpacks {@code libtorch.so} and loads it before {@code libtorch_cpu.so} is unpacked next to it,
   * and the dynamic linker then resolves {@code libtorch_cpu.so} from the system: on a machine with Debian's
   * {@code libtorch-dev} (1.13) that mix crashes the JVM on the first run after every new jar.
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

  /** Asks LibTorch once, on first use; falls back to the version torchfeed was built against. */
  private static final class Version {
    static final String LIBTORCH = find();

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
      Properties properties = new Properties();
      try (InputStream in = LibTorchInspector.class.getResourceAsStream("/torchfeed-version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return properties.getProperty("libtorch", "unknown");
    }
  }
}
