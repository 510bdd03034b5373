#pragma once
/// Where a tensor lives.
#include <cstdint>
#include <ostream>
#include <string>

namespace tz {

/// CPU and CUDA are built in; Ext0..Ext3 are slots for out-of-tree backends (see backends/README.md).
enum class DeviceType : uint8_t { CPU, CUDA, Ext0, Ext1, Ext2, Ext3 };
inline constexpr int kNumDeviceTypes = 6;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  Device() = default;
  Device(DeviceType t, int i = 0) : type(t), index(i) {}  // NOLINT: Device d = DeviceType::CPU
  /// Parses "cpu", "cuda", "cuda:1", "ext0".
  explicit Device(const std::string& spec);
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;
};

const char* device_type_name(DeviceType t);
inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }
inline const Device kCPU{DeviceType::CPU, 0};

}  // namespace tz
