// Gradcheck cases for matmul (every rank combination, broadcast batch dims, non-contiguous
// operands), mm/bmm/dot/outer, linear and einsum.
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

#define TZ_MATMUL_CASE(name, sa, sb, expr)                                                   \
  TZ_GRADCHECK(name, [] { return TL{gc_input(sa, -1, 1, 1), gc_input(sb, -1, 1, 2)}; }, \
               [](const TL& x) { return expr; })

TZ_MATMUL_CASE("matmul/1d_1d", Shape({4}), Shape({4}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/1d_2d", Shape({3}), Shape({3, 4}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/2d_1d", Shape({3, 4}), Shape({4}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/2d_2d", Shape({3, 4}), Shape({4, 2}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/1d_3d", Shape({3}), Shape({2, 3, 4}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/3d_1d", Shape({2, 3, 4}), Shape({4}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/3d_2d", Shape({2, 3, 4}), Shape({4, 2}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/2d_3d", Shape({3, 4}), Shape({2, 4, 2}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/broadcast_batch", Shape({2, 1, 3, 4}), Shape({3, 4, 2}), matmul(x[0], x[1]));
TZ_MATMUL_CASE("matmul/transposed", Shape({4, 3}), Shape({2, 4}), matmul(x[0].t(), x[1].t()));
TZ_MATMUL_CASE("mm", Shape({3, 4}), Shape({4, 2}), mm(x[0], x[1]));
TZ_MATMUL_CASE("bmm/sliced", Shape({2, 3, 8}), Shape({2, 4, 2}), bmm(x[0].slice(2, 0, 8, 2), x[1]));
TZ_MATMUL_CASE("dot", Shape({5}), Shape({5}), dot(x[0], x[1]));
TZ_MATMUL_CASE("outer", Shape({3}), Shape({4}), outer(x[0], x[1]));

TZ_GRADCHECK("linear/bias", [] { return TL{gc_input({2, 3, 4}, -1, 1, 1), gc_input({5, 4}, -1, 1, 2), gc_input({5}, -1, 1, 3)}; },
             [](const TL& x) { return linear(x[0], x[1], x[2]); });
TZ_GRADCHECK("linear/no_bias", [] { return TL{gc_input({3, 4}, -1, 1, 1), gc_input({2, 4}, -1, 1, 2)}; },
             [](const TL& x) { return linear(x[0], x[1]); });

#define TZ_EINSUM_CASE(eq, ...)                                                                \
  TZ_GRADCHECK("einsum/" eq, [] {                                                              \
    TL in;                                                                                     \
    uint64_t seed = 1;                                                                         \
    for (const Shape& s : std::vector<Shape>{__VA_ARGS__}) in.push_back(gc_input(s, -1, 1, seed++)); \
    return in;                                                                                 \
  }, [](const TL& x) { return einsum(eq, x); })

TZ_EINSUM_CASE("ij,jk->ik", Shape{3, 4}, Shape{4, 2});
TZ_EINSUM_CASE("bij,bkj->bik", Shape{2, 3, 4}, Shape{2, 5, 4});
TZ_EINSUM_CASE("ii->i", Shape{3, 3});
TZ_EINSUM_CASE("ii", Shape{3, 3});
TZ_EINSUM_CASE("...ij,...jk", Shape{2, 3, 4}, Shape{1, 4, 2});
TZ_EINSUM_CASE("i,ij,j->", Shape{3}, Shape{3, 4}, Shape{4});
TZ_EINSUM_CASE("ij,ij->j", Shape{3, 4}, Shape{3, 4});
TZ_EINSUM_CASE("abc,cd,bd->ad", Shape{2, 3, 4}, Shape{4, 2}, Shape{3, 2});

}  // namespace
}  // namespace tz::test
