/**
 * The HTTP API (docs/http.md) on Undertow: {@link io.torchfeed.transport.http.HttpServer} and a
 * {@link io.torchfeed.transport.http.Router} of small handlers. Catalog reads and model bytes are answered on
 * the I/O threads (the bytes with zero copy from the pinned file); uploads and changes to the repository run on
 * worker threads. Exceptions become responses in {@code ErrorMapper} only; the domain never throws an HTTP
 * exception, this package's own refusals are {@code HttpException}s.
 */
package io.torchfeed.transport.http;
