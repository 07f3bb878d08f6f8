#!/bin/sh
# shellcheck disable=SC1111 # the messages quote with “”, as the app does
# run-uninstalled.sh: the app's command line where no settings schema is
# found (TAP output). Run straight from the build directory, or installed
# without its schema compiled, `shoal` must say in one line how to run
# it and exit with 1, not abort; `shoal --help` names its arguments.
#
#   run-uninstalled.sh BUILD_DIR SOURCE_DIR
#
# Run through run-gui-test.sh, with a display and a session bus, as a
# person would run it: the app must stop before it uses either.
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu

build=$(cd "${1:?usage: run-uninstalled.sh BUILD_DIR SOURCE_DIR}" && pwd)
source=$(cd "${2:?usage: run-uninstalled.sh BUILD_DIR SOURCE_DIR}" && pwd)
shoal=$build/src/app/shoal

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-uninstalled-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home/.local/share" "$tmp/share" "$tmp/bin" "$tmp/runtime" "$tmp/old-schema"
chmod 700 "$tmp/runtime"

# The system's data directory, where GTK's own schemas are, but none
# where an earlier `meson install` put Shoal's (/usr/local/share); none
# at all if the system has Shoal's.
HOME=$tmp/home
XDG_DATA_HOME=$tmp/home/.local/share
XDG_DATA_DIRS=/usr/share
[ ! -e /usr/share/glib-2.0/schemas/io.github.shoal.Shoal.gschema.xml ] || XDG_DATA_DIRS=$tmp/share
XDG_RUNTIME_DIR=$tmp/runtime
LC_ALL=C.UTF-8
export HOME XDG_DATA_HOME XDG_DATA_DIRS XDG_RUNTIME_DIR LC_ALL
unset GSETTINGS_SCHEMA_DIR GSETTINGS_BACKEND LANGUAGE G_DEBUG

n=0
failed=0

ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok() {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    printf '%s\n' "$line" | sed 's/^/# /'
  done
}

# run NAME PROGRAM ARGS…: runs it, stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, exit status in $status
run() {
  name=$1
  shift
  status=0
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null || status=$?
}

# expect_one_line NAME DESCRIPTION WANTED: the run NAME exited with 1
# and printed exactly one line, on stderr, containing WANTED
expect_one_line() {
  name=$1
  description=$2
  wanted=$3
  err_lines=$(wc -l <"$tmp/$name.err")
  if [ "$status" -eq 1 ] && [ "$err_lines" -eq 1 ] && [ ! -s "$tmp/$name.out" ] &&
     grep -qF -- "$wanted" "$tmp/$name.err"; then
    ok "$description"
  else
    not_ok "$description" "exit status $status (1 expected), $err_lines lines on stderr (1 expected)," \
      "wanted: $wanted" "stdout: $(cat "$tmp/$name.out")" "stderr: $(cat "$tmp/$name.err")"
  fi
}

# 1. `shoal --help` names the arguments, whether or not a schema exists
run help "$shoal" --help
if [ "$status" -eq 0 ] && grep -qF "shoal [OPTION…] [FILE|URI…]" "$tmp/help.out" &&
   grep -qF "FILE (a .torrent file) and URI (a magnet link)" "$tmp/help.out"; then
  ok "shoal --help names its FILE and URI arguments"
else
  not_ok "shoal --help names its FILE and URI arguments" "exit status $status" \
    "stdout: $(cat "$tmp/help.out")" "stderr: $(cat "$tmp/help.err")"
fi

# 2. Straight from the build directory: the line names the command that
# runs this build, which the devenv test checks works.
run build-dir "$shoal"
expect_one_line build-dir "run from the build directory, shoal says how to run it and exits with 1" \
  "is not installed; run this uninstalled build with: meson devenv -C '$build' shoal"

run build-dir-open "$shoal" "$tmp/some.torrent" "magnet:?xt=urn:btih:5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
expect_one_line build-dir-open "the same when given a file and a magnet link to open" \
  "meson devenv -C '$build' shoal"

# 3. Installed without its compiled schema (a copy outside any build
# directory stands for it): the line says what is missing.
cp "$shoal" "$tmp/bin/shoal"
run installed "$tmp/bin/shoal"
expect_one_line installed "installed without its schema, shoal says so and exits with 1" \
  "settings schema “io.github.shoal.Shoal” is not installed; install Shoal again"

run no-schemas env XDG_DATA_DIRS="$tmp/share" "$tmp/bin/shoal"
expect_one_line no-schemas "the same where no schema at all is installed" \
  "settings schema “io.github.shoal.Shoal” is not installed; install Shoal again"

# 4. An older schema, without a key this build reads (an earlier
# `meson install` of Shoal on XDG_DATA_DIRS, say)
python3 - "$source/data/io.github.shoal.Shoal.gschema.xml" "$tmp/old-schema/io.github.shoal.Shoal.gschema.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
schema = tree.getroot().find("schema[@id='io.github.shoal.Shoal']")
schema.remove(schema.find("key[@name='seed-time-limit']"))
tree.write(sys.argv[2], encoding="utf-8")
PY
glib-compile-schemas "$tmp/old-schema"
run old-schema env GSETTINGS_SCHEMA_DIR="$tmp/old-schema" "$shoal"
expect_one_line old-schema "with an older schema, shoal names the missing setting and how to run it, exits with 1" \
  "The installed settings schema “io.github.shoal.Shoal” is older than this Shoal: it has no setting “seed-time-limit”; run this uninstalled build with: meson devenv -C '$build' shoal"
run old-schema-installed env GSETTINGS_SCHEMA_DIR="$tmp/old-schema" "$tmp/bin/shoal"
expect_one_line old-schema-installed "the same for an installed shoal" \
  "it has no setting “seed-time-limit”; install Shoal again"

# D-Bus activation runs the same check (the service file's command line)
run service "$tmp/bin/shoal" --gapplication-service
expect_one_line service "started as a D-Bus service without its schema, the same" \
  "settings schema “io.github.shoal.Shoal” is not installed"

echo "1..$n"
exit $failed
