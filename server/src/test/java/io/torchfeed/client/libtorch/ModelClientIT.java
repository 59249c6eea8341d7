package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.RemoteException;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.ServerHello;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pytorch.DType;
import org.pytorch.Tensor;

/**
 * The inference client against a real server serving toynet version 1 (saved by Python's torch 1.13) and
 * version 2 (the same model re-saved by LibTorch 2.10, test-fixtures/models-2.10).
 */
class ModelClientIT {
  static final double TOLERANCE = 1e-4;
  static final Fixtures.Forward FORWARD = Fixtures.toynetForward();

  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    Path repository = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repository.resolve("toynet/1/model.pt"));
    Fixtures.copy(Fixtures.toynet210(), repository.resolve("toynet/2/model.pt"));
    server = TestServer.start(repository, tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static ModelClient connect() {
    return ModelClient.connect("127.0.0.1", server.address().getPort());
  }

  static Tensor input() {
    return Tensor.fromBlob(FORWARD.input(), FORWARD.inputShape());
  }

  static void assertPythonsOutput(Tensor output) {
    assertEquals(DType.FLOAT32, output.dtype());
    assertArrayEquals(FORWARD.outputShape(), output.shape());
    float[] values = output.getDataAsFloatArray();
    for (int i = 0; i < values.length; i++) {
      assertEquals(FORWARD.output()[i], values[i], TOLERANCE, "output " + i);
    }
  }

  /** The golden manifest of a fixture as the server names it here, with its chunk digests (protocol 3). */
  static Manifest served(Manifest golden, Path file, int version) {
    return golden.withChunks(Fixtures.chunks(file)).numbered(version);
  }

  @Test
  void theThreeLineExampleRunsTheLatestVersion() {
    try (ModelClient client = connect(); LoadedModel model = client.load("toynet")) {
      Tensor output = model.forward(input());
      assertPythonsOutput(output);
      assertEquals(served(Fixtures.golden210(), Fixtures.toynet210(), 2), model.manifest());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void forwardGivesPythonsOutputForEitherLibTorchsFile(int version) {
    try (ModelClient client = connect(); LoadedModel model = client.load("toynet", version)) {
      assertPythonsOutput(model.forward(input()));
    }
  }

  @Test
  void loadsTheVersionAskedFor() {
    try (ModelClient client = connect()) {
      try (LoadedModel v1 = client.load("toynet", 1); LoadedModel v2 = client.load("toynet", 2)) {
        assertEquals(Fixtures.goldenWithChunks("toynet"), v1.manifest());
        assertEquals(served(Fixtures.golden210(), Fixtures.toynet210(), 2), v2.manifest());
        assertEquals("toynet:1", v1.id().toString());
      }
    }
  }

  @Test
  void parametersHaveTheGoldenNamesShapesAndDtypesAndPlausibleValues() {
    try (ModelClient client = connect();
        LoadedModel v1 = client.load("toynet", 1);
        LoadedModel v2 = client.load("toynet", 2)) {
      Map<String, Tensor> parameters = v1.parameters();
      assertEquals(Fixtures.golden("toynet").parameters(), describe(parameters));
      assertTrue(v1.buffers().isEmpty());
      for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
        assertArrayEquals(p.getValue().getDataAsFloatArray(), v2.parameters().get(p.getKey()).getDataAsFloatArray(),
            p.getKey() + " is the same in the file LibTorch 2.10 re-saved");
        assertDefaultInitialization(p.getKey(), p.getValue(), parameters);
      }
    }
  }

  /**
   * generate.py saves the ToyNet untrained: every weight and bias of a Conv2d or Linear is uniform in
   * (-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in being the size of one output unit's weights.
   */
  static void assertDefaultInitialization(String name, Tensor values, Map<String, Tensor> parameters) {
    long[] weightShape = parameters.get(name.replaceAll("\\.bias$", ".weight")).shape();
    long fanIn = Arrays.stream(weightShape).skip(1).reduce(1, (a, b) -> a * b);
    double bound = 1 / Math.sqrt(fanIn);
    float[] data = values.getDataAsFloatArray();
    double sumOfSquares = 0;
    for (float v : data) {
      assertTrue(Math.abs(v) <= bound, name + " value " + v + " outside ±" + bound);
      sumOfSquares += (double) v * v;
    }
    double rms = Math.sqrt(sumOfSquares / data.length);
    assertTrue(rms > bound / 4, name + ": rms " + rms + " is too small for uniform(±" + bound + ")");
  }

  @Test
  void anUnknownModelOrVersionFailsWithTheServersMessage() {
    try (ModelClient client = connect()) {
      RemoteException e = assertThrows(RemoteException.class, () -> client.load("resnet"));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertEquals("NOT_FOUND: no model named 'resnet'", e.getMessage());

      e = assertThrows(RemoteException.class, () -> client.load("toynet", 7));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().startsWith("NOT_FOUND: model 'toynet' has no version 7"), e.getMessage());

      try (LoadedModel model = client.load("toynet")) {
        assertEquals(2, model.id().version(), "the connection stays usable");
      }
    }
  }

  @Test
  void closeFreesTheModelAndMayBeRepeated() {
    ModelClient client = connect();
    LoadedModel model = client.load("toynet");
    LoadedModel kept = client.load("toynet", 1);
    client.close();
    client.close();
    assertThrows(ClientException.class, () -> client.load("toynet"));
    assertPythonsOutput(kept.forward(input()));

    model.close();
    model.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.forward(input()));
    assertEquals("the module is closed", e.getMessage());
    assertThrows(IllegalStateException.class, model::parameters);
    kept.close();
  }

  @Test
  void threadsShareOneClientAndOneModel() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (ModelClient client = connect()) {
      List<Future<LoadedModel>> loads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int version = 1 + i % 2;
        loads.add(pool.submit(() -> client.load("toynet", version)));
      }
      List<LoadedModel> models = new ArrayList<>();
      for (Future<LoadedModel> load : loads) {
        models.add(load.get());
      }
      Tensor shared = input();
      List<Future<Tensor>> outputs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        LoadedModel model = models.get(i % models.size());
        outputs.add(pool.submit(() -> model.forward(shared)));
      }
      for (Future<Tensor> output : outputs) {
        assertPythonsOutput(output.get());
      }
      models.forEach(LoadedModel::close);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aModelGoesThroughAPrivateFileThatIsDeletedRightAfterTheLoad() throws Exception {
    Path temp = Files.createDirectories(tmp.resolve("client-temp"));
    TorchfeedClient connection = TorchfeedClient.connect(server.serverAddress(), LibTorch.version());
    try (ModelClient client = new ModelClient(connection, temp);
        LoadedModel model = client.load("toynet", 2)) {
      try (var left = Files.list(temp)) {
        assertEquals(List.of(), left.toList(), "the file and its directory are gone while the model is loaded");
      }
      assertPythonsOutput(model.forward(input()));
      assertEquals(served(Fixtures.golden210(), Fixtures.toynet210(), 2), model.manifest());
      assertEquals(Fixtures.golden210().module(), model.module(), "what LibTorch loaded");
    }
  }

  @Test
  void theHelloNamesTheLibTorchItLoadsWith() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Hello> hello = CompletableFuture.supplyAsync(() -> {
        try (Socket socket = fake.accept()) {
          DataInputStream in = new DataInputStream(socket.getInputStream());
          int type = in.readUnsignedByte();
          byte[] payload = new byte[in.readInt()];
          in.readFully(payload);
          socket.getOutputStream().write(MessageEncoder.encode(ServerHello.of("fake/1", "")));
          return (Hello) MessageDecoder.decode(new Frame(type, payload));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (ModelClient client = ModelClient.connect("127.0.0.1", fake.getLocalPort())) {
        assertEquals(client.libtorchVersion(), hello.get().libtorch());
      }
      assertEquals(LibTorch.version(), hello.get().libtorch());
      assertEquals(io.torchfeed.Version.LIBTORCH, hello.get().libtorch(), "the bindings' version, e.g. 2.10.0");
      assertTrue(hello.get().software().startsWith("torchfeed-java/"), hello.get().software());
    }
  }

  static List<TensorInfo> describe(Map<String, Tensor> tensors) {
    return tensors.entrySet().stream()
        .map(e -> new TensorInfo(e.getKey(), Arrays.stream(e.getValue().shape()).boxed().toList(),
            e.getValue().dtype().name().toLowerCase(Locale.ROOT)))
        .toList();
  }
}
