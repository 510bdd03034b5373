#pragma once
/// A number that is not a tensor: bool, integer or floating. Its "category" takes part in type
/// promotion the way PyTorch's Python scalars do (a float scalar makes an integer tensor float,
/// but never widens a float tensor).
#include <cstdint>
#include <ostream>

#include "core/dtype.h"

namespace tz {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };
  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(bool v) : kind_(Kind::Bool), i_(v) {}         // NOLINT
  Scalar(int v) : kind_(Kind::Int), i_(v) {}           // NOLINT
  Scalar(int64_t v) : kind_(Kind::Int), i_(v) {}       // NOLINT
  Scalar(long long v) : kind_(Kind::Int), i_(int64_t(v)) {}  // NOLINT
  Scalar(uint64_t v) : kind_(Kind::Int), i_(int64_t(v)) {}   // NOLINT
  Scalar(float v) : kind_(Kind::Float), d_(v) {}       // NOLINT
  Scalar(double v) : kind_(Kind::Float), d_(v) {}      // NOLINT

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ != Kind::Float; }
  double to_double() const { return kind_ == Kind::Float ? d_ : double(i_); }
  int64_t to_int() const { return kind_ == Kind::Float ? int64_t(d_) : i_; }
  bool to_bool() const { return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0; }
  /// Value converted to the C++ type T.
  template <class T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (std::is_integral_v<T>) return kind_ == Kind::Float ? T(d_) : T(i_);
    else return T(static_cast<compute_t<T>>(to_double()));
  }
  /// The dtype a 0-d tensor of this scalar gets on its own (bool, int64, float32).
  DType default_dtype() const { return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Int ? DType::I64 : kDefaultFloat; }

 private:
  Kind kind_;
  union {
    int64_t i_;
    double d_;
  };
};

inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.kind() == Scalar::Kind::Float) return os << s.to_double();
  if (s.kind() == Scalar::Kind::Bool) return os << (s.to_bool() ? "True" : "False");
  return os << s.to_int();
}

/// Result dtype of (tensor of dtype t) op (scalar s): the tensor's dtype unless the scalar is of a
/// higher category (bool < integer < float), as in PyTorch.
inline DType promote_with_scalar(DType t, const Scalar& s) {
  if (s.is_floating() && !is_floating(t)) return kDefaultFloat;
  if (s.kind() == Scalar::Kind::Int && t == DType::Bool) return DType::I64;
  return t;
}

}  // namespace tz
