#include "nn/optim/fused_update.h"

namespace tz::optim::detail {

bool fusable(std::initializer_list<const Tensor*> tensors) {
  const Tensor& p = **tensors.begin();
  for (const Tensor* t : tensors) {
    if (!t) continue;
    if (t->dtype() != p.dtype() || t->device() != p.device() || t->shape() != p.shape() || !t->is_contiguous())
      return false;
    for (const Tensor* u : tensors)
      if (u && u != t && u->storage() == t->storage()) return false;
  }
  return true;
}

}  // namespace tz::optim::detail
