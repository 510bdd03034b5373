#include "nn/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"
#include "core/io/file.h"

namespace tz::nn::data {

namespace {
/// read_csv buffers the whole file; bigger tables belong in a binary format.
constexpr uint64_t kMaxCsvFileBytes = uint64_t(1) << 30;
}  // namespace

int64_t CsvColumn::missing_count() const { return int64_t(std::count(missing.begin(), missing.end(), true)); }

std::vector<std::string> CsvTable::names() const {
  std::vector<std::string> out;
  for (const CsvColumn& c : columns_) out.push_back(c.name);
  return out;
}

bool CsvTable::has_column(const std::string& name) const {
  return std::any_of(columns_.begin(), columns_.end(), [&](const CsvColumn& c) { return c.name == name; });
}

const CsvColumn& CsvTable::column(const std::string& name) const {
  for (const CsvColumn& c : columns_)
    if (c.name == name) return c;
  std::string list;
  for (const CsvColumn& c : columns_) list += (list.empty() ? "" : ", ") + c.name;
  TZ_FAIL("csv", "no column '", name, "' (columns: ", list, ")");
}

const CsvColumn& CsvTable::column(int64_t index) const {
  TZ_CHECK(index >= 0 && index < cols(), "csv", "column index ", index, " out of range for ", cols(), " columns");
  return columns_[size_t(index)];
}

Tensor CsvTable::numeric(const std::vector<std::string>& names) const {
  TZ_CHECK(!names.empty(), "csv", "numeric() needs at least one column name");
  TensorList parts;
  for (const std::string& n : names) {
    const CsvColumn& c = column(n);
    TZ_CHECK(c.numeric, "csv", "column '", n, "' holds strings, not numbers");
    parts.push_back(c.values);
  }
  return stack(parts, 1);
}

namespace {

struct RawRow {
  std::vector<std::string> fields;
  int64_t line;  // 1-based line where the row starts
};

/// Splits text into rows of unquoted fields (RFC 4180, lenient about stray quotes inside an
/// unquoted field, which are kept literally).
std::vector<RawRow> tokenize(std::string_view text, char delim, const std::string& source, int64_t max_line_bytes) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<RawRow> rows;
  RawRow row{{}, 1};
  std::string field;
  bool row_has_content = false;  // distinguishes a blank line from a row of one empty field
  int64_t line = 1;
  size_t i = 0;
  const size_t n = text.size();
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
  };
  size_t row_start = 0;  // byte offset where the current row began
  auto end_row = [&] {
    row_start = i + 1;
    if (row_has_content) {
      end_field();
      rows.push_back(std::move(row));
    }
    field.clear();
    row = RawRow{{}, line + 1};
    row_has_content = false;
  };
  while (i < n) {
    if (int64_t(i - row_start) > max_line_bytes)
      TZ_FAIL("csv", source, ":", row.line, ": line longer than ", max_line_bytes, " bytes (max_line_bytes)");
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field (a quote only opens one at the start of a field).
      const int64_t open_line = line;
      row_has_content = true;
      ++i;
      for (;;) {
        TZ_CHECK(i < n, "csv", source, ":", open_line, ": unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
        if (int64_t(i - row_start) > max_line_bytes)
          TZ_FAIL("csv", source, ":", row.line, ": line longer than ", max_line_bytes, " bytes (max_line_bytes)");
      }
      // After the closing quote only a delimiter or a line end may follow.
      if (i < n && text[i] != delim && text[i] != '\n' && text[i] != '\r')
        TZ_FAIL("csv", source, ":", line, ": unexpected character '", text[i], "' after a closing quote");
      continue;
    }
    if (c == delim) {
      row_has_content = true;
      end_field();
      ++i;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      end_row();
      ++line;
      ++i;
    } else {
      row_has_content = true;
      field += c;
      ++i;
    }
  }
  end_row();
  return rows;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class NumberParse { Number, NotNumber, NotFinite };

NumberParse parse_number(std::string_view s, double& out) {
  s = trim(s);
  if (s.size() > 1 && s.front() == '+') s.remove_prefix(1);  // from_chars rejects a '+' sign
  if (s.empty()) return NumberParse::NotNumber;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (end != s.data() + s.size()) return NumberParse::NotNumber;
  if (ec == std::errc::result_out_of_range) {
    // Underflow (1e-999) reads as 0 or a denormal like everywhere else; overflow (1e999) is
    // not finite. strtod tells them apart (from_chars leaves out unspecified).
    out = std::strtod(std::string(s).c_str(), nullptr);
    return std::isfinite(out) ? NumberParse::Number : NumberParse::NotFinite;
  }
  if (ec != std::errc()) return NumberParse::NotNumber;
  return std::isfinite(out) ? NumberParse::Number : NumberParse::NotFinite;
}

}  // namespace

CsvTable parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
  TZ_CHECK(options.float_dtype == DType::F32 || options.float_dtype == DType::F64, "csv",
           "float_dtype must be float32 or float64, got ", dtype_name(options.float_dtype));
  TZ_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r', "csv",
           "the delimiter cannot be a quote or a line end");
  TZ_CHECK(options.max_line_bytes >= 1, "csv", "max_line_bytes must be >= 1, got ", options.max_line_bytes);
  std::vector<RawRow> rows = tokenize(text, options.delimiter, source, options.max_line_bytes);
  CsvTable table;
  if (rows.empty()) return table;
  std::vector<std::string> names;
  size_t first_data = 0;
  if (options.header) {
    names = rows[0].fields;
    first_data = 1;
  } else {
    for (size_t c = 0; c < rows[0].fields.size(); ++c) names.push_back(std::to_string(c));
  }
  const size_t ncols = names.size();
  for (const std::string& s : options.string_columns)
    TZ_CHECK(std::find(names.begin(), names.end(), s) != names.end(), "csv", source,
             ": string_columns names an unknown column '", s, "'");
  const int64_t nrows = int64_t(rows.size() - first_data);
  for (size_t r = first_data; r < rows.size(); ++r)
    TZ_CHECK(rows[r].fields.size() == ncols, "csv", source, ":", rows[r].line, ": expected ", ncols,
             " fields, got ", rows[r].fields.size());

  auto is_missing = [&](std::string_view f) {
    const std::string_view t = trim(f);
    return std::find(options.na_values.begin(), options.na_values.end(), t) != options.na_values.end();
  };
  table.rows_ = nrows;
  for (size_t c = 0; c < ncols; ++c) {
    CsvColumn col;
    col.name = names[c];
    col.missing.resize(size_t(nrows));
    std::vector<double> numbers(static_cast<size_t>(nrows));
    bool numeric = std::find(options.string_columns.begin(), options.string_columns.end(), col.name) ==
                   options.string_columns.end();
    for (int64_t r = 0; r < nrows; ++r) {
      const std::string& f = rows[first_data + size_t(r)].fields[c];
      const bool miss = is_missing(f);
      col.missing[size_t(r)] = miss;
      if (miss) numbers[size_t(r)] = std::numeric_limits<double>::quiet_NaN();
      else if (numeric) {
        const NumberParse got = parse_number(f, numbers[size_t(r)]);
        if (got == NumberParse::NotNumber) numeric = false;
        if (got == NumberParse::NotFinite)
          TZ_FAIL("csv", source, ":", rows[first_data + size_t(r)].line, ": column '", col.name, "' holds '",
                  std::string(trim(f)), "', not a finite number (mark missing values with one of na_values)");
      }
    }
    col.numeric = numeric;
    if (numeric) {
      col.values = from_vector(numbers).to(options.float_dtype);
    } else {
      col.strings.reserve(size_t(nrows));
      for (int64_t r = 0; r < nrows; ++r) col.strings.push_back(std::move(rows[first_data + size_t(r)].fields[c]));
    }
    table.columns_.push_back(std::move(col));
  }
  return table;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  // Type check before open (a FIFO would block, /dev/zero never end), and a size cap.
  const std::string text = io::read_regular_file(path, "csv", kMaxCsvFileBytes);
  TZ_CHECK(!text.empty(), "csv", path, ": the file is empty (expected a header row)");
  CsvTable table = parse_csv(text, options, path);
  TZ_CHECK(table.cols() > 0, "csv", path, ": the file has no rows, only blank lines");
  return table;
}

}  // namespace tz::nn::data
