package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import java.nio.file.Path;

/**
 * A {@code model.pt} found in the repository, before validation.
 *
 * @param id       name and (positive) version taken from the directory names
 * @param path     absolute path of the file
 * @param relative path relative to the repository root, {@code /}-separated, as shown in LIST
 */
public record ModelFile(ModelId id, Path path, String relative) {}
