/**
 * The in-process {@link io.torchfeed.bus.EventBus}: hands the repository's changes and the clients' load receipts
 * to the TCP subscribers and the HTTP event stream.
 */
package io.torchfeed.bus;
