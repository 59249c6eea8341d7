package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw port in its three header modes, and a plain Python receiver loading what it sends. */
class RawServerIT {
  @TempDir
  Path tmp;

  private TestServer start(RawHeader header) throws IOException {
    Path repo = tmp.resolve("repo");
    if (!Files.exists(repo)) {
      Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    }
    return TestServer.start(repo, tmp.resolve("cache"), Optional.of(TestServer.raw("toynet", header)),
        Duration.ofMinutes(1));
  }

  private static byte[] receive(InetSocketAddress address, RawHeader header) throws IOException {
    try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
      socket.setSoTimeout(20_000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      long expected = switch (header) {
        case NONE -> -1;
        case U32 -> in.readInt();
        case U64 -> in.readLong();
      };
      byte[] bytes = in.readAllBytes();
      if (expected >= 0) {
        assertEquals(expected, bytes.length, "size header");
      }
      return bytes;
    }
  }

  @Test
  void sendsTheModelInEveryHeaderModeAndCloses() throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    for (RawHeader header : RawHeader.values()) {
      try (TestServer server = start(header)) {
        InetSocketAddress address = server.server().rawAddress().orElseThrow();
        assertArrayEquals(file, receive(address, header), header.name());
        assertArrayEquals(file, receive(address, header), header.name() + ", second connection");
      }
    }
  }

  @Test
  void aPythonReceiverWithStructUnpackLoadsTheModel() throws Exception {
    String script = String.join("\n",
        "import io, socket, struct, sys, torch",
        "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))",
        "def recv_exactly(n):",
        "    buf = b''",
        "    while len(buf) < n:",
        "        chunk = s.recv(n - len(buf))",
        "        if not chunk: raise EOFError('short read')",
        "        buf += chunk",
        "    return buf",
        "size = struct.unpack('!i', recv_exactly(4))[0]",
        "m = torch.jit.load(io.BytesIO(recv_exactly(size)))",
        "for name, p in m.named_parameters(): print(name, list(p.shape))",
        "");
    Path py = Files.writeString(tmp.resolve("receiver.py"), script);
    try (TestServer server = start(RawHeader.U32)) {
      int port = server.server().rawAddress().orElseThrow().getPort();
      Process process = new ProcessBuilder("/usr/bin/python3", py.toString(), String.valueOf(port))
          .redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor(60, TimeUnit.SECONDS);
      assertEquals(0, process.exitValue(), output);
      List<String> expected = Fixtures.golden("toynet").parameters().stream()
          .map(t -> t.name() + " " + t.shape().toString().replace(" ", "").replace(",", ", "))
          .toList();
      assertEquals(expected, output.strip().lines().toList());
    }
  }
}
