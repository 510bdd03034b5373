#pragma once
/// Parsing JSON that comes from users or files (configs, checkpoint metadata, safetensors
/// headers) without trusting it:
/// - nesting is limited while parsing, so a file of 100000 '[' can neither build a deep tree
///   nor make a later recursive dump()/destructor overflow the stack;
/// - the tree is built by a SAX handler in linear time (nlohmann's callback parser rescans the
///   parent container after every child, which is quadratic in wide headers);
/// - every failure, number overflow (1e999) and invalid UTF-8 included, becomes one tz::Error
///   line naming the op, the origin and the key path where it happened; nlohmann exceptions
///   never escape.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tz::io {

struct JsonParseOptions {
  /// Containers may nest this many levels (the root object is level 1).
  int max_depth = 64;
  /// The spec of safetensors forbids duplicate keys; nlohmann would silently keep the last.
  bool reject_duplicate_keys = true;
  /// Message pieces, so each format keeps its established wording.
  std::string syntax_phrase = "not valid JSON";
  std::string depth_phrase;            // default: "JSON nests deeper than <max_depth> levels"
  std::string duplicate_suffix;        // appended to "duplicate key 'k'", e.g. " in header"
};

/// Parses `text`; throws tz::Error("[op] <origin>: <what is wrong> [at 'a.b[2]']: <detail>").
nlohmann::json parse_json_limited(std::string_view text, const std::string& op, const std::string& origin,
                                  const JsonParseOptions& options = {});

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF);
/// otherwise `bad_offset` (if given) receives the offset of the first bad byte.
bool is_valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

/// `s` made safe to put in a one-line message: invalid UTF-8 bytes and control characters as
/// \xNN, cut to about max_chars with "... (N bytes)".
std::string printable(std::string_view s, size_t max_chars = 120);

/// A short one-line rendering of a JSON value for error messages (never the whole document;
/// invalid UTF-8 replaced). Only for trees with bounded depth (parse_json_limited's).
std::string json_excerpt(const nlohmann::json& value, size_t max_chars = 80);

/// Throws "[op] <what> is not valid UTF-8 (byte 0xNN at offset K): '<printable>'" unless valid.
void check_utf8(std::string_view s, const std::string& op, const std::string& what);

}  // namespace tz::io
