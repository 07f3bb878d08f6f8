#!/usr/bin/env python3
# check-layering.py: the engine's folders include each other in one direction
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads every #include "…" in src/engine/*/ and fails when a folder includes
# a header of a folder it may not use (ALLOWED below, the order the code
# needs: util ← metainfo ← storage, wire, dht, announce ← session), when a
# folder's private header (*-private.h) is included from another folder,
# when a source file sits outside the folders, or when an include names a
# header the engine does not have. The upward includes that remain are
# listed in EXCEPTIONS; a listed exception that is no longer needed is an
# error too, so the list can only shrink.
#
# Usage: check-layering.py [SRC/ENGINE]   (default: ../src/engine from here)

import os
import re
import sys

# folder -> the other folders whose headers it may include. The same order
# as engine_folder_uses in src/engine/meson.build.
ALLOWED = {
    "util": [],
    "metainfo": ["util"],
    "storage": ["metainfo", "util"],
    "wire": ["metainfo", "util"],
    "dht": ["metainfo", "util"],
    "announce": ["metainfo", "util"],
    "session": ["announce", "dht", "wire", "storage", "metainfo", "util"],
}

# The public umbrella header(s) at the top of src/engine/: they may include
# anything, and no folder may include them.
TOP = "."

# Headers generated at build time, and the folder they count as.
GENERATED = {
    "shoal-engine-enums.h": "session",  # glib-mkenums of util/shoal-types.h, built with session/
}

# Includes that are not engine headers.
IGNORED = {"config.h"}

# (file, included header) -> why it is still there. Known upward includes,
# to be removed by the later phases of issue 12; never add to this list.
EXCEPTIONS = {
    ("util/shoal-bitfield.c", "shoal-peer-wire.h"):
        "shoal_bitfield_set_from_bytes() reports SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD",
    ("announce/shoal-lsd.c", "shoal-peer-candidates.h"):
        "uses shoal_peer_address_local_networks() / _is_on_network(), which belong in util",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src", "engine")
    errors = []

    # Every header of the engine, by name, and the folder that has it.
    owner = dict(GENERATED)
    files = []
    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if os.path.isdir(path):
            if entry not in ALLOWED:
                errors.append("%s/: a folder that ALLOWED in %s does not know" % (entry, __file__))
                continue
            for name in sorted(os.listdir(path)):
                if name.endswith((".c", ".h")):
                    files.append((entry, name))
                    if name.endswith(".h"):
                        if name in owner:
                            errors.append("%s/%s: a second header of that name (also in %s/)"
                                          % (entry, name, owner[name]))
                        owner[name] = entry
        elif entry.endswith(".h"):
            files.append((TOP, entry))
            owner[entry] = TOP
        elif entry.endswith(".c"):
            errors.append("%s: a source file outside the subsystem folders" % entry)

    used_exceptions = set()
    for folder, name in files:
        rel = name if folder == TOP else folder + "/" + name
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        for included in INCLUDE.findall(text):
            header = os.path.basename(included)
            if header in IGNORED:
                continue
            if header not in owner:
                errors.append('%s: includes "%s", which is not an engine header' % (rel, included))
                continue
            target = owner[header]
            if included != header:
                errors.append('%s: includes "%s" by path; name the header alone (the build sets '
                              'the include directories each folder may use)' % (rel, included))
            if folder == TOP or target == folder:
                continue
            if header.endswith("-private.h"):
                errors.append('%s: includes %s/%s, the private header of another folder'
                              % (rel, target, header))
                continue
            if target == TOP:
                errors.append('%s: includes %s, the public umbrella header' % (rel, header))
                continue
            if target in ALLOWED[folder]:
                continue
            if (rel, header) in EXCEPTIONS:
                used_exceptions.add((rel, header))
                continue
            errors.append('%s: includes %s/%s, but %s/ may only use %s'
                          % (rel, target, header, folder, ", ".join(ALLOWED[folder]) or "itself"))

    for rel, header in sorted(set(EXCEPTIONS) - used_exceptions):
        errors.append('EXCEPTIONS lists %s including %s, which it no longer does (or may now): '
                      'remove the entry' % (rel, header))

    if not files:
        errors.append("%s: no engine sources found" % root)
    for e in errors:
        print(e)
    print("%d files checked, %d upward includes left as exceptions, %d errors"
          % (len(files), len(used_exceptions), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
