#include "tests/support/parity.h"

namespace tz::test {

Device reference_device() { return Device(DeviceType::Ext0, 0); }

}  // namespace tz::test
