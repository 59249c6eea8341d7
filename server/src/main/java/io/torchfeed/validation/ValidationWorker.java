package io.torchfeed.validation;

import io.torchfeed.model.ModuleInfo;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of the validation worker process ({@code torchfeed validate-worker}): reads one request per
 * line, loads the file with a {@link ModuleInspector} and answers with one line, in the format of
 * {@link WorkerProtocol}. A file LibTorch cannot load is answered with its reason and the loop goes on; a
 * file that crashes or hangs LibTorch takes the process with it, which is what {@link WorkerValidator} is
 * for. Native memory is freed after each file ({@link LibTorchInspector} works inside a
 * {@code PointerScope}).
 *
 * <h2>Keeping the answers readable</h2>
 *
 * Answers go to stdout, and so might bytes that are not ours: Java code printing to {@code System.out}
 * (logging configured for the console, for one), and native code writing to file descriptor 1. Pure Java
 * cannot {@code dup2} a file descriptor, so fd 1 cannot be pointed elsewhere; instead {@link #serveStdio()}
 * <ol>
 *   <li>keeps its own stream on fd 1 for the answers and points {@code System.out} at {@code System.err}, so
 *       nothing written through Java reaches stdout;
 *   <li>writes each answer with one {@code write} call, so it is never split by other output;
 *   <li>relies on the server finding each answer by its opening {@code {"ok":} anywhere in a line and
 *       logging everything else as noise, so bytes native code writes to fd 1 (even without a newline) cannot
 *       corrupt an answer.
 * </ol>
 * (Writing the answers to stderr instead would not help: LibTorch's warnings and the JVM's own messages go
 * there. The JVM's crash report goes to stdout, even with {@code -XX:+DisplayVMOutputToStderr} on JDK 17; the
 * server quotes its headline as the crash's reason.)
 */
public final class ValidationWorker {
  private static final Logger log = LoggerFactory.getLogger(ValidationWorker.class);
  private static final int EXIT_ORPHANED = 2;

  private final ModuleInspector inspector;

  public ValidationWorker(ModuleInspector inspector) {
    this.inspector = Objects.requireNonNull(inspector, "inspector");
  }

  /**
   * Serves requests from stdin until it is closed, answering on stdout; see the class Javadoc. If the parent
   * process (the server) dies, this process halts, even in the middle of a file that hangs LibTorch.
   */
  public void serveStdio() throws IOException {
    OutputStream answers = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err);
    ProcessHandle.current().parent().ifPresent(server -> server.onExit().thenRun(() -> {
      log.warn("the server has gone; validation worker exiting");
      Runtime.getRuntime().halt(EXIT_ORPHANED);
    }));
    serve(System.in, answers);
  }

  /**
   * Announces itself with a ready line once LibTorch is loaded, then answers each request line until
   * {@code requests} ends. Blank lines are ignored; a line that is not a request gets a rejection.
   */
  public void serve(InputStream requests, OutputStream answers) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(requests, StandardCharsets.UTF_8));
    log.debug("validation worker {} loading LibTorch", ProcessHandle.current().pid());
    send(answers, WorkerProtocol.ready(inspector.libtorchVersion()));
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.isBlank()) {
        send(answers, answer(line));
      }
    }
    log.debug("validation worker: end of requests");
  }

  private String answer(String request) {
    Path file;
    try {
      file = WorkerProtocol.parseRequest(request);
    } catch (IllegalArgumentException e) {
      return WorkerProtocol.rejected("bad request: " + Reasons.oneLine(e.getMessage()));
    }
    // Nothing is logged per file: what the worker writes to stderr while validating is what the server quotes
    // as the last words of a crash, and that should be LibTorch's or the JVM's, not ours.
    try {
      ModuleInfo module = inspector.inspect(file);
      return WorkerProtocol.accepted(module);
    } catch (ModelRejectedException e) {
      return WorkerProtocol.rejected(e.getMessage());
    } catch (RuntimeException e) {
      log.warn("validating {} failed unexpectedly", file, e);
      return WorkerProtocol.rejected("validator error: " + Reasons.oneLine(e.toString()));
    }
  }

  private static void send(OutputStream answers, String line) throws IOException {
    answers.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    answers.flush();
  }
}
