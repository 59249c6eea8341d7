// Loading TorchScript archives from memory with this program's LibTorch
// (the target torchfeed::client): one buffer, read in place by a
// ReadAdapterInterface (no stream, no copy of the whole file), freed once the
// module is loaded; or a file still arriving (arriving.h), read as its
// chunks are checked.
#pragma once

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/script.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "torchfeed/arriving.h"
#include "torchfeed/buffer.h"
#include "torchfeed/manifest.h"
#include "torchfeed/version.h"  // kLibTorchVersion, check_format_version

namespace torchfeed {

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

// Lets LibTorch read an archive while it arrives: each read() returns once
// the chunks it covers are checked (ArrivingFile::read), and short when the
// transfer failed. LibTorch reports most short reads as an error but not
// all: what stops a module read from a failed transfer is that
// Client::fetch_and_load returns it only once the transfer succeeded.
class ArrivingReadAdapter final
    : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit ArrivingReadAdapter(std::shared_ptr<ArrivingFile> file)
      : file_(std::move(file)) {}

  size_t size() const override { return file_->size(); }
  size_t read(uint64_t pos, void* buf, size_t n,
              const char* what = "") const override;

 private:
  std::shared_ptr<ArrivingFile> file_;
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

// named_parameters(true) and named_buffers(true) of a loaded module.
ModuleInfo describe(const torch::jit::Module& module);

// Python's spelling of a dtype: "float32", "int64", "bool", "complex64"...
std::string dtype_name(c10::ScalarType type);

}  // namespace torchfeed
