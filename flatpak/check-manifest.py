#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the Flatpak manifest without flatpak-builder: it must be valid
# JSON, name the app and its runtime, and every local source path must
# exist, since flatpak-builder only notices a stale path when it builds.

import json
import os
import sys

LOCAL_SOURCE_TYPES = {'dir', 'file', 'patch', 'script'}


def fail(message):
    print(f'{sys.argv[1]}: {message}', file=sys.stderr)
    sys.exit(1)


def check_module(module, base, where):
    if isinstance(module, str):
        # A module may be a path to another manifest file.
        if not os.path.exists(os.path.join(base, module)):
            fail(f'{where}: module file “{module}” does not exist')
        return
    if not isinstance(module, dict) or not module.get('name'):
        fail(f'{where}: a module needs a name')
    where = f'{where}/{module["name"]}'
    for source in module.get('sources', []):
        if isinstance(source, str):
            path = source
        elif source.get('type') in LOCAL_SOURCE_TYPES and 'path' in source:
            path = source['path']
        else:
            continue
        if not os.path.exists(os.path.join(base, path)):
            fail(f'{where}: source path “{path}” does not exist')
    for child in module.get('modules', []):
        check_module(child, base, where)


def main():
    if len(sys.argv) != 2:
        print('usage: check-manifest.py MANIFEST', file=sys.stderr)
        return 2
    manifest_path = sys.argv[1]
    base = os.path.dirname(os.path.abspath(manifest_path))

    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        fail(str(e))

    app_id = manifest.get('id') or manifest.get('app-id')
    if os.path.basename(manifest_path) != f'{app_id}.json':
        fail(f'file name does not match the app id “{app_id}”')
    for key in ('runtime', 'runtime-version', 'sdk', 'command'):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            fail(f'missing “{key}”')
    modules = manifest.get('modules')
    if not isinstance(modules, list) or not modules:
        fail('no modules')
    for module in modules:
        check_module(module, base, 'modules')

    # The last module is the app itself; its source tree must be this one.
    app_module = modules[-1]
    for source in app_module.get('sources', []):
        if isinstance(source, dict) and source.get('type') == 'dir':
            if not os.path.exists(os.path.join(base, source['path'], 'meson.build')):
                fail('the app module’s dir source is not a Meson project')

    return 0


if __name__ == '__main__':
    sys.exit(main())
