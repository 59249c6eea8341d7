package io.torchfeed.repository;

import io.torchfeed.model.Manifest;

/**
 * A validated model version being served: its manifest, the pinned file it was computed from, and that file's
 * stamp (a rescan that finds the same stamp keeps this object and its descriptor).
 */
public record ServedModel(Manifest manifest, PinnedFile file, String relative, FileStamp stamp) {}
