// CSV reader on Debian's python3-vega-datasets files and on hand-written text. Expected values
// were computed by hand with Python's csv module.
#include <cmath>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using nn::data::CsvOptions;
using nn::data::parse_csv;
using nn::data::read_csv;

const std::string kVega = "/usr/lib/python3/dist-packages/vega_datasets/_data/";

TEST(Csv, SeattleWeatherTimeSeries) {
  CsvOptions o;
  o.float_dtype = DType::F64;
  const auto t = read_csv(kVega + "seattle-weather.csv", o);
  EXPECT_EQ(t.rows(), 1461);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"date", "precipitation", "temp_max", "temp_min", "wind", "weather"}));
  EXPECT_FALSE(t.column("date").numeric);
  EXPECT_EQ(t.column("date").strings.front(), "2012/01/01");
  EXPECT_EQ(t.column("date").strings.back(), "2015/12/31");
  const auto& temp_max = t.column("temp_max");
  ASSERT_TRUE(temp_max.numeric);
  EXPECT_EQ(temp_max.values.dtype(), DType::F64);
  EXPECT_EQ(temp_max.values.shape(), (Shape{1461}));
  EXPECT_DOUBLE_EQ(temp_max.values[0].item<double>(), 12.8);
  EXPECT_DOUBLE_EQ(t.column("temp_min").values[1460].item<double>(), -2.1);
  EXPECT_NEAR(t.column("precipitation").values.sum().item<double>(), 4426.0, 1e-9);
  EXPECT_NEAR(temp_max.values.sum().item<double>(), 24017.5, 1e-9);
  EXPECT_NEAR(t.column("wind").values.sum().item<double>(), 4735.3, 1e-9);
  EXPECT_EQ(temp_max.missing_count(), 0);
  const auto& weather = t.column("weather").strings;
  EXPECT_EQ(std::count(weather.begin(), weather.end(), "sun"), 714);
  EXPECT_EQ(std::count(weather.begin(), weather.end(), "snow"), 23);
  const Tensor features = t.numeric({"temp_max", "temp_min", "wind"});
  EXPECT_EQ(features.shape(), (Shape{1461, 3}));
  EXPECT_EQ(features[0].to_vector<double>(), (std::vector<double>{12.8, 5.0, 4.7}));
  EXPECT_TZ_ERROR(t.numeric({"weather"}), "[csv] column 'weather' holds strings");
  EXPECT_TZ_ERROR(t.column("rain"), "[csv] no column 'rain' (columns: date, precipitation, temp_max");
}

TEST(Csv, StocksDefaultFloat32) {
  const auto t = read_csv(kVega + "stocks.csv");
  EXPECT_EQ(t.rows(), 560);
  EXPECT_EQ(t.column("price").values.dtype(), DType::F32);
  EXPECT_NEAR(t.column("price").values.to(DType::F64).sum().item<double>(), 56411.2, 1e-2);
  EXPECT_EQ(t.column("symbol").strings.back(), "AAPL");
  EXPECT_EQ(t.column("date").strings.back(), "Mar 1 2010");
}

TEST(Csv, AirportsQuotedFieldsAndNaStrings) {
  CsvOptions o;
  o.float_dtype = DType::F64;
  const auto t = read_csv(kVega + "airports.csv", o);
  EXPECT_EQ(t.rows(), 3376);
  EXPECT_EQ(t.cols(), 7);
  const auto& name = t.column("name").strings;
  EXPECT_EQ(name[301], "Union County, Troy Shelton");
  EXPECT_EQ(name[1251], "W. H. \"Bud\" Barron");
  EXPECT_EQ(t.column("city").strings[2376], "Westport, NY");
  EXPECT_EQ(t.column("city").strings[2694], "Pullman/Moscow,ID");
  // "NA" marks a missing city/state: the string is kept and flagged.
  EXPECT_EQ(t.column("city").missing_count(), 12);
  EXPECT_EQ(t.column("state").missing_count(), 12);
  EXPECT_NEAR(t.column("latitude").values.sum().item<double>(), 135163.3037597697, 1e-6);
  EXPECT_NEAR(t.column("longitude").values.sum().item<double>(), -332945.18780814955, 1e-6);
}

TEST(Csv, MissingValuesBecomeNaN) {
  const std::string text = "id,x,label\r\n1,2.5,a\r\n2,,b\r\n3,NA,\r\n4, -1e3 ,\"multi\nline\"\r\n";
  const auto t = parse_csv(text);
  EXPECT_EQ(t.rows(), 4);
  const std::vector<float> x = t.column("x").values.to_vector<float>();
  EXPECT_EQ(x[0], 2.5f);
  EXPECT_TRUE(std::isnan(x[1]));
  EXPECT_TRUE(std::isnan(x[2]));
  EXPECT_EQ(x[3], -1000.0f);
  EXPECT_EQ(t.column("x").missing, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(t.column("label").strings, (std::vector<std::string>{"a", "b", "", "multi\nline"}));
  EXPECT_EQ(t.column("label").missing_count(), 1);
  EXPECT_TRUE(t.column("id").numeric);
}

TEST(Csv, OptionsAndEdgeCases) {
  CsvOptions o;
  o.header = false;
  o.delimiter = ';';
  o.string_columns = {"0"};
  const auto t = parse_csv("\xEF\xBB\xBF" "007;+1.5\n\n008;2\n", o);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.rows(), 2);  // the blank line is skipped
  EXPECT_EQ(t.column("0").strings, (std::vector<std::string>{"007", "008"}));
  EXPECT_EQ(t.column(1).values.to_vector<float>(), (std::vector<float>{1.5f, 2.0f}));
  // A column with one non-number is a string column.
  const auto mixed = parse_csv("a\n1\n2x\n");
  EXPECT_FALSE(mixed.column("a").numeric);
  EXPECT_EQ(mixed.column("a").strings, (std::vector<std::string>{"1", "2x"}));
  // Header only: zero rows, numeric empty columns.
  const auto header_only = parse_csv("a,b\n");
  EXPECT_EQ(header_only.rows(), 0);
  EXPECT_EQ(header_only.column("b").values.numel(), 0);
  EXPECT_EQ(parse_csv("").cols(), 0);
}

TEST(Csv, Errors) {
  EXPECT_TZ_ERROR(parse_csv("a,b\n1,2\n3\n", {}, "s.csv"), "[csv] s.csv:3: expected 2 fields, got 1");
  EXPECT_TZ_ERROR(parse_csv("a,b\n1,\"oops\n", {}, "q.csv"), "[csv] q.csv:2: unterminated quoted field");
  EXPECT_TZ_ERROR(parse_csv("a,b\n\"x\"y,2\n", {}, "c.csv"), "c.csv:2: unexpected character 'y' after a closing quote");
  CsvOptions o;
  o.string_columns = {"zz"};
  EXPECT_TZ_ERROR(parse_csv("a\n1\n", o), "unknown column 'zz'");
  o = {};
  o.float_dtype = DType::I64;
  EXPECT_TZ_ERROR(parse_csv("a\n1\n", o), "float_dtype must be float32 or float64");
  EXPECT_TZ_ERROR(read_csv("/nonexistent/x.csv"), "[csv] /nonexistent/x.csv: not found");
}

}  // namespace
}  // namespace tz
