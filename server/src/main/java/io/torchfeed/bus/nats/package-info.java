/**
 * The bus between replicas over NATS JetStream (docs/bus.md): {@link io.torchfeed.bus.nats.BusLocation} (where the
 * NATS cluster is) and {@link io.torchfeed.bus.nats.NatsBus} (this replica's link: catalog notices and client
 * receipts out, the other replicas' in). The only package that imports {@code io.nats}; everything else sees plain
 * records ({@link io.torchfeed.bus.nats.BusMessage}, {@link io.torchfeed.bus.nats.BusHealth}).
 */
package io.torchfeed.bus.nats;
