#pragma once
/// expect_error(fn, {"substring", ...}): fn must throw a tz::Error whose message contains every
/// substring. The reliability tests assert on the op name and the offending value, so one call
/// takes several pieces; a failure is reported at the caller's line with the whole message.
/// expect_op_error(fn, {"[op]", ...}) also requires the message to start with the first piece
/// and no storage to be left alive by the failed call (an error path must not leak).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/storage.h"

namespace tz::test {

// The caller's file and line come in as default arguments (__builtin_FILE/LINE: what
// std::source_location does, which clang 14 with libstdc++ 12 lacks; the clang-built sanitizer
// and fuzz builds compile these tests).

/// Returns the message (empty when nothing or something else was thrown) for further checks.
inline std::string expect_error(const std::function<void()>& fn, const std::vector<std::string>& substrings,
                                const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  try {
    fn();
  } catch (const tz::Error& e) {
    const std::string msg = e.what();
    for (const std::string& s : substrings)
      if (msg.find(s) == std::string::npos)
        ADD_FAILURE_AT(file, line) << "tz::Error lacks '" << s << "'; message: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE_AT(file, line) << "expected a tz::Error, got another exception: " << e.what();
    return {};
  }
  std::string all;
  for (const std::string& s : substrings) all += " '" + s + "'";
  ADD_FAILURE_AT(file, line) << "expected a tz::Error containing" << all << ", nothing thrown";
  return {};
}

inline std::string expect_op_error(const std::function<void()>& fn, const std::vector<std::string>& pieces,
                                   const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  const int64_t live = Storage::live_count();
  const std::string msg = expect_error(fn, pieces, file, line);
  if (!msg.empty() && !pieces.empty() && msg.rfind(pieces.front(), 0) != 0)
    ADD_FAILURE_AT(file, line) << "message does not start with '" << pieces.front() << "': " << msg;
  if (Storage::live_count() != live)
    ADD_FAILURE_AT(file, line) << "a storage leaked after: " << msg;
  return msg;
}

}  // namespace tz::test
