// torchfeed-example HOST:PORT [MODEL]: loads MODEL (default toynet) from a
// torchfeed server with torchfeed::Client and runs its forward on toynet's
// reference input, torch.linspace(-1, 1, 784).reshape(1, 1, 28, 28)
// (test-fixtures/models/toynet/forward.json). Prints one line:
//
//   toynet output [1, 10]: 0.0170978 -0.0154429 ...
//
// Exit 0 on success, 1 with a one-line message on stderr otherwise.
#include <torch/script.h>
#include <torchfeed/client.h>

#include <cstdio>
#include <string>

namespace {

constexpr const char* kProgram = "torchfeed-example";
constexpr int64_t kInputSize = 784;  // 1 x 1 x 28 x 28

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s HOST:PORT [MODEL]\n", kProgram);
    return 1;
  }
  std::string server = argv[1];
  std::string name = argc == 3 ? argv[2] : "toynet";
  size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::fprintf(stderr, "%s: expected HOST:PORT, got '%s'\n", kProgram,
                 server.c_str());
    return 1;
  }
  try {
    torchfeed::Client client(
        server.substr(0, colon),
        static_cast<uint16_t>(std::stoul(server.substr(colon + 1))));
    torch::jit::Module model = client.load(name);
    model.eval();
    torch::NoGradGuard no_grad;
    at::Tensor input =
        torch::linspace(-1, 1, kInputSize).reshape({1, 1, 28, 28});
    at::Tensor output = model.forward({input}).toTensor().contiguous();
    std::string shape;
    for (int64_t size : output.sizes()) {
      shape += (shape.empty() ? "" : ", ") + std::to_string(size);
    }
    std::printf("%s output [%s]:", name.c_str(), shape.c_str());
    const float* values = output.data_ptr<float>();
    for (int64_t i = 0; i < output.numel(); ++i) {
      std::printf(" %.7g", values[i]);
    }
    std::printf("\n");
    return 0;
  } catch (const torchfeed::Error& e) {  // the load's errors, LoadError too
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  } catch (const c10::Error& e) {  // the forward's
    std::fprintf(stderr, "%s: LibTorch: %s\n", kProgram,
                 first_line(e.what_without_backtrace()).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  }
  return 1;
}
