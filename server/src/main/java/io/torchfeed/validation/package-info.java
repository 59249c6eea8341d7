/**
 * The LibTorch boundary and its worker process.
 *
 * <ul>
 *   <li>{@link io.torchfeed.validation.LibTorchInspector}: loads a TorchScript module and describes it as plain
 *       records, or keeps it for inference ({@link io.torchfeed.validation.LibTorchInspector.LoadedModule}:
 *       {@code forward} and parameter values as PyTorch's Java API tensors). It and its package-private helper
 *       {@code NativeTensors} (tensor conversion) are the only classes of torchfeed that import
 *       {@code org.bytedeco}: this package is the LibTorch boundary, and no {@code org.bytedeco} type appears in
 *       a public signature ({@code BoundaryTest} checks both).
 *   <li>{@link io.torchfeed.validation.ArchiveFacts}: size, SHA-256 and format version of a file, in plain
 *       Java, after {@code ArchivePrecheck} has checked the zip structure as PyTorch writes it (its own parser:
 *       {@code ZipEnd}, {@code CentralDirectory}, {@code LocalHeaders}; CRCs by {@code RecordChecksums}).
 *   <li>{@link io.torchfeed.validation.Validator}, implemented by
 *       {@link io.torchfeed.validation.WorkerValidator}: how the server validates a file, in a child process
 *       ({@link io.torchfeed.validation.ValidationWorker}, run by {@code torchfeed validate-worker}), because
 *       LibTorch can abort, crash or hang on a hostile file.
 * </ul>
 */
package io.torchfeed.validation;
