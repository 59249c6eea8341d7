// Loading TorchScript archives from memory with this program's LibTorch:
// one buffer, read in place by a ReadAdapterInterface (no stream, no copy of
// the whole file), freed once the module is loaded.
#pragma once

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/script.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "torchfeed/manifest.h"

namespace torchfeed {

// The LibTorch version this client was built with, e.g. "1.13.0".
extern const char* const kLibTorchVersion;
// The newest archive file format this LibTorch reads.
extern const uint64_t kMaxFileFormatVersion;

// One allocation of bytes, not zero-filled. Movable, not copyable.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t size);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

// Lets LibTorch read an archive straight from a Buffer it owns.
class MemoryReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit MemoryReadAdapter(Buffer bytes) : bytes_(std::move(bytes)) {}

  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n,
              const char* what = "") const override;

 private:
  Buffer bytes_;
};

// Loads a module from an archive in memory. The adapter (and its buffer) is
// released when LibTorch is done with it: when this returns. LoadError with
// LibTorch's first line when it cannot load it.
torch::jit::Module load_module(
    std::shared_ptr<caffe2::serialize::ReadAdapterInterface> archive,
    c10::optional<c10::Device> device = c10::nullopt);
torch::jit::Module load_from_memory(
    Buffer bytes, c10::optional<c10::Device> device = c10::nullopt);

// The archive's file-format version (its <archive>/version record), as this
// LibTorch reads it. LoadError if it is not an archive it can read.
uint64_t archive_format_version(
    const std::shared_ptr<caffe2::serialize::ReadAdapterInterface>& archive);

// UnsupportedArchiveError when the manifest's formatVersion is newer than
// kMaxFileFormatVersion, saying so.
void check_format_version(const Manifest& manifest);

// named_parameters(true) and named_buffers(true) of a loaded module.
ModuleInfo describe(const torch::jit::Module& module);

// Python's spelling of a dtype: "float32", "int64", "bool", "complex64"...
std::string dtype_name(c10::ScalarType type);

}  // namespace torchfeed
