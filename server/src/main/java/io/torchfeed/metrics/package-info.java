/**
 * What the server counts and measures, for {@code GET /metrics} (Prometheus text format): bytes sent and fetches
 * per transport, connections, subscribers, validations. The transports call {@link io.torchfeed.metrics.Metrics};
 * nothing here knows about sockets or HTTP.
 */
package io.torchfeed.metrics;
