/**
 * The JVM clients of the TCP protocol.
 *
 * <ul>
 *   <li>{@link io.torchfeed.client.TorchfeedClient}: the blocking protocol client (LIST, MANIFEST, FETCH), with
 *       {@link io.torchfeed.client.FileDownload} (resumable, checked, atomic) and
 *       {@link io.torchfeed.client.MemoryDownload} (into one direct buffer, checked), used by the CLI.
 *   <li>{@link io.torchfeed.client.ModelClient}: the inference client; fetches a model, checks it, loads it into
 *       LibTorch in this process through the boundary in {@code io.torchfeed.validation}, and returns a
 *       {@link io.torchfeed.client.LoadedModel} that runs {@code forward} on PyTorch's Java API tensors.
 * </ul>
 */
package io.torchfeed.client;
