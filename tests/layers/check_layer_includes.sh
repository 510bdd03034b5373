#!/usr/bin/env bash
# The layers' include direction (cmake/Layers.cmake): a source of one layer includes project
# headers of its own layer and the layers below it only, and no library file includes the
# whole-API tensorzoo.h. The build enforces the same through per-layer include trees; this check
# also covers files the library target does not compile here (the CUDA backend without nvcc, the
# stub backend) and names every offending line at once.
#   usage: check_layer_includes.sh <source dir>
set -euo pipefail
cd "$1"
# layer folder -> the top-level folders its files may include from
declare -A sees=(
  [core]="core"
  [backends]="core backends"
  [autograd]="core autograd"
  [nn]="core autograd nn"
  [models]="core autograd nn models"
)
project_dirs=" core backends autograd nn models tools tests examples "
failures=0
for layer in core backends autograd nn models; do
  while IFS= read -r -d '' file; do
    while IFS=: read -r line text; do
      path=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$text")
      top=${path%%/*}
      if [[ "$path" == "tensorzoo.h" ]]; then
        echo "$file:$line: includes the whole-API tensorzoo.h (include the headers it uses)"
        failures=$((failures + 1))
      elif [[ "$path" == */* && "$project_dirs" == *" $top "* && " ${sees[$layer]} " != *" $top "* ]]; then
        echo "$file:$line: layer '$layer' includes \"$path\" from layer '$top' (it sees: ${sees[$layer]})"
        failures=$((failures + 1))
      fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
  done < <(find "$layer" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' -o -name '*.inc' \) -print0)
done
if ((failures)); then
  echo "check_layer_includes: $failures upward include(s)"
  exit 1
fi
echo "check_layer_includes: no upward include in core, backends, autograd, nn, models"
