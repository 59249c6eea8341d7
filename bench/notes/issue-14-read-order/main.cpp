#include <torch/script.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <fstream>
#include <iostream>
#include <vector>
class Logging : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit Logging(std::vector<char> b) : b_(std::move(b)) {}
  size_t size() const override { std::cerr << "size\n"; return b_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* what) const override {
    std::cerr << "read " << pos << " " << n << " " << (what ? what : "") << "\n";
    size_t k = std::min<size_t>(n, b_.size() - pos);
    std::memcpy(buf, b_.data() + pos, k);
    return k;
  }
 private:
  std::vector<char> b_;
};
int main(int argc, char** argv) {
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), {});
  auto m = torch::jit::load(std::make_shared<Logging>(std::move(b)));
  std::cerr << "loaded\n";
}
