#pragma once
/// OpenBLAS kernel selection for CPUs newer than the installed OpenBLAS (see blas_coretype.cpp).

namespace tz::cli {

/// Environment the CLI runs best in, set before the libraries read it: when OpenBLAS fell back
/// to its generic "Prescott" kernels and OPENBLAS_CORETYPE is unset, OPENBLAS_CORETYPE becomes
/// the best family the CPU supports; an unset OMP_WAIT_POLICY becomes "passive". If either
/// changed, the program re-executes itself with the same arguments (no return on success).
/// Variables the user set always win. Call first in main().
void ensure_fast_openblas_kernels(char** argv);

}  // namespace tz::cli
