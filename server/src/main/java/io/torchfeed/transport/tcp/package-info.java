/**
 * The TCP transport on XNIO: the protocol listener ({@link io.torchfeed.transport.tcp.TcpServer}), one
 * non-blocking {@link io.torchfeed.transport.tcp.TcpConnection} per client, and the raw port. Exceptions become
 * ERROR frames in {@code ErrorMapper} only.
 */
package io.torchfeed.transport.tcp;
