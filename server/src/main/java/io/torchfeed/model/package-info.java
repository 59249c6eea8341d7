/** Domain types: model ids, manifests, tensor descriptions and domain exceptions. No I/O, no transport. */
package io.torchfeed.model;
