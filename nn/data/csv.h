#pragma once
/// CSV tables: RFC 4180 parsing (header row, quoted fields with "" escapes and embedded
/// delimiters or newlines, LF or CRLF line ends, a leading UTF-8 BOM), typed columns.
///
///   auto t = nn::data::read_csv("/usr/lib/python3/dist-packages/vega_datasets/_data/stocks.csv");
///   Tensor price = t.column("price").values;            // [559] float32
///   const auto& symbol = t.column("symbol").strings;     // "MSFT", ...
///
/// A column is numeric when every field that is not a missing-value marker parses completely
/// as a number; its values tensor holds NaN where a field is missing. A number that is not
/// finite ("inf", "-nan", "1e999") is an error naming the line and column: missing values are
/// spelled with na_values, and infinities would poison every statistic silently. Other columns keep their
/// raw strings. Every column records which rows were missing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace tz::nn::data {

struct CsvOptions {
  char delimiter = ',';
  /// The first row names the columns; without it columns are named "0", "1", ...
  bool header = true;
  /// dtype of numeric columns (F32 or F64).
  DType float_dtype = DType::F32;
  /// Fields (after trimming spaces) that mean "missing" (pandas' common defaults).
  std::vector<std::string> na_values = {"", "NA", "N/A", "NaN", "nan", "null", "NULL"};
  /// Columns kept as strings even when they look numeric (zip codes, ids).
  std::vector<std::string> string_columns;
  /// A line (a row, quoted newlines included) longer than this is refused: it is not a table
  /// row but a corrupt or hostile file, and would otherwise be buffered whole.
  int64_t max_line_bytes = int64_t(1) << 24;
};

struct CsvColumn {
  std::string name;
  bool numeric = false;
  /// Numeric columns: [rows] of CsvOptions::float_dtype, NaN where missing. Undefined otherwise.
  Tensor values;
  /// String columns: the fields as written (unquoted); missing ones keep their marker text.
  std::vector<std::string> strings;
  /// missing[r]: row r's field is one of na_values.
  std::vector<bool> missing;
  int64_t missing_count() const;
};

class CsvTable {
 public:
  int64_t rows() const { return rows_; }
  int64_t cols() const { return int64_t(columns_.size()); }
  std::vector<std::string> names() const;
  bool has_column(const std::string& name) const;
  /// Throws "[csv] no column 'x' (columns: a, b, ...)".
  const CsvColumn& column(const std::string& name) const;
  const CsvColumn& column(int64_t index) const;
  const std::vector<CsvColumn>& columns() const { return columns_; }
  /// The named numeric columns side by side, [rows, names.size()] (throws on a string column).
  Tensor numeric(const std::vector<std::string>& names) const;

 private:
  friend CsvTable parse_csv(std::string_view, const CsvOptions&, const std::string&);
  int64_t rows_ = 0;
  std::vector<CsvColumn> columns_;
};

/// Parses CSV text; `source` names it in errors ("[csv] <source>:<line>: ..."). Rows with a
/// different field count than the header, and an unterminated quote, throw. Blank lines are
/// skipped.
CsvTable parse_csv(std::string_view text, const CsvOptions& options = {}, const std::string& source = "<string>");
/// Reads and parses a file; a missing file throws "[csv] <path>: not found". The path must be a
/// regular file (a FIFO or device is refused before opening), at most 1 GiB, and not empty.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace tz::nn::data
