#!/usr/bin/env python3
# check-layering.py: the engine's folders include each other in one direction
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads every #include "…" in src/engine/*/ and fails when a folder includes
# a header of a folder it may not use (ALLOWED below, the order the code
# needs: util ← metainfo ← storage, wire, dht, announce, state ← session ←
# feeds), when a
# folder's private header (*-private.h) is included from another folder,
# when a source file sits outside the folders, or when an include names a
# header the engine does not have. The upward includes that remain are
# listed in EXCEPTIONS; a listed exception that is no longer needed is an
# error too, so the list can only shrink.
#
# It also checks the public API: the umbrella shoal-engine.h includes
# exactly the public headers (shoal_engine_public_headers in meson, given
# after SRC/ENGINE), each of which starts with the inside-guard, includes
# only GLib/GIO and other public headers, and declares nothing private
# (`_shoal_…`, `…_for_testing`); and the front ends (src/app, src/cli)
# include no engine header but shoal-engine.h.
#
# Usage: check-layering.py [SRC/ENGINE [PUBLIC-HEADER…]]
#        (default: ../src/engine from here, and the headers the umbrella
#        includes)

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
    "state": ["metainfo", "util"],
    "session": ["state", "announce", "dht", "wire", "storage", "metainfo", "util", "portmap", "ipfilter", "utp"],
    "portmap": ["util"],
    "rpc": ["session", "announce", "metainfo", "util"],
    "feeds": ["session", "state", "announce", "metainfo", "util"],
    "ipfilter": ["util"],
    "utp": ["util"],
}

# Folders above the session that may use only the public API of the
# folders below them (the headers shoal-engine.h includes).
PUBLIC_ONLY = {"rpc"}

# The public umbrella header(s) at the top of src/engine/: they may include
# anything, and no folder may include them.
TOP = "."

# Headers generated at build time, and the folder they count as.
GENERATED = {
    "shoal-engine-enums.h": "session",  # glib-mkenums of the public headers, built with session/
}

# The umbrella header, the one the front ends include.
UMBRELLA = "shoal-engine.h"

# The front ends, next to src/engine: they may include only UMBRELLA.
FRONT_ENDS = ["app", "cli", "daemon"]

# What a public header may include besides other public headers.
PUBLIC_SYSTEM_INCLUDES = {"glib.h", "glib-object.h", "gio/gio.h"}

GUARD = re.compile(r'^#if !defined \(SHOAL_ENGINE_INSIDE\) && !defined \(SHOAL_ENGINE_COMPILATION\)\n'
                   r'# error "Only <shoal-engine.h> can be included directly\."\n#endif$', re.M)
SYSTEM_INCLUDE = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)
PRIVATE_NAME = re.compile(r'\b(_shoal_\w+|\w+_for_testing)\b')

# Includes that are not engine headers.
IGNORED = {"config.h"}

# (file, included header) -> why it is still there. Known upward includes,
# to be removed by the later phases of issue 12; never add to this list.
EXCEPTIONS = {
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
            if target in ALLOWED[folder] and folder in PUBLIC_ONLY and header not in public_headers(root):
                errors.append('%s: includes %s/%s, which is not public; %s/ uses only the public API'
                              % (rel, target, header, folder))
                continue
            if target in ALLOWED[folder]:
                continue
            if (rel, header) in EXCEPTIONS:
                used_exceptions.add((rel, header))
                continue
            errors.append('%s: includes %s/%s, but %s/ may only use %s'
                          % (rel, target, header, folder, ", ".join(ALLOWED[folder]) or "itself"))

    errors += check_public_api(root, owner, sys.argv[2:])

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


# The one private header a front end may include: it hands the test
# environment's settings (environment variables the app and the CLI read)
# to the library, which reads none itself.
FRONT_END_TESTING = "shoal-session-testing.h"


def public_headers(root):
    """The headers the umbrella includes, by name."""
    with open(os.path.join(root, UMBRELLA), encoding="utf-8") as f:
        return {os.path.basename(h) for h in INCLUDE.findall(f.read())}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def check_public_api(root, owner, listed):
    """The umbrella, the public headers, and what the front ends include."""
    errors = []
    umbrella_path = os.path.join(root, UMBRELLA)
    if not os.path.exists(umbrella_path):
        return ["%s: the public umbrella header is missing" % UMBRELLA]
    with open(umbrella_path, encoding="utf-8") as f:
        umbrella = [os.path.basename(h) for h in INCLUDE.findall(f.read())]

    public = set(umbrella)
    if listed:
        names = {os.path.basename(p) for p in listed} - {UMBRELLA}
        for name in sorted(names - public):
            errors.append("%s is in shoal_engine_public_headers but %s does not include it"
                          % (name, UMBRELLA))
        for name in sorted(public - names - set(GENERATED)):
            errors.append("%s includes %s, which shoal_engine_public_headers does not list"
                          % (UMBRELLA, name))

    for name in sorted(public):
        if name in GENERATED:
            continue
        if name not in owner or owner[name] == TOP:
            errors.append("%s includes %s, which is not a header of a folder" % (UMBRELLA, name))
            continue
        rel = owner[name] + "/" + name
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        if not GUARD.search(text):
            errors.append("%s: a public header without the SHOAL_ENGINE_INSIDE guard "
                          "(see %s)" % (rel, UMBRELLA))
        for included in INCLUDE.findall(text):
            if os.path.basename(included) not in public:
                errors.append("%s: a public header including %s, which is private"
                              % (rel, included))
        for included in SYSTEM_INCLUDE.findall(text):
            if included not in PUBLIC_SYSTEM_INCLUDES:
                errors.append("%s: a public header including <%s> (only %s)"
                              % (rel, included, ", ".join(sorted(PUBLIC_SYSTEM_INCLUDES))))
        for private in sorted(set(PRIVATE_NAME.findall(strip_comments(text)))):
            errors.append("%s: a public header declaring %s; move it to a *-private.h"
                          % (rel, private))

    src = os.path.dirname(os.path.abspath(root))
    for front_end in FRONT_ENDS:
        directory = os.path.join(src, front_end)
        if not os.path.isdir(directory):
            errors.append("%s/: a front end that is not there" % front_end)
            continue
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                text = f.read()
            for included in INCLUDE.findall(text) + SYSTEM_INCLUDE.findall(text):
                header = os.path.basename(included)
                if header in owner and header not in (UMBRELLA, FRONT_END_TESTING):
                    errors.append("%s/%s: includes %s; front ends include only %s"
                                  % (front_end, name, header, UMBRELLA))
    return errors


if __name__ == "__main__":
    sys.exit(main())
