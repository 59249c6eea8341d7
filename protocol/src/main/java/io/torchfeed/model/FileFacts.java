package io.torchfeed.model;

/**
 * What plain Java learns about a model file without LibTorch.
 *
 * @param size          bytes
 * @param sha256        lower-case hex SHA-256 of the whole file
 * @param formatVersion the archive's {@code version} record
 */
public record FileFacts(long size, String sha256, int formatVersion) {}
