#include "tests/support/parity.h"

namespace tz::test {

std::vector<ParityCase>& parity_registry() {
  static std::vector<ParityCase> r;
  return r;
}

Device reference_device() { return Device(DeviceType::Ext0, 0); }

}  // namespace tz::test
