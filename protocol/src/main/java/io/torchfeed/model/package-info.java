/**
 * Domain types both sides of the protocol share: model ids, manifests, tensor descriptions, listings, and the
 * exceptions for requests that break them. No I/O, no transport.
 */
package io.torchfeed.model;
