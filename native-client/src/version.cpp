// The constants of version.h. The only file of torchfeed::transport that
// sees LibTorch's headers (two headers of constants, no code): it is
// compiled with Torch's include directories but nothing links LibTorch.
#include "torchfeed/version.h"

#include <caffe2/serialize/versions.h>
#include <torch/version.h>

#include <string>

#include "torchfeed/errors.h"

namespace torchfeed {

const char* const kClientVersion = TORCHFEED_CLIENT_VERSION;
const char* const kSoftware = "torchfeed-cpp/" TORCHFEED_CLIENT_VERSION;
const char* const kLibTorchVersion = TORCH_VERSION;
const uint64_t kMaxFileFormatVersion =
    caffe2::serialize::kMaxSupportedFileFormatVersion;

void check_format_version(const Manifest& manifest) {
  if (manifest.format_version > kMaxFileFormatVersion) {
    throw UnsupportedArchiveError(
        manifest.name + ":" + std::to_string(manifest.version) +
        " is an archive of file format version " +
        std::to_string(manifest.format_version) + ", too new for LibTorch " +
        kLibTorchVersion + " (it reads versions up to " +
        std::to_string(kMaxFileFormatVersion) +
        "); load it with a newer LibTorch");
  }
}

}  // namespace torchfeed
