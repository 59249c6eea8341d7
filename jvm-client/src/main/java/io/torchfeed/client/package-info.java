/**
 * The JVM client of the TCP protocol ({@code io.torchfeed:torchfeed-client}: no LibTorch, no logging backend).
 *
 * <ul>
 *   <li>{@link io.torchfeed.client.TorchfeedClient}: the blocking protocol client (LIST, MANIFEST, FETCH,
 *       SUBSCRIBE, RECEIPT), with {@link io.torchfeed.client.FileDownload} (resumable, checked, atomic),
 *       {@link io.torchfeed.client.MemoryDownload} (into one direct buffer, checked) and
 *       {@link io.torchfeed.client.ScratchFile} (into a private file in RAM for loading, checked, deleted on close).
 *   <li>{@link io.torchfeed.client.Replicas}: several servers serving the same models, and failing over between them.
 *   <li>{@link io.torchfeed.client.ModelWatcher}: follows models, hands each new version to a loader, and sends
 *       the server load receipts.
 * </ul>
 *
 * Loading into LibTorch in the JVM is {@code io.torchfeed.client.libtorch} ({@code torchfeed-client-libtorch}).
 */
package io.torchfeed.client;
