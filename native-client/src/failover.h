// Moving between the servers of a list (replicas serving the same models):
// where a client starts, which failures send it to the next server, and the
// one line it gives up with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "torchfeed/endpoint.h"

namespace torchfeed::detail {

// The index of the server to try first: 0 when in_order, else one picked at
// random, so that clients given the same list spread over the replicas.
size_t first_server(size_t count, bool in_order);

// Whether the exception being handled is one the next server may not share:
// a ConnectionError (refused, reset, closed, timed out) or a RemoteError
// UNAVAILABLE (a replica shutting down or over its limit). Rethrows nothing.
bool next_server_may_help();

// Where a transfer cut short after `held` of `total` bytes resumes. Without
// chunk digests (chunk_size 0, a server of protocol version 1 or 2): at
// `held`, since those bytes were hashed as they arrived. With them: at the
// start of the first chunk not wholly received, so that every chunk is
// checked whole and at most one chunk's bytes are sent again (all of them
// received: `total`).
uint64_t resume_offset(uint64_t held, uint64_t total, uint64_t chunk_size);

// Rethrows the exception being handled, which ended the last attempt after
// every server was tried. With one server it is rethrown as it is; with more,
// as the same class (ConnectionError or RemoteError, same code) whose what()
// names them: "<what_happened> (a:7070, b:7070); the last error: ...".
[[noreturn]] void give_up(const std::vector<Endpoint>& servers,
                          const std::string& what_happened =
                              "every server failed");

}  // namespace torchfeed::detail
