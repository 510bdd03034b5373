// Kernels not written yet: each family's file replaces its entries here. This file must be
// empty (and deleted) before the CPU backend is called complete.
#include "backends/cpu/cpu_backend.h"

namespace tz::cpu {
#define TZ_PENDING(name) TZ_FAIL(name, "not implemented on cpu yet")
}  // namespace tz::cpu
