package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What plain Java learns about a model file without LibTorch.
 *
 * @param size          bytes
 * @param sha256        lower-case hex SHA-256 of the whole file
 * @param formatVersion the archive's {@code version} record
 * @param chunks        the SHA-256 of each chunk of the file; null only in facts cached before protocol version 3
 */
public record FileFacts(long size, String sha256, int formatVersion,
    @JsonInclude(JsonInclude.Include.NON_NULL) ChunkDigests chunks) {}
