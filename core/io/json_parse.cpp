#include "core/io/json_parse.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"

namespace tz::io {

namespace {

using json = nlohmann::json;

/// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c == 0xE0) len = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) len = 3;
  else if (c == 0xED) len = 3, hi = 0x9F;  // no UTF-16 surrogates
  else if (c >= 0xEE && c <= 0xEF) len = 3;
  else if (c == 0xF0) len = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) len = 4;
  else if (c == 0xF4) len = 4, hi = 0x8F;  // nothing past U+10FFFF
  else return 0;
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return len;
}

/// nlohmann's what() starts with "[json.exception.parse_error.101] "; our messages have their own prefix.
std::string strip_nlohmann_prefix(const std::string& what) {
  if (what.rfind("[json.exception.", 0) == 0) {
    const size_t close = what.find("] ");
    if (close != std::string::npos) return what.substr(close + 2);
  }
  return what;
}

/// Builds the DOM from SAX events: linear time, bounded depth, duplicate keys rejected, and the
/// key path known when something fails.
class LimitedDomBuilder : public nlohmann::json_sax<json> {
 public:
  LimitedDomBuilder(json& root, const JsonParseOptions& options, const std::string& op, const std::string& origin)
      : root_(root), options_(options), op_(op), origin_(origin) {}

  bool null() override { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) override { return put(json(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return put(json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t&) override { return put(json(v)) != nullptr; }
  bool string(string_t& v) override { return put(json(std::move(v))) != nullptr; }
  bool binary(binary_t& v) override { return put(json::binary(std::move(v))) != nullptr; }

  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    Level& top = stack_.back();
    if (options_.reject_duplicate_keys && top.node->contains(k))
      fail(cat_str("duplicate key '", printable(k), "'", options_.duplicate_suffix));
    top.key = k;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    fail(cat_str(options_.syntax_phrase, at_path(), ": ", printable(strip_nlohmann_prefix(ex.what()), 200)));
  }

 private:
  struct Level {
    json* node;
    std::string key;  // the key being filled (objects)
  };

  [[noreturn]] void fail(const std::string& what) const { TZ_FAIL(op_, origin_, ": ", what); }

  /// " at 'a.b[2]'" for the value being parsed, "" at the top level.
  std::string at_path() const {
    std::string path;
    for (size_t i = 0; i < stack_.size(); ++i) {
      const Level& l = stack_[i];
      // An inner level's container is already in its parent array; the innermost level's
      // value being parsed is not yet.
      const size_t inner = i + 1 < stack_.size() ? 1 : 0;
      if (l.node->is_array()) path += cat_str("[", l.node->size() - inner, "]");
      else path += (path.empty() ? "" : ".") + l.key;
    }
    return path.empty() ? "" : " at '" + printable(path, 160) + "'";
  }

  json* put(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back().node;
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[stack_.back().key];
    slot = std::move(value);
    return &slot;
  }

  bool open(json container) {
    if (int(stack_.size()) >= options_.max_depth) {
      fail(options_.depth_phrase.empty() ? cat_str("JSON nests deeper than ", options_.max_depth, " levels", at_path())
                                         : options_.depth_phrase);
    }
    json* node = put(std::move(container));
    stack_.push_back({node, {}});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  const JsonParseOptions& options_;
  const std::string& op_;
  const std::string& origin_;
  std::vector<Level> stack_;
};

}  // namespace

json parse_json_limited(std::string_view text, const std::string& op, const std::string& origin,
                        const JsonParseOptions& options) {
  json root;
  LimitedDomBuilder builder(root, options, op, origin);
  try {
    json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const json::exception& e) {
    // The SAX path reports errors through parse_error(); anything else is still ours to word.
    TZ_FAIL(op, origin, ": ", options.syntax_phrase, ": ", printable(strip_nlohmann_prefix(e.what()), 200));
  }
  return root;
}

bool is_valid_utf8(std::string_view s, size_t* bad_offset) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

std::string printable(std::string_view s, size_t max_chars) {
  std::string out;
  size_t i = 0;
  for (; i < s.size() && out.size() < max_chars;) {
    const size_t len = utf8_sequence_length(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7f))) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  if (i < s.size()) out += cat_str("... (", s.size(), " bytes)");
  return out;
}

std::string json_excerpt(const json& value, size_t max_chars) {
  // dump() itself is fine here: the trees we hold are depth-limited. The replace handler keeps
  // invalid UTF-8 in a programmatically built value from throwing.
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return printable(text, max_chars);
}

void check_utf8(std::string_view s, const std::string& op, const std::string& what) {
  size_t bad = 0;
  if (is_valid_utf8(s, &bad)) return;
  TZ_FAIL(op, what, " is not valid UTF-8 (byte 0x", std::hex, int(static_cast<unsigned char>(s[bad])), std::dec,
          " at offset ", bad, "): '", printable(s, 60), "'");
}

}  // namespace tz::io
