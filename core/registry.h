#pragma once
/// Explicit backend registration and lookup. tz::init() registers the backends compiled into this
/// build (a CMake-generated list); out-of-tree backends call register_backend() themselves.
#include <memory>
#include <vector>

#include "core/backend.h"

namespace tz {

/// Registers the built-in backends once; called lazily by the first backend lookup, so calling
/// it by hand is optional.
void init();
/// Adds (or replaces) the backend for its device type.
void register_backend(std::unique_ptr<Backend> backend);
/// The backend serving `device`; throws "[device] no backend registered for cuda (available: cpu)".
Backend& backend_for(const Device& device);
/// True when a backend for this device type is registered and has at least one device.
bool has_backend(DeviceType type);
/// Names of the registered backends.
std::vector<std::string> registered_backends();

}  // namespace tz
