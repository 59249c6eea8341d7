// The part of Client that needs LibTorch: loading and following models.
#include "torchfeed/client.h"

#include <utility>

namespace torchfeed {

torch::jit::Module Client::load(const std::string& name, uint32_t version,
                                c10::optional<c10::Device> device) {
  return load_from_memory(fetch_loadable(name, version).bytes, device);
}

Watcher Client::subscribe(const std::string& name, LoadCallback callback,
                          WatchOptions watch) {
  return subscribe(std::vector<std::string>{name}, std::move(callback),
                   std::move(watch));
}

Watcher Client::subscribe(std::initializer_list<std::string> names,
                          LoadCallback callback, WatchOptions watch) {
  return subscribe(std::vector<std::string>(names), std::move(callback),
                   std::move(watch));
}

Watcher Client::subscribe(const std::vector<std::string>& names,
                          LoadCallback callback, WatchOptions watch) {
  Watcher watcher(servers(), names, std::move(callback), std::move(watch),
                  options());
  watcher.start();
  return watcher;
}

}  // namespace torchfeed
