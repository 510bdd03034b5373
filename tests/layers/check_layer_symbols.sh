#!/usr/bin/env bash
# The layers' link direction on the compiled objects (cmake/Layers.cmake): no object of a layer
# references a symbol that only a higher layer defines. The include trees stop an upward
# #include; this stops the rest (a function declared by hand, a template or inline function
# from a lower header that calls up).
# One exception, by design: class tz::Tensor is declared in core/tensor.h, and the members that
# record autograd history (requires_grad_, to, detach, ...) are defined by the autograd layer
# (autograd/tensor_methods.cpp, tensor_autograd.cpp, tensor_print.cpp); core code may call them.
#   usage: check_layer_symbols.sh <nm> <layer>=<object>|<object>... (lowest layer first)
set -euo pipefail
nm=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layers=()
for arg in "$@"; do
  layer=${arg%%=*}
  layers+=("$layer")
  IFS='|' read -r -a objects <<<"${arg#*=}"
  : >"$work/$layer.def"
  : >"$work/$layer.undef"
  for o in "${objects[@]}"; do
    [[ -n "$o" ]] || continue
    "$nm" -C --defined-only -g "$o" | awk '$2 ~ /^[TWVDBRiu]$/ { $1 = ""; $2 = ""; print substr($0, 3) }' >>"$work/$layer.def"
    "$nm" -C -u "$o" | awk -v obj="$(basename "$o")" '$1 == "U" { $1 = ""; print obj "\t" substr($0, 2) }' >>"$work/$layer.undef"
  done
  sort -u -o "$work/$layer.def" "$work/$layer.def"
done
failures=0
for ((i = 0; i < ${#layers[@]}; ++i)); do
  low=${layers[i]}
  : >"$work/below"
  for ((j = 0; j <= i; ++j)); do cat "$work/${layers[j]}.def" >>"$work/below"; done
  sort -u -o "$work/below" "$work/below"
  for ((j = i + 1; j < ${#layers[@]}; ++j)); do
    high=${layers[j]}
    # Symbols defined by the higher layer and nowhere at or below this one.
    comm -23 "$work/$high.def" "$work/below" >"$work/only_high"
    while IFS=$'\t' read -r obj sym; do
      if [[ "$low" == core && "$high" == autograd && "$sym" == tz::Tensor::* ]]; then continue; fi
      echo "$low/$obj references $sym, defined only in layer '$high'"
      failures=$((failures + 1))
    done < <(awk -F'\t' 'NR == FNR { only[$0] = 1; next } ($2 in only)' "$work/only_high" "$work/$low.undef" | sort -u)
  done
done
# Backends sit beside autograd, not below it: autograd reaches a kernel only through core's
# dispatch, so any backend can serve it.
if [[ -f "$work/autograd.undef" && -f "$work/backends.def" ]]; then
  sort -u "$work/core.def" "$work/autograd.def" >"$work/below"
  comm -23 "$work/backends.def" "$work/below" >"$work/only_high"
  while IFS=$'\t' read -r obj sym; do
    echo "autograd/$obj references $sym, defined only in layer 'backends' (call it through core's dispatch)"
    failures=$((failures + 1))
  done < <(awk -F'\t' 'NR == FNR { only[$0] = 1; next } ($2 in only)' "$work/only_high" "$work/autograd.undef" | sort -u)
fi
if ((failures)); then
  echo "check_layer_symbols: $failures upward reference(s)"
  exit 1
fi
echo "check_layer_symbols: no upward reference among ${layers[*]}"
