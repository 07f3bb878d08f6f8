#!/bin/sh
# lsd-netns.sh: runs test-lsd's multicast tests in a network namespace of
# their own, so that no announce leaves it.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: lsd-netns.sh TEST-LSD-BINARY   Prints TAP.
set -u

test_bin="$1"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
  echo "1..0 # SKIP needs root and iproute2 to make a network namespace"
  exit 0
fi

ns="shoal-lsd-test-$$"
cleanup () {
  ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$ns" 2>/dev/null; then
  echo "1..0 # SKIP cannot create a network namespace"
  exit 0
fi

# A veth pair inside the namespace: unlike lo, it carries IPv6 multicast,
# and both instances hear each other through the multicast loopback.
ip -n "$ns" link set lo up
ip -n "$ns" link add shoal-v0 type veth peer name shoal-v1
ip -n "$ns" link set shoal-v0 up
ip -n "$ns" link set shoal-v1 up
ip -n "$ns" addr add 10.99.0.1/24 dev shoal-v0
ip -n "$ns" addr add fd00:5401::1/64 dev shoal-v0 nodad
ip -n "$ns" route add 239.0.0.0/8 dev shoal-v0

status=0
SHOAL_LSD_NETNS="$ns" SHOAL_LSD_IFACE=shoal-v0 ip netns exec "$ns" "$test_bin" --tap -p /engine/lsd/netns || status=$?
exit $status
