/**
 * Loading models into LibTorch in this JVM ({@code io.torchfeed:torchfeed-client-libtorch}).
 *
 * <ul>
 *   <li>{@link io.torchfeed.client.libtorch.ModelClient}: fetches a model, checks it, loads it, and returns a
 *       {@link io.torchfeed.client.libtorch.LoadedModel} that runs {@code forward} on PyTorch's Java API tensors;
 *       {@link io.torchfeed.client.libtorch.LoadedModel#load} loads a file a
 *       {@link io.torchfeed.client.ModelWatcher} hands over.
 *   <li>{@link io.torchfeed.client.libtorch.LibTorch}: the JVM's LibTorch boundary. It and its package-private
 *       helper {@code NativeTensors} are the only classes of torchfeed that import {@code org.bytedeco}, and no
 *       {@code org.bytedeco} type appears in a public signature ({@code BoundaryTest} checks both, in every
 *       module). Models are loaded from files with {@code torch::jit::load}, LibTorch's supported API.
 * </ul>
 */
package io.torchfeed.client.libtorch;
