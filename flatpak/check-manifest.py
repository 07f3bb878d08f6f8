#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the Flatpak manifest without flatpak-builder: it must be valid
# JSON, name the app and its runtime, and every local source path must
# exist, since flatpak-builder only notices a stale path when it builds.
# The sandbox gets exactly the permissions Shoal needs: the network, its
# display, GPU rendering and the Downloads folder (other folders go
# through the file chooser portal, notifications through the portal).

import json
import os
import sys

LOCAL_SOURCE_TYPES = {'dir', 'file', 'patch', 'script'}
APP_ID = 'io.github.shoal.Shoal'
ALLOWED_FINISH_ARGS = [
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--filesystem=xdg-download',
]
# Named so that a failure says why, although the exact set above already
# excludes them.
FORBIDDEN_FINISH_ARGS = {
    '--filesystem=home': 'use the file chooser portal',
    '--filesystem=host': 'use the file chooser portal',
    '--talk-name=org.freedesktop.Notifications': 'libnotify uses the notification portal',
}


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
    if app_id != APP_ID:
        fail(f'app id “{app_id}” is not {APP_ID}')
    for key in ('runtime', 'runtime-version', 'sdk', 'command'):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            fail(f'missing “{key}”')
    if manifest['runtime'] != 'org.gnome.Platform' or manifest['sdk'] != 'org.gnome.Sdk':
        fail('the runtime must be org.gnome.Platform with org.gnome.Sdk')
    if not manifest['runtime-version'].isdigit():
        fail(f'runtime-version “{manifest["runtime-version"]}” is not a GNOME release number')
    if manifest['command'] != 'shoal':
        fail(f'command is “{manifest["command"]}”, not shoal')

    finish_args = manifest.get('finish-args', [])
    for arg in finish_args:
        for forbidden, why in FORBIDDEN_FINISH_ARGS.items():
            if arg == forbidden or arg.startswith(forbidden + ':'):
                fail(f'finish-args must not have {arg}: {why}')
    if sorted(finish_args) != sorted(ALLOWED_FINISH_ARGS) or len(set(finish_args)) != len(finish_args):
        fail(f'finish-args are {finish_args}, want exactly {ALLOWED_FINISH_ARGS}')
    modules = manifest.get('modules')
    if not isinstance(modules, list) or not modules:
        fail('no modules')
    for module in modules:
        check_module(module, base, 'modules')

    # The last module is the app itself; its source tree must be this one.
    # Its tests run in the build sandbox, which has no network: the
    # interop tests against real peers are left out.
    app_module = modules[-1]
    if not isinstance(app_module, dict) or app_module.get('name') != 'shoal':
        fail('the last module is not shoal')
    if app_module.get('buildsystem') != 'meson':
        fail('the shoal module is not built with Meson')
    if app_module.get('run-tests') is not True:
        fail('the shoal module does not run its tests')
    config_opts = app_module.get('config-opts', [])
    if '-Dinterop=false' not in config_opts:
        fail('the shoal module must be configured with -Dinterop=false')
    if '-Dapp=enabled' not in config_opts:
        fail('the shoal module must be configured with -Dapp=enabled')
    for source in app_module.get('sources', []):
        if isinstance(source, dict) and source.get('type') == 'dir':
            if not os.path.exists(os.path.join(base, source['path'], 'meson.build')):
                fail('the app module’s dir source is not a Meson project')

    return 0


if __name__ == '__main__':
    sys.exit(main())
