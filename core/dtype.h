#pragma once
/// Element types and PyTorch-style type promotion.
#include <cstdint>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "core/half.h"

namespace tz {

/// Order matters: it is the promotion lattice within each category (bool < integers < floats).
enum class DType : uint8_t { Bool, U8, I8, I32, I64, F16, BF16, F32, F64 };
inline constexpr int kNumDTypes = 9;

/// Bytes per element.
int64_t dtype_size(DType t);
/// "float32", "int64", ... (PyTorch's spelling).
const char* dtype_name(DType t);
/// Parses a PyTorch-style or safetensors-style name ("float32", "F32", "bf16" ...).
DType dtype_from_name(const std::string& name);
inline bool is_floating(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::F32 || t == DType::F64; }
inline bool is_integral(DType t, bool include_bool = false) {
  return (t == DType::Bool && include_bool) || t == DType::U8 || t == DType::I8 || t == DType::I32 || t == DType::I64;
}
/// Result type of a binary op on tensors of these types, following torch.promote_types
/// (u8 with i8 gives i16 in PyTorch; tensorzoo has no i16 and gives i32).
DType promote(DType a, DType b);
/// The default float type (f32); integer inputs to float-only ops promote to it.
inline constexpr DType kDefaultFloat = DType::F32;

/// C++ type for a DType.
template <DType D> struct dtype_cpp;
template <> struct dtype_cpp<DType::Bool> { using type = bool; };
template <> struct dtype_cpp<DType::U8> { using type = uint8_t; };
template <> struct dtype_cpp<DType::I8> { using type = int8_t; };
template <> struct dtype_cpp<DType::I32> { using type = int32_t; };
template <> struct dtype_cpp<DType::I64> { using type = int64_t; };
template <> struct dtype_cpp<DType::F16> { using type = Half; };
template <> struct dtype_cpp<DType::BF16> { using type = BFloat16; };
template <> struct dtype_cpp<DType::F32> { using type = float; };
template <> struct dtype_cpp<DType::F64> { using type = double; };

/// DType for a C++ type.
template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<int8_t>() { return DType::I8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::I32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::I64; }
template <> constexpr DType dtype_of<Half>() { return DType::F16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::BF16; }
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }

/// Type used for arithmetic on T: float for the 16-bit floats, T otherwise.
template <class T> using compute_t = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

}  // namespace tz

/// Calls `fn.template operator()<T>()` with T the C++ type of `dt`. Use with a template lambda:
///   TZ_DISPATCH(dt, "op", [&]<class T>() { ... });
#define TZ_DISPATCH_CASE(D, fn) \
  case ::tz::DType::D:          \
    return fn.template operator()<typename ::tz::dtype_cpp<::tz::DType::D>::type>();
#define TZ_DISPATCH(dt, op, ...)                                                                    \
  [&](auto&& tz_fn_) {                                                                              \
    switch (dt) {                                                                                   \
      TZ_DISPATCH_CASE(Bool, tz_fn_) TZ_DISPATCH_CASE(U8, tz_fn_) TZ_DISPATCH_CASE(I8, tz_fn_)      \
      TZ_DISPATCH_CASE(I32, tz_fn_) TZ_DISPATCH_CASE(I64, tz_fn_) TZ_DISPATCH_CASE(F16, tz_fn_)     \
      TZ_DISPATCH_CASE(BF16, tz_fn_) TZ_DISPATCH_CASE(F32, tz_fn_) TZ_DISPATCH_CASE(F64, tz_fn_)    \
    }                                                                                               \
    TZ_FAIL(op, "unknown dtype");                                                                   \
  }(__VA_ARGS__)
/// Same, restricted to floating types (others throw naming the op and dtype).
#define TZ_DISPATCH_FLOAT(dt, op, ...)                                                             \
  [&](auto&& tz_fn_) {                                                                             \
    switch (dt) {                                                                                  \
      TZ_DISPATCH_CASE(F16, tz_fn_) TZ_DISPATCH_CASE(BF16, tz_fn_) TZ_DISPATCH_CASE(F32, tz_fn_)   \
      TZ_DISPATCH_CASE(F64, tz_fn_)                                                                \
      default: break;                                                                              \
    }                                                                                              \
    TZ_FAIL(op, "not implemented for dtype ", ::tz::dtype_name(dt));                               \
  }(__VA_ARGS__)
