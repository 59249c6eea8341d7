#include "torchfeed/loading.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "torchfeed/errors.h"

namespace torchfeed {
namespace {

std::string first_line(const char* text) {
  std::string s(text);
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.pop_back();
  }
  return s;
}

std::vector<int64_t> shape_of(const at::Tensor& t) {
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end());
}

}  // namespace

size_t MemoryReadAdapter::read(uint64_t pos, void* buf, size_t n,
                               const char* /*what*/) const {
  if (pos >= bytes_.size()) return 0;
  n = std::min<uint64_t>(n, bytes_.size() - pos);
  std::memcpy(buf, bytes_.data() + pos, n);
  return n;
}

size_t ArrivingReadAdapter::read(uint64_t pos, void* buf, size_t n,
                                 const char* /*what*/) const {
  return file_->read(pos, buf, n);
}

torch::jit::Module load_module(
    std::shared_ptr<caffe2::serialize::ReadAdapterInterface> archive,
    c10::optional<c10::Device> device) {
  try {
    return torch::jit::load(std::move(archive), device);
  } catch (const c10::Error& e) {
    throw LoadError(
        "LibTorch " + std::string(kLibTorchVersion) +
        " could not load the model: " + first_line(e.what_without_backtrace()));
  }
}

torch::jit::Module load_from_memory(Buffer bytes,
                                    c10::optional<c10::Device> device) {
  return load_module(std::make_shared<MemoryReadAdapter>(std::move(bytes)),
                     device);
}

uint64_t archive_format_version(
    const std::shared_ptr<caffe2::serialize::ReadAdapterInterface>& archive) {
  try {
    return caffe2::serialize::PyTorchStreamReader(archive).version();
  } catch (const c10::Error& e) {
    throw LoadError("LibTorch " + std::string(kLibTorchVersion) +
                    " could not read the archive: " +
                    first_line(e.what_without_backtrace()));
  }
}

ModuleInfo describe(const torch::jit::Module& module) {
  ModuleInfo info;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    info.parameters.push_back(
        {p.name, shape_of(p.value), dtype_name(p.value.scalar_type())});
  }
  for (const auto& b : module.named_buffers(/*recurse=*/true)) {
    info.buffers.push_back(
        {b.name, shape_of(b.value), dtype_name(b.value.scalar_type())});
  }
  return info;
}

std::string dtype_name(c10::ScalarType type) {
  using c10::ScalarType;
  switch (type) {
    case ScalarType::Byte:
      return "uint8";
    case ScalarType::Char:
      return "int8";
    case ScalarType::Short:
      return "int16";
    case ScalarType::Int:
      return "int32";
    case ScalarType::Long:
      return "int64";
    case ScalarType::Half:
      return "float16";
    case ScalarType::Float:
      return "float32";
    case ScalarType::Double:
      return "float64";
    case ScalarType::ComplexHalf:
      return "complex32";
    case ScalarType::ComplexFloat:
      return "complex64";
    case ScalarType::ComplexDouble:
      return "complex128";
    case ScalarType::Bool:
      return "bool";
    case ScalarType::QInt8:
      return "qint8";
    case ScalarType::QUInt8:
      return "quint8";
    case ScalarType::QInt32:
      return "qint32";
    case ScalarType::BFloat16:
      return "bfloat16";
    case ScalarType::QUInt4x2:
      return "quint4x2";
    case ScalarType::QUInt2x4:
      return "quint2x4";
    default: {
      std::string name = c10::toString(type);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      return name;
    }
  }
}

}  // namespace torchfeed
