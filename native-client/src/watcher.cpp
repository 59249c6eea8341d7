#include "torchfeed/watcher.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "channel.h"
#include "failover.h"
#include "torchfeed/client.h"
#include "torchfeed/protocol.h"
#include "transport.h"

namespace torchfeed {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A receipt's reason: one line, at most this many bytes.
constexpr size_t kMaxReason = 1000;

std::string one_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() &&
         std::isspace(static_cast<unsigned char>(line.back()))) {
    line.pop_back();
  }
  if (line.size() > kMaxReason) {
    size_t cut = kMaxReason;  // not inside a UTF-8 sequence
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    line = line.substr(0, cut) + "...";
  }
  return line.empty() ? "(no message)" : line;
}

// The reason of the exception being handled.
std::string current_reason() {
  try {
    throw;
  } catch (const c10::Error& e) {
    return one_line(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return one_line(e.what());
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

class Watcher::Impl {
 public:
  Impl(std::vector<Endpoint> servers, std::vector<std::string> names,
       LoadCallback callback, WatchOptions watch, Options options)
      : servers_(std::move(servers)),
        names_(std::move(names)),
        callback_(std::move(callback)),
        watch_(std::move(watch)),
        options_(std::move(options)),
        cancellation_(std::make_shared<Cancellation>()),
        listener_(watch_.listener ? watch_.listener
                                  : std::make_shared<WatchListener>()) {
    if (!callback_) throw std::invalid_argument("Watcher: no callback");
    if (servers_.empty()) {
      throw std::invalid_argument("Watcher: no server given");
    }
    server_ = detail::first_server(servers_.size(), options_.in_order);
    options_.cancellation = cancellation_;
  }

  void run();
  void stop() { cancellation_->cancel(); }

  std::map<std::string, Manifest> loaded() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return loaded_;
  }

  std::thread thread;
  std::exception_ptr error;

 private:
  // What the watcher holds of a model: the version loaded or, without
  // load_current, the latest when it started (then `loaded` is false).
  struct Current {
    uint32_t version = 0;
    std::string sha256;
    bool loaded = false;
  };

  void session(milliseconds& delay);
  // Connected to the server in use, or else to the next one that answers,
  // and subscribed.
  std::unique_ptr<detail::NoticeChannel> subscribe(
      std::vector<std::string>& subscribed);
  void next_server() { server_ = (server_ + 1) % servers_.size(); }
  void take_baseline();
  void catch_up(detail::NoticeChannel& channel);
  void follow(detail::NoticeChannel& channel);
  void handle(detail::NoticeChannel& channel, const Event& event);
  void update(detail::NoticeChannel& channel, Client& fetcher,
              const std::string& name);
  void load(detail::NoticeChannel& channel, Client& fetcher,
            const std::string& name, uint32_t version,
            const std::string& sha256);
  void send_failed(detail::NoticeChannel& channel, const std::string& name,
                   uint32_t version, const std::string& sha256,
                   const std::string& reason);
  bool follows(const std::string& name) const;
  std::vector<std::string> models(Client& fetcher) const;
  // A Client on the servers, the one subscribed to first, then in order.
  Client fetcher() const {
    std::vector<Endpoint> order;
    for (size_t i = 0; i < servers_.size(); ++i) {
      order.push_back(servers_[(server_ + i) % servers_.size()]);
    }
    Options options = options_;
    options.in_order = true;
    return Client(std::move(order), std::move(options));
  }

  const std::vector<Endpoint> servers_;
  size_t server_ = 0;  // the index of the server in use; the watcher's thread
  const std::vector<std::string> names_;
  const LoadCallback callback_;
  const WatchOptions watch_;
  Options options_;
  const std::shared_ptr<Cancellation> cancellation_;
  const std::shared_ptr<WatchListener> listener_;
  std::atomic<bool> ran_{false};
  bool baseline_taken_ = false;
  bool watching_ = false;  // this session caught up and follows the notices
  std::map<std::string, Current> current_;  // the watcher's thread only
  mutable std::mutex mutex_;
  std::map<std::string, Manifest> loaded_;
};

void Watcher::Impl::run() {
  if (ran_.exchange(true)) {
    throw std::logic_error("Watcher::run() runs once per watcher");
  }
  milliseconds delay = watch_.reconnect_delay;
  for (;;) {
    std::string reason;
    bool going_away = false;
    try {
      session(delay);  // returns only by an exception
    } catch (const CancelledError&) {
      return;
    } catch (const RemoteError& e) {
      if (!e.fatal()) throw;  // refused: retrying would not help
      reason = e.what();
      // UNAVAILABLE while following: the server is shutting down (or dropped
      // this subscriber as too slow) and says so. Not before: a server over
      // its connection limit (which refuses with it) gets the backoff.
      going_away = watching_ &&
                   e.code() == static_cast<uint16_t>(
                                   protocol::ErrorCode::kUnavailable);
    } catch (const ConnectionError& e) {
      reason = e.what();
    } catch (const ProtocolError& e) {
      reason = e.what();
    }
    if (cancellation_->cancelled()) return;
    if (going_away) {  // reconnect at once: another replica, or this one back
      listener_->disconnected(reason, milliseconds(0));
      continue;
    }
    listener_->disconnected(reason, delay);
    if (!cancellation_->sleep_for(delay)) return;
    delay = std::min(delay * 2, watch_.max_reconnect_delay);
  }
}

// One connection: SUBSCRIBE, then the latest of every model followed, then
// the notices, until the connection fails or stop(). When it fails, the next
// session starts at the next server.
void Watcher::Impl::session(milliseconds& delay) {
  watching_ = false;
  if (!watch_.load_current && !baseline_taken_) take_baseline();
  std::vector<std::string> subscribed;
  std::unique_ptr<detail::NoticeChannel> channel = subscribe(subscribed);
  delay = watch_.reconnect_delay;
  try {
    catch_up(*channel);
    watching_ = true;
    listener_->watching(subscribed);
    follow(*channel);
  } catch (...) {
    next_server();
    throw;
  }
}

std::unique_ptr<detail::NoticeChannel> Watcher::Impl::subscribe(
    std::vector<std::string>& subscribed) {
  for (size_t tried = 1;; ++tried) {
    try {
      const Endpoint& server = servers_[server_];
      auto connection = std::make_unique<detail::Connection>(
          server.host, server.port, options_.connect_timeout,
          options_.read_timeout, cancellation_, options_.tls);
      detail::handshake(*connection);
      auto channel =
          std::make_unique<detail::NoticeChannel>(std::move(connection));
      subscribed = channel->subscribe(names_);
      return channel;
    } catch (const Error&) {
      if (!detail::next_server_may_help()) throw;
      next_server();
      if (tried >= servers_.size()) detail::give_up(servers_);
    }
  }
}

// Without load_current: the versions current before the first SUBSCRIBE
// are not loaded. Taken before it, so that a version published after it is
// either notified or found by catch_up().
void Watcher::Impl::take_baseline() {
  Client client = fetcher();
  for (const std::string& name : models(client)) {
    try {
      Manifest latest = client.manifest(name);
      current_[name] = {latest.version, latest.sha256, false};
    } catch (const RemoteError& e) {  // e.g. not a model yet: its first
      if (e.fatal()) throw;           // version will be loaded
    } catch (const SignatureError&) {  // reported when it is loaded
    }
  }
  baseline_taken_ = true;
}

void Watcher::Impl::catch_up(detail::NoticeChannel& channel) {
  Client client = fetcher();
  for (const std::string& name : models(client)) {
    update(channel, client, name);
  }
}

void Watcher::Impl::follow(detail::NoticeChannel& channel) {
  Clock::time_point quiet_since = Clock::now();
  for (;;) {
    auto quiet =
        std::chrono::duration_cast<milliseconds>(Clock::now() - quiet_since);
    std::optional<Event> event =
        channel.next(std::max(milliseconds(0), watch_.ping_interval - quiet));
    if (event) {
      handle(channel, *event);
    } else {
      channel.subscribe(names_);  // is the server still there?
    }
    quiet_since = Clock::now();
  }
}

void Watcher::Impl::handle(detail::NoticeChannel& channel, const Event& e) {
  if (!follows(e.name)) return;  // queued under a previous subscription
  listener_->notice(e);
  auto it = current_.find(e.name);
  if (e.kind == Event::Kind::kPublished) {
    if (it != current_.end() &&
        (e.version < it->second.version ||
         (e.version == it->second.version && e.sha256 == it->second.sha256))) {
      return;  // older than, or the very bytes of, what is current
    }
    Client client = fetcher();
    load(channel, client, e.name, e.version, e.sha256);
  } else if (e.kind == Event::Kind::kRemoved) {
    if (it != current_.end() && it->second.loaded &&
        it->second.version == e.version) {
      Client client = fetcher();
      update(channel, client, e.name);  // a rollback to the new latest
    }
  }
}

// Loads the latest version of the model unless it is current.
void Watcher::Impl::update(detail::NoticeChannel& channel, Client& client,
                           const std::string& name) {
  Manifest latest;
  try {
    latest = client.manifest(name);
  } catch (const NotFoundError&) {
    return;  // not a model (yet), or no version left
  } catch (const RemoteError& e) {
    if (e.fatal()) throw;
    listener_->failed(name, kLatest, one_line(e.what()), false);
    return;
  } catch (const SignatureError& e) {  // no version to send a receipt for
    listener_->failed(name, kLatest, one_line(e.what()), false);
    return;
  }
  auto it = current_.find(name);
  if (it != current_.end() && it->second.version == latest.version &&
      it->second.sha256 == latest.sha256) {
    return;
  }
  load(channel, client, name, latest.version, latest.sha256);
}

// Fetches, checks and loads the version, hands it to the callback and sends
// the receipt. sha256: the one announced, for a receipt when the fetch fails.
void Watcher::Impl::load(detail::NoticeChannel& channel, Client& client,
                         const std::string& name, uint32_t version,
                         const std::string& sha256) {
  Loaded loaded;
  try {  // loaded while it arrives (Client::fetch_and_load)
    loaded = client.fetch_and_load(name, version, watch_.device);
  } catch (const CancelledError&) {
    throw;
  } catch (const RemoteError& e) {  // e.g. removed in the meantime
    listener_->failed(name, version, one_line(e.what()), false);
    return;
  } catch (const Error& e) {  // checksum, too new, connection lost, load
    send_failed(channel, name, version, sha256, one_line(e.what()));
    return;
  } catch (...) {  // LibTorch's own (e.g. an ErrorReport), bad_alloc
    send_failed(channel, name, version, sha256, current_reason());
    return;
  }
  const Manifest manifest = loaded.manifest;
  try {
    callback_(std::move(loaded.module), manifest);
  } catch (...) {
    send_failed(channel, manifest.name, manifest.version, manifest.sha256,
                current_reason());
    return;
  }
  current_[manifest.name] = {manifest.version, manifest.sha256, true};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loaded_[manifest.name] = manifest;
  }
  channel.receipt({manifest.name, manifest.version,
                   protocol::from_hex(manifest.sha256),
                   protocol::ReceiptStatus::kLoaded, "", kLibTorchVersion});
  listener_->loaded(manifest);
}

void Watcher::Impl::send_failed(detail::NoticeChannel& channel,
                                const std::string& name, uint32_t version,
                                const std::string& sha256,
                                const std::string& reason) {
  channel.receipt({name, version, protocol::from_hex(sha256),
                   protocol::ReceiptStatus::kFailed, reason, kLibTorchVersion});
  listener_->failed(name, version, reason, true);
}

bool Watcher::Impl::follows(const std::string& name) const {
  return names_.empty() ||
         std::find(names_.begin(), names_.end(), name) != names_.end();
}

// The names followed; every model: those the server lists now.
std::vector<std::string> Watcher::Impl::models(Client& client) const {
  if (!names_.empty()) return names_;
  std::vector<std::string> names;
  for (const ModelSummary& m : client.list().models) names.push_back(m.name);
  return names;
}

Watcher::Watcher(std::string host, uint16_t port,
                 std::vector<std::string> names, LoadCallback callback,
                 WatchOptions watch, Options options)
    : Watcher(std::vector<Endpoint>{{std::move(host), port}}, std::move(names),
              std::move(callback), std::move(watch), std::move(options)) {}

Watcher::Watcher(std::vector<Endpoint> servers, std::vector<std::string> names,
                 LoadCallback callback, WatchOptions watch, Options options)
    : impl_(std::make_unique<Impl>(std::move(servers), std::move(names),
                                   std::move(callback), std::move(watch),
                                   std::move(options))) {}

Watcher::~Watcher() {
  if (!impl_) return;
  impl_->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Watcher::Watcher(Watcher&&) noexcept = default;

Watcher& Watcher::operator=(Watcher&& other) noexcept {
  if (this != &other) {
    Watcher old(std::move(*this));  // stopped and joined when it goes
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Watcher::run() {
  if (!impl_) throw std::logic_error("Watcher: moved from");
  impl_->run();
}

void Watcher::start() {
  if (!impl_) throw std::logic_error("Watcher: moved from");
  if (impl_->thread.joinable()) {
    throw std::logic_error("Watcher::start(): already started");
  }
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] {
    try {
      impl->run();
    } catch (...) {
      impl->error = std::current_exception();
    }
  });
}

void Watcher::stop() {
  if (impl_) impl_->stop();
}

void Watcher::wait() {
  if (!impl_) return;
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->error) std::rethrow_exception(std::exchange(impl_->error, {}));
}

std::map<std::string, Manifest> Watcher::loaded() const {
  return impl_ ? impl_->loaded() : std::map<std::string, Manifest>{};
}

}  // namespace torchfeed
