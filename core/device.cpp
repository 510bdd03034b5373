#include "core/device.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/error.h"

namespace tz {

const char* device_type_name(DeviceType t) {
  switch (t) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return "cuda";
    case DeviceType::Ext0: return "ext0";
    case DeviceType::Ext1: return "ext1";
    case DeviceType::Ext2: return "ext2";
    case DeviceType::Ext3: return "ext3";
  }
  return "?";
}

namespace {
/// The index after "type:" as PyTorch's parser reads it: decimal digits only, no sign, no
/// space, no leading zero ("0" itself aside), and within int. std::stoi accepted "-1", "+1",
/// " 1" and "0x" (reading the 0), so "cuda:-1" became a device that no backend can serve.
int parse_index(const std::string& spec, const std::string& digits) {
  const bool all_digits =
      !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  TZ_CHECK(all_digits, "device", "bad device index '", digits, "' in '", spec,
           "': expected a non-negative decimal integer, e.g. cuda:0");
  TZ_CHECK(digits.size() == 1 || digits[0] != '0', "device", "bad device index '", digits, "' in '", spec,
           "': leading zeros are not allowed");
  int index = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  TZ_CHECK(ec == std::errc() && end == digits.data() + digits.size(), "device", "device index '", digits, "' in '",
           spec, "' is out of range (at most ", std::numeric_limits<int>::max(), ")");
  return index;
}
}  // namespace

Device::Device(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  int t = 0;
  while (t < kNumDeviceTypes && name != device_type_name(DeviceType(t))) ++t;
  TZ_CHECK(t < kNumDeviceTypes, "device", "unknown device '", spec, "' (expected cpu, cuda[:i] or ext0..ext3)");
  type = DeviceType(t);
  index = colon == std::string::npos ? 0 : parse_index(spec, spec.substr(colon + 1));
  // There is one CPU device: "cpu:1" would compare unequal to kCPU yet print as "cpu".
  TZ_CHECK(type != DeviceType::CPU || index == 0, "device", "CPU device index must be 0, got '", spec, "'");
}

std::string Device::str() const {
  std::string s = device_type_name(type);
  if (type != DeviceType::CPU) s += ":" + std::to_string(index);
  return s;
}

}  // namespace tz
