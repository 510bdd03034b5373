#!/usr/bin/env bash
# Times the README's two set-up commands on a bare Debian bookworm root, as a new user runs them:
# command 1 (install, configure, build the library and CLI, train the main demo), then command 2
# (.ci/run: the rest of the build and the test suite), from a clone of the committed HEAD.
#
#   tools/setup/time-readme-setup.sh [--no-train]
#
# Run as root from the project's root on an otherwise idle machine (timings are wall clock). The
# first call makes a pristine bare base root with debootstrap in /var/tmp/fresh-base (about 2
# minutes, Debian packages only); each call copies it afresh, so nothing installed on this
# machine can hide a missing install step. --no-train leaves out the demo's training from
# command 1 (it then stops after building the CLI). Prints one line per command and phase; the
# logs are /var/tmp/readme-setup-*.log.
set -euo pipefail
repo="$(git rev-parse --show-toplevel)"
base=/var/tmp/fresh-base
root=/var/tmp/readme-setup-root
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
if [ ! -x "$base/bin/bash" ]; then
  echo "making the bare bookworm base in $base (once)"
  rm -rf "$base.tmp"
  debootstrap --variant=minbase bookworm "$base.tmp" >/var/tmp/fresh-debootstrap.log 2>&1 || { tail -20 /var/tmp/fresh-debootstrap.log; exit 1; }
  mv "$base.tmp" "$base"
fi

# The commands exactly as the README gives them (the first line after "# 1." and the .ci/run line).
command1="$(awk '/^# 1\./{f=1} f && /^tools\/install-deps.sh/{print; exit}' "$repo/README.md")"
command2="$(awk '/^# 2\./{f=1} f && /^\.ci\/run/{print; exit}' "$repo/README.md")"
[ -n "$command1" ] && [ -n "$command2" ] || { echo "could not find the two set-up commands in README.md"; exit 1; }
if [[ "${1:-}" == "--no-train" ]]; then
  command1="${command1% && build/tensorzoo train*}"
fi

cleanup() { for m in dev/pts dev proc; do umount "$root/$m" 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
rm -rf "$root" && cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" && mount --bind /dev/pts "$root/dev/pts"
git clone -q "$repo" "$root/root/project"

run_timed() {  # run_timed <name> <command>: run in the bare root, print the wall time
  local name="$1" cmd="$2" start
  start=$(date +%s)
  # Each phase prints a marker with its own time, so the log splits command 1 into its parts.
  if chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -c "cd /root/project && $cmd" \
      >"/var/tmp/readme-setup-$name.log" 2>&1; then
    echo "$name: $(( $(date +%s) - start )) s  ($cmd)"
  else
    tail -30 "/var/tmp/readme-setup-$name.log"
    echo "$name FAILED after $(( $(date +%s) - start )) s  ($cmd)"
    exit 1
  fi
}

# Command 1 phase by phase (the same commands, split at their "&&"), then command 2 whole.
IFS=$'\n' read -r -d '' -a phases < <(echo "$command1" | sed 's/ && /\n/g'; printf '\0') || true
total=0
for i in "${!phases[@]}"; do
  start=$(date +%s)
  run_timed "command1-phase$((i + 1))" "${phases[$i]}"
  total=$(( total + $(date +%s) - start ))
done
echo "command 1 total: ${total} s"
run_timed command2 "$command2"
echo "nproc in the root: $(chroot "$root" nproc)"
