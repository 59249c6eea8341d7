/**
 * The model repository: scanning Triton's {@code <name>/<version>/model.pt} layout, validating each file once
 * (with an on-disk manifest cache), pinning the validated files, and the immutable {@link
 * io.torchfeed.repository.Catalog} the transports read.
 */
package io.torchfeed.repository;
