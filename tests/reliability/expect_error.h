#pragma once
/// expect_error(fn, {"substring", ...}): fn must throw a tz::Error whose message contains every
/// substring. The reliability tests assert on the op name and the offending value, so one call
/// takes several pieces; a failure is reported at the caller's line with the whole message.
/// expect_op_error(fn, {"[op]", ...}) also requires the message to start with the first piece
/// and no storage to be left alive by the failed call (an error path must not leak).
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <source_location>
#include <string>

#include "core/error.h"
#include "core/storage.h"

namespace tz::test {

/// Returns the message (empty when nothing or something else was thrown) for further checks.
inline std::string expect_error(const std::function<void()>& fn, std::initializer_list<std::string> substrings,
                                std::source_location where = std::source_location::current()) {
  try {
    fn();
  } catch (const tz::Error& e) {
    const std::string msg = e.what();
    for (const std::string& s : substrings)
      if (msg.find(s) == std::string::npos)
        ADD_FAILURE_AT(where.file_name(), int(where.line())) << "tz::Error lacks '" << s << "'; message: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE_AT(where.file_name(), int(where.line())) << "expected a tz::Error, got another exception: " << e.what();
    return {};
  }
  std::string all;
  for (const std::string& s : substrings) all += " '" + s + "'";
  ADD_FAILURE_AT(where.file_name(), int(where.line())) << "expected a tz::Error containing" << all << ", nothing thrown";
  return {};
}

inline std::string expect_op_error(const std::function<void()>& fn, std::initializer_list<std::string> pieces,
                                   std::source_location where = std::source_location::current()) {
  const int64_t live = Storage::live_count();
  const std::string msg = expect_error(fn, pieces, where);
  if (!msg.empty() && pieces.size() && msg.rfind(*pieces.begin(), 0) != 0)
    ADD_FAILURE_AT(where.file_name(), int(where.line())) << "message does not start with '" << *pieces.begin() << "': " << msg;
  if (Storage::live_count() != live)
    ADD_FAILURE_AT(where.file_name(), int(where.line())) << "a storage leaked after: " << msg;
  return msg;
}

}  // namespace tz::test
