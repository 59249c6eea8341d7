package io.torchfeed.transport.tcp;

import io.torchfeed.bus.EventBus;
import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.protocol.ManifestJson;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.protocol.ReceiptOk;
import io.torchfeed.protocol.SubscribeRequest;
import io.torchfeed.protocol.Subscribed;
import io.torchfeed.protocol.UnexpectedMessageException;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.repository.ServedModel;
import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.transport.Drain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Answers the requests that follow the hello: LIST, MANIFEST, FETCH from the catalog; SUBSCRIBE and RECEIPT by
 * updating the client's {@link ConnectedClient} state (a receipt is also published as an event). No I/O on the
 * socket: it returns a {@link Reply}; domain exceptions propagate to {@link ErrorMapper}.
 *
 * <p>With a signer, a client that spoke protocol version 2 in its HELLO gets MANIFEST and FETCH answered with
 * SIGNED_MANIFEST_RESULT and SIGNED_FETCH_HEADER: the manifest document is written once, signed, and sent as
 * those very bytes (docs/protocol.md, section 5.10). A version 1 client gets the unsigned frames, as before.
 *
 * <p>A client of version 3 gets the manifest with its chunk digests; clients of versions 1 and 2 get it without
 * them, the very document they always got ({@link ManifestJson#forVersion}), and a signature over that document.
 *
 * <p>Once the server is stopping ({@link Drain}) no request is answered: {@link #admit()} throws, and so does a
 * FETCH that would begin a transfer (docs/shutdown.md).
 */
final class RequestHandler {
  private final ModelCatalog catalog;
  private final EventBus events;
  private final Metrics metrics;
  private final Optional<ManifestSigner> signer;
  private final Drain drain;

  RequestHandler(ModelCatalog catalog, EventBus events, Metrics metrics, Optional<ManifestSigner> signer,
      Drain drain) {
    this.catalog = catalog;
    this.events = events;
    this.metrics = metrics;
    this.signer = signer;
    this.drain = drain;
  }

  /** Throws {@code ShuttingDownException} once the server is stopping: no request is answered, HELLO included. */
  void admit() {
    drain.admit();
  }

  /**
   * The reply to {@code request}; for a MANIFEST or FETCH of a version a replica brings from its bucket on first
   * use, a {@link Reply.Later} that answers once it has arrived.
   */
  Reply handle(Message request, ConnectedClient client) {
    try {
      return answer(request, client);
    } catch (ModelNotFoundException e) {
      ModelId id = request instanceof FetchRequest f ? f.id() : request instanceof ManifestRequest m ? m.id() : null;
      if (id == null) {
        throw e;
      }
      return catalog.bring(id).<Reply>map(arrival -> new Reply.Later(arrival, () -> answer(request, client)))
          .orElseThrow(() -> e);
    }
  }

  private Reply answer(Message request, ConnectedClient client) {
    if (request instanceof ListRequest) {
      return new Reply.Frame(new ListResult(catalog.listing()), false);
    }
    if (request instanceof ManifestRequest m) {
      return new Reply.Frame(manifestResult(asSent(catalog.resolve(m.id()).manifest(), client), client), false);
    }
    if (request instanceof FetchRequest f) {
      return fetch(f, client);
    }
    if (request instanceof SubscribeRequest s) {
      List<String> names = s.subscription();
      names.forEach(name -> catalog.names().check("model name", name));
      client.subscribe(names);
      return new Reply.Frame(new Subscribed(names), false);
    }
    if (request instanceof LoadReceipt r) {
      catalog.names().check(r.id());
      events.publish(client.record(r, Instant.now()));
      return new Reply.Frame(new ReceiptOk(), false);
    }
    throw UnexpectedMessageException.notAccepted("a server does not accept " + request.type() + " frames");
  }

  /** The signer for this client: present when the server signs and the client speaks protocol version 2 or 3. */
  private Optional<ManifestSigner> signerFor(ConnectedClient client) {
    return client.protocolVersion() >= Protocol.SIGNED_VERSION ? signer : Optional.empty();
  }

  /** The manifest as this client's protocol version has it: with chunk digests from version 3 on. */
  private static Manifest asSent(Manifest manifest, ConnectedClient client) {
    return ManifestJson.forVersion(manifest, client.protocolVersion());
  }

  private ManifestResult manifestResult(Manifest manifest, ConnectedClient client) {
    Optional<ManifestSigner> by = signerFor(client);
    if (by.isEmpty()) {
      return new ManifestResult(manifest);
    }
    byte[] json = ManifestJson.write(manifest);
    return ManifestResult.signed(manifest, json, by.get().sign(json));
  }

  private Reply fetch(FetchRequest request, ConnectedClient client) {
    ServedModel model = catalog.resolve(request.id());
    Manifest manifest = model.manifest();
    long size = manifest.size();
    if (request.offset() > size) {
      throw new InvalidRequestException("offset " + request.offset() + " is past the end of " + manifest.id()
          + " (" + size + " bytes)");
    }
    long available = size - request.offset();
    long count = request.length() == 0 ? available : Math.min(request.length(), available);
    PinnedFile file = model.file();
    if (!file.retain()) {
      throw new UncheckedIOException(new IOException(manifest.id() + " is no longer served"));
    }
    try {
      long onDisk = file.channel().size();
      if (onDisk != size) {
        throw new IOException(manifest.id() + " changed on disk since it was validated (" + onDisk + " bytes, "
            + "validated " + size + "); replace model files by renaming a new file over them");
      }
      FetchHeader header = new FetchHeader(manifest.name(), manifest.version(), size, request.offset(), count,
          HexFormat.of().parseHex(manifest.sha256()), asSent(manifest, client));
      Optional<ManifestSigner> by = signerFor(client);
      if (by.isPresent()) {
        header = header.signed(by.get().sign(header.manifestJson()));
      }
      Drain.Transfer transfer = drain.begin();
      return new Reply.Stream(header, file, request.offset(), count,
          metrics.fetchStarted(Metrics.TCP, manifest.name(), manifest.version()), transfer);
    } catch (IOException | RuntimeException e) {
      file.release();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }
}
