#include "core/storage.h"

#include "core/backend.h"
#include "core/registry.h"

namespace tz {

Storage::Storage(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device), backend_(&backend_for(device)) {
  data_ = nbytes ? backend_->allocate(nbytes, device.index) : nullptr;
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), backend_(&backend_for(device)),
      deleter_(std::move(deleter)), owned_(false) {}

Storage::~Storage() {
  if (owned_) {
    if (data_) backend_->deallocate(data_, nbytes_, device_.index);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace tz
