package io.torchfeed.repository;

import io.torchfeed.model.Manifest;

/** A validated model version being served: its manifest and the pinned file it was computed from. */
public record ServedModel(Manifest manifest, PinnedFile file, String relative) {}
