#include "torchfeed/endpoint.h"

#include <stdexcept>

namespace torchfeed {
namespace {

uint16_t parse_port(const std::string& digits, const std::string& text) {
  if (!digits.empty() && digits.size() <= 5 &&
      digits.find_first_not_of("0123456789") == std::string::npos) {
    unsigned long port = std::stoul(digits);
    if (port >= 1 && port <= 65535) return static_cast<uint16_t>(port);
  }
  throw std::invalid_argument("invalid port in '" + text +
                              "': expected 1-65535");
}

}  // namespace

std::string Endpoint::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
         ":" + std::to_string(port);
}

Endpoint parse_endpoint(const std::string& text) {
  Endpoint endpoint{text, kDefaultPort};
  if (!text.empty() && text[0] == '[') {  // [V6] or [V6]:PORT
    size_t close = text.find(']');
    if (close == std::string::npos) {
      throw std::invalid_argument("missing ']' in '" + text + "'");
    }
    endpoint.host = text.substr(1, close - 1);
    std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        throw std::invalid_argument("expected ':PORT' after ']' in '" + text +
                                    "'");
      }
      endpoint.port = parse_port(rest.substr(1), text);
    }
  } else if (text.find(':') != std::string::npos &&
             text.find(':') == text.rfind(':')) {  // HOST:PORT
    size_t colon = text.find(':');
    endpoint.host = text.substr(0, colon);
    endpoint.port = parse_port(text.substr(colon + 1), text);
  }  // else HOST, or a bare IPv6 address (several colons)
  if (endpoint.host.empty()) {
    throw std::invalid_argument("missing host in '" + text + "'");
  }
  return endpoint;
}

std::vector<Endpoint> parse_endpoints(const std::string& text) {
  std::vector<Endpoint> endpoints;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) {
      throw std::invalid_argument("empty server in '" + text +
                                  "': expected HOST:PORT[,HOST:PORT...]");
    }
    endpoints.push_back(parse_endpoint(item));
    if (comma == std::string::npos) return endpoints;
    start = comma + 1;
  }
}

std::string to_string(const std::vector<Endpoint>& endpoints) {
  std::string out;
  for (const Endpoint& e : endpoints) {
    out += (out.empty() ? "" : ", ") + e.to_string();
  }
  return out;
}

}  // namespace torchfeed
