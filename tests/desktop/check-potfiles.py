#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# po/POTFILES.in must list exactly the files that hold translatable
# strings: a missing file means its strings never reach translators, a
# stale entry breaks `ninja shoal-pot`. Also catches user-visible text in
# .ui files that is not marked translatable.
#
#   check-potfiles.py SOURCE_ROOT

import os
import re
import sys

# _("…"), N_("…"), C_("ctx", "…"), NC_(…), g_dngettext (…), ngettext (…)
C_MARKER = re.compile(r'\b(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\s*\(\s*"')
UI_MARKER = re.compile(r'translatable="yes"')
# Text-carrying properties of GTK/libadwaita widgets: a literal value
# with a letter in it is something a person reads.
UI_TEXT_PROPERTY = re.compile(
    r'<(?:property|attribute)\s+name="(?:label|title|subtitle|description|tooltip-text|'
    r'placeholder-text|text|heading|body|button-label|secondary-text|accelerator-title)"'
    r'(?P<attrs>[^>]*)>(?P<value>[^<]*)</', re.S)
SCANNED_SUFFIXES = ('.c', '.h', '.ui', '.desktop.in', '.metainfo.xml.in', '.gschema.xml')


def has_strings(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.endswith(('.c', '.h')):
        return C_MARKER.search(text) is not None
    if path.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    # Desktop entries, AppStream metadata and schemas always carry
    # translatable names, summaries and descriptions.
    return True


def untranslatable_ui_text(path, relative):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    found = []
    for m in UI_TEXT_PROPERTY.finditer(text):
        if 'translatable="yes"' in m.group('attrs'):
            continue
        value = m.group('value').strip()
        # Bindings and placeholders for data set from code have no words.
        if re.search(r'[A-Za-z]{2,}', value):
            line = text.count('\n', 0, m.start()) + 1
            found.append(f'{relative}:{line}: “{value}” is not marked translatable="yes"')
    return found


def main():
    if len(sys.argv) != 2:
        print('usage: check-potfiles.py SOURCE_ROOT', file=sys.stderr)
        return 2
    root = sys.argv[1]
    potfiles_path = os.path.join(root, 'po', 'POTFILES.in')
    with open(potfiles_path, encoding='utf-8') as f:
        listed = [line.strip() for line in f if line.strip() and not line.startswith('#')]

    errors = []
    if listed != sorted(listed):
        errors.append(f'{potfiles_path}: not sorted')
    if len(set(listed)) != len(listed):
        errors.append(f'{potfiles_path}: lists a file twice')

    wanted = set()
    for top in ('src', 'data'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SCANNED_SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                relative = os.path.relpath(path, root)
                if has_strings(path):
                    wanted.add(relative)
                if name.endswith('.ui'):
                    errors.extend(untranslatable_ui_text(path, relative))

    for path in sorted(wanted - set(listed)):
        errors.append(f'{path} has translatable strings but is not in po/POTFILES.in')
    for path in sorted(set(listed) - wanted):
        if not os.path.exists(os.path.join(root, path)):
            errors.append(f'po/POTFILES.in lists {path}, which does not exist')
        else:
            errors.append(f'po/POTFILES.in lists {path}, which has no translatable strings')

    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return 1
    print(f'{len(listed)} files listed, all with translatable strings')
    return 0


if __name__ == '__main__':
    sys.exit(main())
