#include "core/device.h"

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

Device::Device(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  index = 0;
  if (colon != std::string::npos) {
    try {
      index = std::stoi(spec.substr(colon + 1));
    } catch (...) {
      TZ_FAIL("device", "bad device index in '", spec, "'");
    }
  }
  for (int t = 0; t < kNumDeviceTypes; ++t) {
    if (name == device_type_name(DeviceType(t))) {
      type = DeviceType(t);
      return;
    }
  }
  TZ_FAIL("device", "unknown device '", spec, "' (expected cpu, cuda[:i] or ext0..ext3)");
}

std::string Device::str() const {
  std::string s = device_type_name(type);
  if (type != DeviceType::CPU) s += ":" + std::to_string(index);
  return s;
}

}  // namespace tz
