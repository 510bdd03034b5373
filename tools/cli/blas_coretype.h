#pragma once
/// OpenBLAS kernel selection for CPUs newer than the installed OpenBLAS (see blas_coretype.cpp).

namespace tz::cli {

/// When OpenBLAS fell back to its generic "Prescott" kernels and OPENBLAS_CORETYPE is unset,
/// sets OPENBLAS_CORETYPE to the best family the CPU supports and re-executes the program with
/// the same arguments (no return on success). Otherwise does nothing. Call first in main().
void ensure_fast_openblas_kernels(char** argv);

}  // namespace tz::cli
