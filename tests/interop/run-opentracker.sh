#!/bin/sh
# run-opentracker.sh OPENTRACKER WHITELIST PORT
#
# Runs opentracker on 127.0.0.1:PORT (HTTP over TCP and UDP on the same
# port), serving only the info-hashes listed in WHITELIST, and prints its PID
# on the first line of stdout. It runs until our stdin reaches end of file:
# the test holds the other end of that pipe, so the tracker is stopped even
# when the test dies without cleaning up. (opentracker drops root for
# "nobody", which clears any parent-death signal, so that cannot be used.)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

# opentracker's own chatter goes to stderr: stdout carries only the PID.
"$1" -i 127.0.0.1 -p "$3" -P "$3" -w "$2" </dev/null >&2 &
pid=$!
echo "$pid"

cat >/dev/null || true
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
