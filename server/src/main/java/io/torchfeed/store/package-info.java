/**
 * The bucket store (docs/store.md): {@link io.torchfeed.store.ObjectStore}, the one interface to an object store,
 * with {@link io.torchfeed.store.S3ObjectStore} over the AWS SDK; and {@link io.torchfeed.store.BucketRepository},
 * torchfeed's models in a bucket (content-addressed blobs, version records, aliases), whose version numbers and
 * alias moves are conditional writes, so replicas sharing the bucket never give one version number twice.
 */
package io.torchfeed.store;
