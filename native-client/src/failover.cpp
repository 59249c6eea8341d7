#include "failover.h"

#include <random>
#include <string>

#include "torchfeed/errors.h"
#include "torchfeed/protocol.h"

namespace torchfeed::detail {

size_t first_server(size_t count, bool in_order) {
  if (in_order || count < 2) return 0;
  std::random_device seed;
  return std::uniform_int_distribution<size_t>(0, count - 1)(seed);
}

bool next_server_may_help() {
  try {
    throw;
  } catch (const ConnectionError&) {
    return true;
  } catch (const RemoteError& e) {
    return e.code() ==
           static_cast<uint16_t>(protocol::ErrorCode::kUnavailable);
  } catch (...) {
    return false;
  }
}

uint64_t resume_offset(uint64_t held, uint64_t total, uint64_t chunk_size) {
  if (chunk_size == 0 || held >= total) return held;
  return held - held % chunk_size;
}

void give_up(const std::vector<Endpoint>& servers,
             const std::string& what_happened) {
  if (servers.size() < 2) throw;
  const std::string prefix = what_happened + " (" + to_string(servers) +
                             "); the last error: ";
  try {
    throw;
  } catch (const RemoteError& e) {
    throw RemoteError(e.code(), e.fatal(), prefix + e.what());
  } catch (const ConnectionError& e) {
    throw ConnectionError(prefix + e.what());
  }
}

}  // namespace torchfeed::detail
