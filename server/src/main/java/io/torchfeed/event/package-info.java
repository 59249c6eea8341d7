/**
 * Events: what subscribers hear (catalog changes and load receipts), their JSON shapes ({@link
 * io.torchfeed.event.EventJson}, the only place they are written) and the in-process {@link
 * io.torchfeed.event.EventBus} that TCP subscribers and the HTTP event stream listen to. No I/O.
 */
package io.torchfeed.event;
