// The part of Client that needs LibTorch: loading and following models.
#include "torchfeed/client.h"

#include <exception>
#include <memory>
#include <thread>
#include <utility>

#include "torchfeed/arriving.h"

namespace torchfeed {

torch::jit::Module Client::load(const std::string& name, uint32_t version,
                                c10::optional<c10::Device> device) {
  return fetch_and_load(name, version, device).module;
}

// The transfer runs on a thread of its own (the only user of this client's
// connection meanwhile: the caller waits here) and LibTorch on the caller's.
// When LibTorch fails first, the transfer is abandoned and joined, and the
// transfer's own error, if it had one, is the one thrown (a short read is
// all LibTorch saw of it). When LibTorch succeeds, the module waits for the
// chunks it did not read (e.g. extra files) to be checked too.
Loaded Client::fetch_and_load(const std::string& name, uint32_t version,
                              c10::optional<c10::Device> device) {
  Manifest wanted = manifest(name, version);
  check_format_version(wanted);
  Loaded loaded;
  if (!options().load_while_receiving || !ArrivingFile::suits(wanted)) {
    Download download = fetch_into_memory(wanted, true);
    loaded.module = load_from_memory(std::move(download.bytes), device);
    static_cast<FetchResult&>(loaded) = std::move(download);
    return loaded;
  }
  auto file = std::make_shared<ArrivingFile>(
      wanted, options().hash_on_thread ? ArrivingFile::default_threads() : 0);
  std::thread receiver([&] {
    try {
      static_cast<FetchResult&>(loaded) = fetch_arriving(*file);
    } catch (...) {
      file->fail(std::current_exception());
    }
  });
  try {
    loaded.module =
        load_module(std::make_shared<ArrivingReadAdapter>(file), device);
  } catch (...) {
    file->abandon();
    receiver.join();
    if (std::exception_ptr failure = file->failure()) {
      std::rethrow_exception(failure);
    }
    throw;
  }
  receiver.join();
  if (std::exception_ptr failure = file->failure()) {
    std::rethrow_exception(failure);
  }
  return loaded;
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
