#!/usr/bin/env bash
# Clean-build time of two revisions, side by side: each is checked out into its own worktree,
# configured with the given CMake arguments, and built from nothing with ccache off, both at
# once with one job each, so that they see the same machine load. Prints wall and user+sys
# seconds per revision; user+sys hardly depends on the load, wall does.
#
#   tools/bench/clean_build_time.sh BEFORE_REV AFTER_REV [cmake args...]
#   e.g. tools/bench/clean_build_time.sh eb25278 HEAD -DTZ_WITH_CUDA=OFF
#
# TZ_CLEAN_BUILD_TARGET=<target> builds only that target (to try the script quickly).
# Worktrees and logs go to ${TZ_CLEAN_BUILD_DIR:-/tmp/tz-clean-build}; run it under setsid (or
# nohup in its own session) when it must outlive the calling shell: a full build takes tens of
# minutes on two cores.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 BEFORE_REV AFTER_REV [cmake args...]" >&2
  exit 2
fi
before=$1 after=$2
shift 2
repo=$(git rev-parse --show-toplevel)
work=${TZ_CLEAN_BUILD_DIR:-/tmp/tz-clean-build}
mkdir -p "$work"

build_one() {  # tag rev cmake-args...
  local tag=$1 rev=$2
  shift 2
  local dir="$work/$tag"
  git -C "$repo" worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
  git -C "$repo" worktree add -q --detach "$dir" "$rev"
  (
    cd "$dir"
    export CCACHE_DISABLE=1
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" > "$work/$tag.configure.log" 2>&1
    TIMEFORMAT="%R %U %S"
    { time cmake --build build -j1 ${TZ_CLEAN_BUILD_TARGET:+--target "$TZ_CLEAN_BUILD_TARGET"} \
        > "$work/$tag.build.log" 2>&1; } 2> "$work/$tag.time"
  )
}

build_one before "$before" "$@" &
pid_before=$!
build_one after "$after" "$@" &
pid_after=$!
status=0
wait $pid_before || status=1
wait $pid_after || status=1

for tag in before after; do
  rev=$([[ $tag == before ]] && echo "$before" || echo "$after")
  if read -r wall user sys < "$work/$tag.time" 2>/dev/null && [[ -n ${sys:-} ]]; then
    edges=$(grep -c '^\[' "$work/$tag.build.log" || true)
    printf '%-6s %-12s wall %7.0f s   user+sys %7.0f s   %s build steps\n' "$tag" "$rev" "$wall" \
      "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$edges"
  else
    echo "$tag $rev: no timing (see $work/$tag.build.log)"
    status=1
  fi
done
exit $status
