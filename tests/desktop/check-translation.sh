#!/bin/sh
# check-translation.sh: a translation must cover every string of the
# sources as they are now, not only those of the last `ninja shoal-pot`.
# It is merged with a template freshly extracted from po/POTFILES.in and
# must come out with no untranslated and no fuzzy message, and with
# format strings that agree with their msgids (msgfmt --check).
#
#   check-translation.sh TEMPLATE.pot LANG.po
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu

if [ $# -ne 2 ]; then
  echo "usage: check-translation.sh TEMPLATE.pot LANG.po" >&2
  exit 2
fi
pot=$1
po=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-po-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

msgfmt --check -o /dev/null "$po"

# No fuzzy matching: a msgid that changed must be looked at again by a
# translator, and would be counted as fuzzy anyway.
msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$pot"
LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/merged.po" 2>"$tmp/stats"
stats=$(cat "$tmp/stats")
echo "$po: $stats"

case "$stats" in
  *fuzzy*|*untranslated*)
    echo "$po: these messages need a translation:" >&2
    msgattrib --untranslated "$tmp/merged.po" | sed -n '/^msgid/,/^msgstr/p' | grep -v '^msgstr' >&2
    msgattrib --only-fuzzy "$tmp/merged.po" | sed -n '/^msgid/,/^msgstr/p' | grep -v '^msgstr' >&2
    exit 1
    ;;
  *" translated message"*)
    ;;
  *)
    echo "$po: unexpected msgfmt statistics" >&2
    exit 1
    ;;
esac

