/**
 * Validation of model files, and its worker process.
 *
 * <ul>
 *   <li>{@link io.torchfeed.validation.LibTorchInspector}: loads a TorchScript file and describes it as plain
 *       records, through the JVM's LibTorch boundary ({@code io.torchfeed.client.libtorch.LibTorch}); no class of
 *       the server imports {@code org.bytedeco}.
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
