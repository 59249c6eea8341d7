/**
 * What the transports share: {@link io.torchfeed.transport.ServerTls}, the one place TLS is set up for the TCP
 * protocol, HTTP and raw ports. The transports themselves are the subpackages {@code tcp} and {@code http}.
 */
package io.torchfeed.transport;
