// Storage::peak_bytes(): the high-water mark of live storage bytes, reset to the current level.
#include "core/storage.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

TEST(StoragePeak, TracksHighWaterMarkAndResets) {
  Storage::reset_peak_bytes();
  const int64_t base = Storage::live_bytes();
  EXPECT_EQ(Storage::peak_bytes(), base);
  {
    const Tensor a = zeros({1000}, TensorOptions(DType::F32));  // 4000 bytes
    {
      const Tensor b = zeros({500}, TensorOptions(DType::F64));  // 4000 more
      EXPECT_EQ(Storage::live_bytes(), base + 8000);
    }
    EXPECT_EQ(Storage::live_bytes(), base + 4000);
    EXPECT_EQ(Storage::peak_bytes(), base + 8000);  // b is gone, the peak stays
    Storage::reset_peak_bytes();
    EXPECT_EQ(Storage::peak_bytes(), base + 4000);
  }
  EXPECT_EQ(Storage::peak_bytes(), base + 4000);
  EXPECT_EQ(Storage::live_bytes(), base);
}

}  // namespace
}  // namespace tz
