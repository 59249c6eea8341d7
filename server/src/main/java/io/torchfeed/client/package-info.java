/** The JVM client of the TCP protocol: {@link io.torchfeed.client.TorchfeedClient} and its exceptions. */
package io.torchfeed.client;
