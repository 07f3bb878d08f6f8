#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks what desktop-file-validate and appstreamcli cannot know: the
# desktop entry opens .torrent files and magnet links through D-Bus
# activation, the D-Bus service starts the installed binary, every
# screenshot URL names a file that exists in data/screenshots/ (the URLs
# point at this tree as it will be published), the newest release is
# this version, and the metainfo declares what the desktop file handles.
#
#   check-desktop-data.py METAINFO DESKTOP_FILE SERVICE_FILE SOURCE_ROOT VERSION APP_ID BINDIR

import configparser
import os
import sys
import xml.etree.ElementTree as ET

SCREENSHOT_PREFIX = 'https://raw.githubusercontent.com/shoal/shoal/main/'


def fail(message):
    print(f'{sys.argv[1]}: {message}', file=sys.stderr)
    sys.exit(1)


def read_group(path, group):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    if not parser.read(path, encoding='utf-8') or group not in parser:
        print(f'{path}: no [{group}] group', file=sys.stderr)
        sys.exit(1)
    return parser[group]


def check_desktop_entry(path, app_id):
    entry = read_group(path, 'Desktop Entry')
    want = {
        'Exec': 'shoal %U',
        'Icon': app_id,
        'Type': 'Application',
        'DBusActivatable': 'true',
        'MimeType': 'application/x-bittorrent;x-scheme-handler/magnet;x-scheme-handler/feed;application/rss+xml;application/atom+xml;',
    }
    for key, value in want.items():
        if entry.get(key) != value:
            print(f'{path}: {key}={entry.get(key)}, want {value}', file=sys.stderr)
            sys.exit(1)
    categories = set(entry.get('Categories', '').split(';'))
    if not {'Network', 'FileTransfer', 'P2P'} <= categories:
        print(f'{path}: Categories lack Network;FileTransfer;P2P', file=sys.stderr)
        sys.exit(1)
    keywords = entry.get('Keywords', '')
    if not keywords.endswith(';') or 'torrent' not in keywords.split(';'):
        print(f'{path}: Keywords must list torrent and end with a semicolon', file=sys.stderr)
        sys.exit(1)


def check_service(path, app_id, bindir):
    service = read_group(path, 'D-BUS Service')
    # GApplication only registers as a D-Bus service, instead of
    # forwarding to an instance that does not exist yet, with this flag.
    want = {'Name': app_id, 'Exec': f'{bindir}/shoal --gapplication-service'}
    for key, value in want.items():
        if service.get(key) != value:
            print(f'{path}: {key}={service.get(key)}, want {value}', file=sys.stderr)
            sys.exit(1)


def main():
    if len(sys.argv) != 8:
        print('usage: check-desktop-data.py METAINFO DESKTOP_FILE SERVICE_FILE SOURCE_ROOT VERSION APP_ID BINDIR',
              file=sys.stderr)
        return 2
    metainfo, desktop, service, source_root, version, app_id, bindir = sys.argv[1:]
    check_desktop_entry(desktop, app_id)
    check_service(service, app_id, bindir)
    root = ET.parse(metainfo).getroot()

    images = root.findall('./screenshots/screenshot/image')
    if not images:
        fail('no screenshots')
    defaults = root.findall("./screenshots/screenshot[@type='default']")
    if len(defaults) != 1:
        fail(f'{len(defaults)} default screenshots, want 1')
    for image in images:
        url = (image.text or '').strip()
        if not url.startswith(SCREENSHOT_PREFIX):
            fail(f'screenshot “{url}” is not under {SCREENSHOT_PREFIX}')
        path = os.path.join(source_root, url[len(SCREENSHOT_PREFIX):])
        if not os.path.isfile(path):
            fail(f'screenshot “{url}” has no file {path}')
    for shot in root.findall('./screenshots/screenshot'):
        if not (shot.findtext('caption') or '').strip():
            fail('a screenshot has no caption')

    releases = root.findall('./releases/release')
    if not releases:
        fail('no releases')
    if releases[0].get('version') != version:
        fail(f'newest release is {releases[0].get("version")}, the project is {version}')

    if root.find('content_rating') is None:
        fail('no content rating')
    controls = {c.text for c in root.findall('./supports/control')}
    if not {'pointing', 'keyboard'} <= controls:
        fail(f'supported controls {sorted(controls)} lack pointing or keyboard')

    desktop_types = {t for t in read_group(desktop, 'Desktop Entry')['MimeType'].split(';') if t}
    provided = {m.text for m in root.findall('./provides/mediatype')}
    if desktop_types != provided:
        fail(f'provides {sorted(provided)} but the desktop file handles {sorted(desktop_types)}')
    launchable = root.findtext("./launchable[@type='desktop-id']")
    if launchable != os.path.basename(desktop):
        fail(f'launchable “{launchable}” is not {os.path.basename(desktop)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
