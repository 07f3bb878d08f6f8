#!/bin/sh
# check-units.sh: the systemd units pass `systemd-analyze verify` with no
# complaint about them (unknown keys, bad values, a missing ExecStart).
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-units.sh SYSTEM-UNIT USER-UNIT (copies whose ExecStart is the
# shoal-daemon of the build directory, so that it exists)
set -u

status=0
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT

check() {
  mode=$1
  unit=$2
  name=$(basename "$unit")
  # the user manager needs a runtime directory; a private one will do
  out=$(XDG_RUNTIME_DIR=$runtime systemd-analyze $mode verify --man=no "$unit" 2>&1)
  rc=$?
  complaints=$(printf '%s\n' "$out" | grep -F "$name" || true)
  if [ $rc -ne 0 ] || [ -n "$complaints" ]; then
    echo "not ok - systemd-analyze $mode verify $name (exit $rc)"
    printf '%s\n' "$out" | sed 's/^/# /'
    status=1
  else
    echo "ok - systemd-analyze $mode verify $name"
  fi
}

check --system "$1"
check --user "$2"
echo "1..2"
exit $status
