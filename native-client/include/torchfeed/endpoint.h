// Where a client connects: one server, or several replicas serving the same
// models ("a:7070,b:7070,[::1]:7070"), which a FetchClient, Client or
// Watcher fails over between (fetch_client.h, watcher.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace torchfeed {

constexpr uint16_t kDefaultPort = 7070;

struct Endpoint {
  std::string host;  // a name, an IPv4 or an IPv6 address (no brackets)
  uint16_t port = kDefaultPort;

  // HOST:PORT, [V6]:PORT for an IPv6 address.
  std::string to_string() const;
  bool operator==(const Endpoint& other) const {
    return host == other.host && port == other.port;
  }
  bool operator!=(const Endpoint& other) const { return !(*this == other); }
};

// HOST:PORT, [V6]:PORT, HOST or [V6] (port kDefaultPort); std::invalid_argument
// with a one-line message otherwise (a missing host, a port not in 1-65535).
Endpoint parse_endpoint(const std::string& text);
// One or more of those, separated by commas: "a:7070,b:7070,[::1]:7070".
// std::invalid_argument for an empty entry or a bad one.
std::vector<Endpoint> parse_endpoints(const std::string& text);
// "a:7070, b:7070": the servers named in messages.
std::string to_string(const std::vector<Endpoint>& endpoints);

}  // namespace torchfeed
