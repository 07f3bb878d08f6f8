#!/bin/sh
# run-gui-test.sh: runs a GTK test program with a session bus, and under
# a virtual X server when there is no display (CI, ssh, meson test in a
# terminal without a session).
#
#   run-gui-test.sh PROGRAM [ARGS...]
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu

# The Flatpak build sandbox has neither a display nor Xvfb: the GUI
# tests cannot run there at all (TAP skip, for meson).
if ! command -v dbus-run-session >/dev/null 2>&1 ||
   { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && ! command -v xvfb-run >/dev/null 2>&1; }; then
  echo "1..0 # SKIP no display, no xvfb-run or no dbus-run-session"
  exit 0
fi

# No accessibility bus unless the caller asks for one: GTK 4 starts one
# through the session bus unless GTK_A11Y=none (NO_AT_BRIDGE is GTK 3's).
: "${GTK_A11Y:=none}" "${NO_AT_BRIDGE:=1}"
export GTK_A11Y NO_AT_BRIDGE

# Only the test program writes to stdout, which is the TAP stream: the
# session bus and every service it starts (they inherit its stdout) write
# to stderr. The program gets the TAP stream back as fd 3.
exec 3>&1 1>&2

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  # The X server has no GL; GTK falls back to software rendering, which
  # also makes pixel checks independent of the machine's GPU.
  GDK_BACKEND=x11
  export GDK_BACKEND
  exec dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" sh -c 'exec "$@" 1>&3 3>&-' sh "$@"
fi

exec dbus-run-session -- sh -c 'exec "$@" 1>&3 3>&-' sh "$@"
