#!/usr/bin/env bash
# A program built on the framework alone (core to nn) does not load the zoo library: its
# dynamic section names libtensorzoo and not libtensorzoo_zoo.
#   usage: check_needed_libraries.sh <program> <zoo library file name>
set -euo pipefail
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$1 needs: $(tr '\n' ' ' <<<"$needed")"
grep -q '^libtensorzoo\.so' <<<"$needed" || { echo "expected libtensorzoo among them"; exit 1; }
if grep -qF "$2" <<<"$needed"; then
  echo "a framework-only program loads the zoo library $2"
  exit 1
fi
