/**
 * Events: what subscribers hear (catalog changes and load receipts) and their JSON shapes ({@link
 * io.torchfeed.event.EventJson}, the only place they are written). No I/O.
 */
package io.torchfeed.event;
