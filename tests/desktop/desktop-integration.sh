#!/bin/sh
# desktop-integration.sh: Shoal as the desktop sees it, in a throwaway
# home, session bus and X server (TAP output).
#
#   desktop-integration.sh install BUILD_DIR APP_ID SHOAL_CLI
#     `meson install` into a staging directory, then with only that
#     installation on XDG_DATA_DIRS: the caches `meson install` updates,
#     Shoal as default handler of .torrent files and magnet links, `gio
#     open` starting it through D-Bus activation and the torrent reaching
#     its engine, a second `gio open` reaching the same instance.
#   desktop-integration.sh devenv BUILD_DIR APP_ID
#     `meson devenv` runs the app uninstalled, schema and resources found.
#
# Every process it starts is ended before it exits: the app, started by
# the private bus, is asked to quit and killed by its pid if it does not.
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu

mode=${1:-}
build=${2:-}
app_id=${3:-}
cli=${4:-}
case "$mode" in
  install|devenv|inner-install|inner-devenv) ;;
  *) echo "usage: desktop-integration.sh install|devenv BUILD_DIR APP_ID [SHOAL_CLI]" >&2; exit 2 ;;
esac

skip_all() {
  echo "1..0 # SKIP $1"
  exit 0
}

# Outer part: an isolated environment, then the inner part under its own
# X server and session bus.
case "$mode" in
  install|devenv)
    for tool in dbus-run-session gdbus meson; do
      command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed"
    done
    if [ "$mode" = install ]; then
      for tool in gio xdg-mime update-desktop-database glib-compile-schemas; do
        command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed"
      done
    fi

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-desktop-XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/home/.local/share" "$tmp/home/.config" "$tmp/home/.cache" "$tmp/xdg-config" "$tmp/runtime" \
             "$tmp/state" "$tmp/downloads"
    chmod 700 "$tmp/runtime"

    HOME=$tmp/home
    XDG_DATA_HOME=$tmp/home/.local/share
    XDG_CONFIG_HOME=$tmp/home/.config
    XDG_CACHE_HOME=$tmp/home/.cache
    XDG_STATE_HOME=$tmp/home/.local/state
    # No system-wide mimeapps.list may choose another handler.
    XDG_CONFIG_DIRS=$tmp/xdg-config
    XDG_RUNTIME_DIR=$tmp/runtime
    # The staged installation first; the system's for the MIME database.
    XDG_DATA_DIRS=$tmp/stage/usr/local/share:/usr/share
    SHOAL_STATE_DIR=$tmp/state
    SHOAL_DOWNLOAD_DIR=$tmp/downloads
    SHOAL_TEST_TMP=$tmp
    # Opening a .torrent file shows the add dialog; the app adds it at once
    # with this (a test hook in src/app), so the engine sees it.
    SHOAL_TEST_ADD_WITHOUT_DIALOG=1
    GSETTINGS_BACKEND=memory
    # No accessibility bus (GTK 4 starts one unless GTK_A11Y=none).
    GTK_A11Y=none
    NO_AT_BRIDGE=1
    # The session is a GNOME session, as on the desktops Shoal is made
    # for: xdg-mime then asks GIO (shared-mime-info) what a file is, as
    # the file manager does, rather than file(1), whose magic knows only
    # torrents that begin with an announce URL.
    XDG_CURRENT_DESKTOP=GNOME
    LC_ALL=C.UTF-8
    export HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_CONFIG_DIRS XDG_RUNTIME_DIR \
           XDG_DATA_DIRS SHOAL_STATE_DIR SHOAL_DOWNLOAD_DIR SHOAL_TEST_TMP SHOAL_TEST_ADD_WITHOUT_DIALOG GSETTINGS_BACKEND \
           GTK_A11Y NO_AT_BRIDGE XDG_CURRENT_DESKTOP LC_ALL
    # The installed app must find its own schema, and a warning in a
    # child started by the bus must not abort it.
    unset GSETTINGS_SCHEMA_DIR G_DEBUG LANGUAGE DBUS_SESSION_BUS_ADDRESS DESKTOP_SESSION

    # Only the inner part writes to stdout, the TAP stream: the X server,
    # the session bus and every service the bus starts (they inherit its
    # stdout) write to stderr. The inner part gets the TAP stream as fd 3.
    exec 3>&1 1>&2

    # The X server is outside the bus so that DISPLAY is in the bus's
    # environment, which services it activates inherit.
    if command -v xvfb-run >/dev/null 2>&1; then
      unset DISPLAY WAYLAND_DISPLAY
      GDK_BACKEND=x11
      export GDK_BACKEND
      status=0
      xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
        sh -c 'exec "$@" 1>&3 3>&-' sh "$0" "inner-$mode" "$build" "$app_id" "$cli" || status=$?
      exit $status
    elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      status=0
      dbus-run-session -- sh -c 'exec "$@" 1>&3 3>&-' sh "$0" "inner-$mode" "$build" "$app_id" "$cli" || status=$?
      exit $status
    fi
    exec 1>&3 3>&-
    skip_all "no display and no xvfb-run"
    ;;
esac

# Inner part: runs on the private session bus.

tmp=$SHOAL_TEST_TMP
n=0
failed=0
app_pid=

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
    echo "# $line"
  done
}

check() {
  description=$1
  shift
  if output=$("$@" 2>&1); then
    ok "$description"
  else
    not_ok "$description" "$* failed:" "$output"
  fi
}

# wait_for SECONDS COMMAND…: polls until COMMAND succeeds
wait_for() {
  deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

bus_call() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method "org.freedesktop.DBus.$1" "$2"
}

name_owned() {
  bus_call NameHasOwner "$app_id" | grep -q true
}

# The pid of the process owning the app id on the bus
owner_pid() {
  bus_call GetConnectionUnixProcessID "$app_id" | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}

pid_alive() {
  kill -0 "$1" 2>/dev/null
}

pid_gone() {
  ! kill -0 "$1" 2>/dev/null
}

# Processes running the program $1, whoever started them
count_running() {
  count=0
  for exe in /proc/[0-9]*/exe; do
    if [ "$(readlink "$exe" 2>/dev/null)" = "$1" ]; then
      count=$((count + 1))
    fi
  done
  echo "$count"
}

# org.gtk.Actions.List answers once startup() ran: settings, session and
# actions are in place.
app_started() {
  gdbus call --session --dest "$app_id" --object-path "/$(echo "$app_id" | tr . /)" \
    --method org.gtk.Actions.List | grep -q "'preferences'"
}

quit_app() {
  [ -n "$app_pid" ] || return 0
  gdbus call --session --dest "$app_id" --object-path "/$(echo "$app_id" | tr . /)" \
    --method org.gtk.Actions.Activate quit '[]' '{}' >/dev/null 2>&1 || true
  if wait_for 20 pid_gone "$app_pid"; then
    ok "the app quits through its quit action"
  else
    not_ok "the app quits through its quit action" "still running after 20 s, killed"
    kill "$app_pid" 2>/dev/null || true
    wait_for 5 pid_gone "$app_pid" || kill -9 "$app_pid" 2>/dev/null || true
  fi
  app_pid=
}

finish() {
  quit_app
  echo "1..$n"
  exit $failed
}

if [ "$mode" = inner-devenv ]; then
  shoal=$(cd "$build" && pwd)/src/app/shoal
  meson devenv -C "$build" shoal >"$tmp/devenv.log" 2>&1 &
  devenv_pid=$!
  if wait_for 30 app_started; then
    app_pid=$(owner_pid)
    ok "meson devenv runs the app: it owns $app_id and finished starting up"
    if [ "$(readlink "/proc/$app_pid/exe")" = "$shoal" ]; then
      ok "the process is the uninstalled build"
    else
      not_ok "the process is the uninstalled build" "pid $app_pid runs $(readlink "/proc/$app_pid/exe")"
    fi
  else
    not_ok "meson devenv runs the app" "$(cat "$tmp/devenv.log")"
  fi
  quit_app
  wait_for 10 pid_gone "$devenv_pid" || kill "$devenv_pid" 2>/dev/null || true
  wait "$devenv_pid" 2>/dev/null || true
  echo "1..$n"
  exit $failed
fi

# 1. meson install into a staging directory
stage=$tmp/stage
prefix=$(meson introspect --buildoptions "$build" | python3 -c \
  'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
share=$stage$prefix/share
shoal=$stage$prefix/bin/shoal
check "meson install --destdir" meson install -C "$build" --no-rebuild --quiet --destdir "$stage"

for file in \
  "$prefix/bin/shoal" \
  "$prefix/bin/shoal-cli" \
  "$prefix/share/applications/$app_id.desktop" \
  "$prefix/share/metainfo/$app_id.metainfo.xml" \
  "$prefix/share/dbus-1/services/$app_id.service" \
  "$prefix/share/glib-2.0/schemas/io.github.shoal.Shoal.gschema.xml" \
  "$prefix/share/icons/hicolor/scalable/apps/$app_id.svg" \
  "$prefix/share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg" \
  "$prefix/share/locale/fr/LC_MESSAGES/shoal.mo"
do
  check "installs $file" test -s "$stage$file"
done

# 2. The caches: with DESTDIR set Meson skips its post-install scripts
# (a package runs them on the target); run exactly those it would run,
# on the staged tree.
meson install -C "$build" --no-rebuild --dry-run >"$tmp/dry-run.log" 2>&1 || true
sed -n "s/^Running custom install script '\(.*\)'$/\1/p" "$tmp/dry-run.log" >"$tmp/scripts"
for tool in glib-compile-schemas update-icon-cache update-desktop-database; do
  if grep -q -- "$tool" "$tmp/scripts"; then
    ok "meson install runs $tool"
  else
    not_ok "meson install runs $tool" "$(cat "$tmp/scripts")"
  fi
done
while read -r script; do
  staged=
  for arg in $script; do
    case "$arg" in
      "$prefix"/*) arg=$stage$arg ;;
    esac
    staged="$staged $arg"
  done
  # shellcheck disable=SC2086 # the words of the script's command line
  check "post-install:$staged" $staged
done <"$tmp/scripts"
check "the compiled schemas hold Shoal's" \
  sh -c "gsettings --schemadir '$share/glib-2.0/schemas' list-keys io.github.shoal.Shoal | grep -qx download-dir"
check "the icon theme cache exists" test -s "$share/icons/hicolor/icon-theme.cache"
check "the desktop database maps .torrent files to Shoal" \
  grep -q "^application/x-bittorrent=.*$app_id.desktop" "$share/applications/mimeinfo.cache"
check "the desktop database maps magnet links to Shoal" \
  grep -q "^x-scheme-handler/magnet=.*$app_id.desktop" "$share/applications/mimeinfo.cache"
check "the desktop database maps RSS and Atom feeds to Shoal" \
  sh -c "grep -q '^application/rss+xml=.*$app_id.desktop' '$share/applications/mimeinfo.cache' &&
         grep -q '^application/atom+xml=.*$app_id.desktop' '$share/applications/mimeinfo.cache'"

# The staged service file names the final path; point it at the staged
# binary, as installing into $prefix would.
sed -i "s|^Exec=$prefix/bin/shoal |Exec=$shoal |" "$share/dbus-1/services/$app_id.service"
PATH=$stage$prefix/bin:$PATH
export PATH

# 3. The default handler, from the installed desktop file alone
echo hello >"$tmp/downloads/hello.txt"
"$cli" create --no-date -o "$tmp/hello.torrent" "$tmp/downloads/hello.txt" >/dev/null
hash=$("$cli" info --json "$tmp/hello.torrent" | python3 -c 'import json, sys; print(json.load(sys.stdin)["info_hash_v1"])')
magnet_hash=5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed
magnet="magnet:?xt=urn:btih:$magnet_hash&dn=shoal-desktop-test"

# What the file manager sees (GIO, from shared-mime-info's *.torrent
# glob), and what xdg-mime says in a GNOME session. The torrent has no
# tracker: its bencoding starts with "created by", not "announce".
torrent_type=$(gio info -a standard::content-type "$tmp/hello.torrent" 2>&1 |
               sed -n 's/^ *standard::content-type: //p')
if [ "$torrent_type" = application/x-bittorrent ]; then
  ok "gio sees a .torrent file as application/x-bittorrent"
else
  not_ok "gio sees a .torrent file as application/x-bittorrent" \
    "gio info: $(gio info -a standard::content-type "$tmp/hello.torrent" 2>&1)"
fi
torrent_type=$(xdg-mime query filetype "$tmp/hello.torrent" 2>&1 || true)
if [ "$torrent_type" = application/x-bittorrent ]; then
  ok "xdg-mime sees a .torrent file as application/x-bittorrent"
else
  not_ok "xdg-mime sees a .torrent file as application/x-bittorrent" "xdg-mime query filetype: $torrent_type"
fi
for type in application/x-bittorrent x-scheme-handler/magnet; do
  default=$(xdg-mime query default "$type" 2>&1 || true)
  if [ "$default" = "$app_id.desktop" ]; then
    ok "xdg-mime: Shoal is the default for $type"
  else
    not_ok "xdg-mime: Shoal is the default for $type" "xdg-mime query default $type: $default"
  fi
  if gio mime "$type" 2>&1 | grep -q "^Default application for .*: $app_id.desktop$"; then
    ok "gio: Shoal is the default for $type"
  else
    not_ok "gio: Shoal is the default for $type" "$(gio mime "$type" 2>&1)"
  fi
done

# 4. gio open starts Shoal through D-Bus activation
check "no Shoal runs yet" sh -c "! gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.NameHasOwner '$app_id' | grep -q true"
check "gio open a .torrent file" gio open "$tmp/hello.torrent"
if wait_for 20 app_started; then
  app_pid=$(owner_pid)
  ok "D-Bus activation started Shoal (pid $app_pid)"
  # dbus-daemon tells the services it starts which bus asked for them
  # (and double-forks them, so the parent says nothing).
  if [ "$(readlink "/proc/$app_pid/exe")" = "$shoal" ] &&
     tr '\0' '\n' <"/proc/$app_pid/environ" | grep -qx DBUS_STARTER_BUS_TYPE=session; then
    ok "the bus started the installed binary"
  else
    not_ok "the bus started the installed binary" \
      "pid $app_pid runs $(readlink "/proc/$app_pid/exe"), environment: $(tr '\0' ' ' <"/proc/$app_pid/environ")"
  fi
else
  not_ok "D-Bus activation started Shoal"
  finish
fi

# The engine writes the torrent into its state directory when it is
# added; opening a .torrent file asks where to save it first, which the
# test skips with SHOAL_TEST_ADD_WITHOUT_DIALOG.
if wait_for 20 test -s "$SHOAL_STATE_DIR/torrents/$hash.torrent"; then
  ok "the opened .torrent file is in Shoal's engine"
else
  not_ok "the opened .torrent file is in Shoal's engine" "no $SHOAL_STATE_DIR/torrents/$hash.torrent after 20 s" \
    "$(ls -la "$SHOAL_STATE_DIR/torrents" 2>&1)"
fi

# 5. A second gio open reaches the running instance
check "gio open a magnet link" gio open "$magnet"
if wait_for 20 test -s "$SHOAL_STATE_DIR/torrents/$magnet_hash.magnet"; then
  ok "the opened magnet link is in Shoal's engine"
else
  not_ok "the opened magnet link is in Shoal's engine" "no $SHOAL_STATE_DIR/torrents/$magnet_hash.magnet after 20 s" \
    "$(ls -la "$SHOAL_STATE_DIR/torrents" 2>&1)"
fi
if [ "$(owner_pid)" = "$app_pid" ] && [ "$(count_running "$shoal")" = 1 ]; then
  ok "the second open went to the running instance, one Shoal process"
else
  not_ok "the second open went to the running instance, one Shoal process" \
    "owner $(owner_pid), first $app_pid, $(count_running "$shoal") processes"
fi

finish
