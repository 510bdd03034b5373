#include "core/dtype.h"

#include <algorithm>
#include <cctype>

namespace tz {

int64_t dtype_size(DType t) {
  switch (t) {
    case DType::Bool: case DType::U8: case DType::I8: return 1;
    case DType::F16: case DType::BF16: return 2;
    case DType::I32: case DType::F32: return 4;
    case DType::I64: case DType::F64: return 8;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::U8: return "uint8";
    case DType::I8: return "int8";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    case DType::F32: return "float32";
    case DType::F64: return "float64";
  }
  return "?";
}

DType dtype_from_name(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "bool") return DType::Bool;
  if (n == "uint8" || n == "u8") return DType::U8;
  if (n == "int8" || n == "i8") return DType::I8;
  if (n == "int32" || n == "i32" || n == "int") return DType::I32;
  if (n == "int64" || n == "i64" || n == "long") return DType::I64;
  if (n == "float16" || n == "f16" || n == "half") return DType::F16;
  if (n == "bfloat16" || n == "bf16") return DType::BF16;
  if (n == "float32" || n == "f32" || n == "float") return DType::F32;
  if (n == "float64" || n == "f64" || n == "double") return DType::F64;
  TZ_FAIL("dtype", "unknown dtype name '", name, "'");
}

DType promote(DType a, DType b) {
  if (a == b) return a;
  const bool fa = is_floating(a), fb = is_floating(b);
  if (fa != fb) return fa ? a : b;  // float beats any integer/bool
  if (fa) {
    // f16 with bf16 gives f32 (neither holds the other).
    if ((a == DType::F16 && b == DType::BF16) || (a == DType::BF16 && b == DType::F16)) return DType::F32;
    return std::max(a, b);
  }
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  // u8 with i8: PyTorch gives int16, which tensorzoo lacks; the next signed type is i32.
  if ((a == DType::U8 && b == DType::I8) || (a == DType::I8 && b == DType::U8)) return DType::I32;
  return std::max(a, b);
}

}  // namespace tz
