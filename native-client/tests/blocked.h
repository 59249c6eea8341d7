// For the tests that a wait ends (Cancellation::cancel, Watcher::stop)
// without measuring how long anything took:
//
// * the wait is made longer than any test may run (kLongerThanAnyTest), so
//   a cancel that does not end it leaves the test hanging until CTest's
//   TIMEOUT for it (tests/CMakeLists.txt), and a hang fails;
// * the cancel is sent once the waiting thread is blocked in its system
//   call, as /proc shows, rather than after a sleep that hopes it got there.
#pragma once

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace torchfeed::testing {

// Far beyond every test's CTest TIMEOUT.
constexpr std::chrono::milliseconds kLongerThanAnyTest = std::chrono::hours(24);

// The system calls a thread blocks in while it waits for a socket (poll) or
// on a condition variable (futex).
inline const std::vector<long> kPollCalls = {
#ifdef SYS_poll
    SYS_poll,
#endif
    SYS_ppoll};
inline const std::vector<long> kFutexCalls = {
#ifdef SYS_futex
    SYS_futex,
#endif
#ifdef SYS_futex_time64
    SYS_futex_time64,
#endif
};

// The id of the calling thread, for blocked_in().
inline pid_t this_thread_id() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

// The system call that thread `tid` of this process is blocked in, from
// /proc/self/task/TID/syscall (which says "running" while it runs); -1
// while it is not blocked in one.
inline long blocked_in(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long call = -1;
  if (!(in >> call)) return -1;
  return call;
}

// Waits until thread `tid` is blocked in one of `calls`; a test failure, and
// false, when it is not within `patience` (a deadline that only bounds a
// failing test: the other thread blocks right after what the test waited
// for before calling this).
inline bool wait_until_blocked(
    pid_t tid, const std::vector<long>& calls,
    std::chrono::milliseconds patience = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  long last = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    last = blocked_in(tid);
    for (long call : calls) {
      if (last == call) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "thread " << tid << " did not block in the expected "
                << "system call; last seen in " << last;
  return false;
}

}  // namespace torchfeed::testing
