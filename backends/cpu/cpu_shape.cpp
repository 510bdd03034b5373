// CPU flip (the optional Backend::flip kernel): a strided copy from a view of the input with its
// flipped strides negated. The loop helpers use signed pointer arithmetic, so the negative
// strides that TensorView excludes at the backend boundary are fine inside this one kernel.
#include <cstring>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {
template <class Word>
void copy_words(const TensorView& out, char* in_base, const Strides& in_strides) {
  for_each_run<2>(out.sizes, {static_cast<char*>(out.data), in_base}, {&out.strides, &in_strides},
                  {int64_t(sizeof(Word)), int64_t(sizeof(Word))},
                  [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                    Word* o = reinterpret_cast<Word*>(p[0]);
                    const Word* x = reinterpret_cast<const Word*>(p[1]);
                    if (s[0] == 1 && s[1] == -1) {
                      for (int64_t i = 0; i < n; ++i) o[i] = x[-i];
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = x[i * s[1]];
                    }
                  });
}
}  // namespace

bool CpuBackend::flip(const TensorView& out, const TensorView& in, const std::vector<bool>& flip) {
  TZ_CHECK(flip.size() == in.sizes.size() && out.sizes == in.sizes && out.dtype == in.dtype, "flip",
           "expects out and in of one shape and dtype and a flag per dim, got ", shape_str(out.sizes), " ",
           dtype_name(out.dtype), ", ", shape_str(in.sizes), " ", dtype_name(in.dtype), " and ", flip.size(), " flags");
  if (out.numel() == 0) return true;
  const int64_t elem = dtype_size(in.dtype);
  char* base = static_cast<char*>(in.data);
  Strides strides = in.strides;
  for (size_t d = 0; d < flip.size(); ++d) {
    if (!flip[d] || in.sizes[d] <= 1) continue;
    base += (in.sizes[d] - 1) * strides[d] * elem;
    strides[d] = -strides[d];
  }
  // Elements are moved as raw words of their size: no conversion happens in a flip.
  switch (elem) {
    case 1: copy_words<uint8_t>(out, base, strides); return true;
    case 2: copy_words<uint16_t>(out, base, strides); return true;
    case 4: copy_words<uint32_t>(out, base, strides); return true;
    case 8: copy_words<uint64_t>(out, base, strides); return true;
    default: TZ_FAIL("flip", "unsupported element size ", elem, " for ", dtype_name(in.dtype));
  }
}

}  // namespace tz::cpu
