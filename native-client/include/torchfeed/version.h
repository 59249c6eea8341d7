// What this build of the client is: its version, the protocol versions it
// speaks, and the LibTorch it was built against (torchfeed::client loads
// models with it). These are constants captured when the library was
// compiled, from torch/version.h and caffe2/serialize/versions.h: reading
// them loads no LibTorch, so torchfeed::transport has them too.
#pragma once

#include <cstdint>

#include "torchfeed/manifest.h"

namespace torchfeed {

// This client's version, e.g. "0.1.0".
extern const char* const kClientVersion;
// Sent in HELLO with kLibTorchVersion: "torchfeed-cpp/<kClientVersion>".
extern const char* const kSoftware;
// The LibTorch version this client was built with, e.g. "1.13.0".
extern const char* const kLibTorchVersion;
// The newest archive file format this LibTorch reads.
extern const uint64_t kMaxFileFormatVersion;

// UnsupportedArchiveError when the manifest's formatVersion is newer than
// kMaxFileFormatVersion, saying so.
void check_format_version(const Manifest& manifest);

}  // namespace torchfeed
