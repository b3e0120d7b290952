#!/usr/bin/env python3
# The install tree and the Flatpak manifests, checked as flatpak-builder and a distribution
# would: the manifests parse and ask for exactly the sandbox holes the project needs; `meson
# install` into a DESTDIR produces every file they and the desktop expect, for the normal
# build (this build directory) and for the development variant (built here, prefix /app as in
# Flatpak); the installed desktop file and metainfo validate. Prints TAP.
#
# Usage: check-install.py SOURCE_DIR BUILD_DIR
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree

SOURCE, BUILD = sys.argv[1], sys.argv[2]
APP_ID = 'io.github.streamtray.StreamTray'
SCHEMA_ID = APP_ID
FINISH_ARGS = {
    '--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
    '--device=dri', '--talk-name=org.kde.StatusNotifierWatcher',
    '--talk-name=com.canonical.Unity',
}
FORBIDDEN = ('--own-name=org.kde.', '--talk-name=org.freedesktop.Notifications',
             '--talk-name=org.freedesktop.secrets')

n = 0


def ok(condition, what, detail=''):
    global n
    n += 1
    print(('ok' if condition else 'not ok') + f' {n} - {what}')
    if not condition:
        for line in str(detail).splitlines():
            print(f'# {line}')
        print(f'1..{n}')
        sys.exit(1)


def run(*argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


def check_manifest(path, app_id, extra_opts):
    name = os.path.basename(path)
    try:
        manifest = json.load(open(path))
    except ValueError as error:
        ok(False, f'{name} parses', error)
    ok(manifest.get('id') == app_id and manifest.get('command') == 'stream-tray' and
       manifest.get('runtime') == 'org.gnome.Platform' and
       manifest.get('runtime-version') == '48' and manifest.get('sdk') == 'org.gnome.Sdk',
       f'{name}: {app_id}, stream-tray, org.gnome.Platform 48 with org.gnome.Sdk', manifest)
    args = manifest.get('finish-args', [])
    ok(set(args) == FINISH_ARGS and len(args) == len(FINISH_ARGS) and
       not any(arg.startswith(FORBIDDEN) for arg in args),
       f'{name}: exactly the finish-args the desktop notes ask for', args)
    module = manifest['modules'][-1]
    opts = module.get('config-opts', [])
    ok(module.get('buildsystem') == 'meson' and '-Dtests=false' in opts and
       all(opt in opts for opt in extra_opts) and
       module.get('sources') == [{'type': 'dir', 'path': '..'}],
       f'{name}: the app built with meson from the local tree, tests off', module)


def install(build_dir, destdir):
    result = run('meson', 'install', '-C', build_dir, '--destdir', destdir, '--no-rebuild',
                 '--quiet')
    ok(result.returncode == 0, f'meson install of {os.path.basename(build_dir)} into a DESTDIR',
       result.stdout + result.stderr)


def intro(build_dir, what):
    return json.loads(run('meson', 'introspect', build_dir, what).stdout)


def check_demo(stream_tray, datadir):
    """The installed daemon's --demo starts the installed stream-tray-devserver and connects."""
    with tempfile.TemporaryDirectory(prefix='stray-demo-') as schemas:
        run('glib-compile-schemas', '--targetdir', schemas,
            os.path.join(datadir, 'glib-2.0', 'schemas'))
        env = dict(os.environ, GSETTINGS_SCHEMA_DIR=schemas, GSETTINGS_BACKEND='memory',
                   LC_ALL='C.UTF-8', G_MESSAGES_DEBUG='')
        demo = subprocess.Popen(['dbus-run-session', '--', stream_tray, '--demo', '--background'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        output = b''
        deadline = time.monotonic() + 30
        while b'state: connected' not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([demo.stdout], [], [], deadline - time.monotonic())
            chunk = os.read(demo.stdout.fileno(), 4096) if ready else b''
            if not chunk:
                break
            output += chunk
        # SIGTERM to the daemon itself (dbus-run-session's child): its devserver must go too.
        for pid in run('pgrep', '-P', str(demo.pid), '-x', 'stream-tray').stdout.split():
            os.kill(int(pid), signal.SIGTERM)
        try:
            _, errors = demo.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            _, errors = demo.communicate()
        lines = (output.decode(errors='replace') + '\n').splitlines(keepends=True)
        errors = errors.decode(errors='replace')
        server = os.path.join(os.path.dirname(stream_tray), 'stream-tray-devserver')
        ok(any(line.startswith('state: connected') for line in lines) and
           any('the local server runs at http://127.0.0.1:' in line for line in lines),
           'the installed stream-tray --demo runs the installed devserver and connects',
           ''.join(lines) + errors)
        deadline = time.monotonic() + 10
        while (left := run('pgrep', '-f', server).stdout.split()) and time.monotonic() < deadline:
            time.sleep(0.1)
        ok(not left, 'the demo leaves no devserver behind when its session ends', left)


def check_tree(build_dir, destdir, app_id):
    options = {o['name']: o['value'] for o in intro(build_dir, '--buildoptions')}
    prefix = destdir + options['prefix']
    datadir = os.path.join(prefix, options['datadir'])
    libdir = os.path.join(prefix, options['libdir'])
    expected = [
        os.path.join(prefix, options['bindir'], 'stream-tray'),
        os.path.join(prefix, options['bindir'], 'stream-tray-devserver'),
        os.path.join(libdir, 'stream-tray', 'libstray-ui.so'),
        os.path.join(datadir, 'applications', f'{app_id}.desktop'),
        os.path.join(datadir, 'metainfo', f'{app_id}.metainfo.xml'),
        os.path.join(datadir, 'glib-2.0', 'schemas', f'{SCHEMA_ID}.gschema.xml'),
        os.path.join(datadir, 'icons', 'hicolor', 'scalable', 'apps', f'{app_id}.svg'),
        os.path.join(datadir, 'icons', 'hicolor', 'symbolic', 'apps', f'{app_id}-symbolic.svg'),
        os.path.join(datadir, 'dbus-1', 'services', f'{app_id}.service'),
        os.path.join(datadir, 'bash-completion', 'completions', 'stream-tray'),
        os.path.join(prefix, options['mandir'], 'man1', 'stream-tray.1'),
        os.path.join(prefix, options['localedir'], 'de', 'LC_MESSAGES', 'stream-tray.mo'),
        os.path.join(prefix, options['localedir'], 'fr', 'LC_MESSAGES', 'stream-tray.mo'),
    ]
    missing = [path for path in expected if not os.path.isfile(path)]
    ok(not missing, f'{app_id}: every file installed', '\n'.join(missing))
    ok(os.access(expected[0], os.X_OK), f'{app_id}: stream-tray is executable')

    # The man page covers every option the program has.
    help_text = run(expected[0], '--help-all', env=dict(os.environ, LC_ALL='C.UTF-8',
                                                          LANGUAGE='')).stdout
    help_options = sorted(set(re.findall(r'^\s+(?:-\w, )?(--[a-z][a-z-]*)', help_text, re.M)))
    man = open(expected[10]).read().replace('\\-', '-')
    undocumented = [option for option in help_options if option not in man]
    ok(len(help_options) > 10 and not undocumented,
       f'{app_id}: stream-tray(1) covers all {len(help_options)} options of --help-all',
       undocumented or help_text)

    if app_id == APP_ID:
        check_demo(expected[0], datadir)

    service = open(expected[8]).read()
    bindir = os.path.join(options['prefix'], options['bindir'])
    ok(f'Name={app_id}\n' in service and
       f'Exec={bindir}/stream-tray --gapplication-service\n' in service,
       f'{app_id}: the D-Bus service starts stream-tray --gapplication-service', service)

    desktop = open(expected[3]).read()
    ok(f'Icon={app_id}\n' in desktop and 'DBusActivatable=true\n' in desktop and
       'Name[de]=' in desktop and 'Comment[fr]=' in desktop,
       f'{app_id}: the desktop file names its icon and is translated', desktop)
    result = run('desktop-file-validate', expected[3])
    ok(result.returncode == 0 and not result.stdout.strip(),
       f'{app_id}: desktop-file-validate is clean', result.stdout + result.stderr)

    metainfo = ElementTree.parse(expected[4]).getroot()
    dbus = metainfo.find('provides/dbus')
    ok(metainfo.findtext('id') == app_id and
       metainfo.findtext('launchable') == f'{app_id}.desktop' and
       dbus is not None and dbus.text == app_id and
       metainfo.find('provides/binary').text == 'stream-tray' and
       len(metainfo.findall('screenshots/screenshot')) >= 1 and
       metainfo.find('content_rating') is not None and
       metainfo.find('releases/release/description') is not None,
       f'{app_id}: the metainfo has id, launchable, provides, screenshots, rating, releases')
    result = run('appstreamcli', 'validate', '--pedantic', '--no-net', expected[4])
    ok(result.returncode == 0, f'{app_id}: appstreamcli validate --pedantic --no-net passes',
       result.stdout + result.stderr)
    # The screenshots the metainfo shows are the window tests' own, kept in the tree.
    shots = [os.path.join(SOURCE, 'data', 'screenshots', os.path.basename(image.text))
             for image in metainfo.findall('screenshots/screenshot/image')]
    ok(all(os.path.isfile(shot) for shot in shots), f'{app_id}: its screenshots are in data/',
       shots)


check_manifest(os.path.join(SOURCE, 'flatpak', f'{APP_ID}.json'), APP_ID, [])
check_manifest(os.path.join(SOURCE, 'flatpak', f'{APP_ID}.Devel.json'), f'{APP_ID}.Devel',
               ['-Ddevel=true'])

with tempfile.TemporaryDirectory(prefix='stray-install-') as work:
    destdir = os.path.join(work, 'root')
    install(BUILD, destdir)
    check_tree(BUILD, destdir, APP_ID)

    # The development variant, as the .Devel manifest builds it.
    devel = os.path.join(work, 'build-devel')
    result = run('meson', 'setup', devel, SOURCE, '--prefix=/app', '-Dtests=false',
                 '-Ddevel=true', '-Dbuildtype=plain')
    ok(result.returncode == 0, 'the development variant configures with -Ddevel=true',
       result.stdout + result.stderr)
    result = run('meson', 'compile', '-C', devel)
    ok(result.returncode == 0, 'the development variant builds', result.stdout[-3000:] + result.stderr)
    devel_root = os.path.join(work, 'root-devel')
    install(devel, devel_root)
    check_tree(devel, devel_root, f'{APP_ID}.Devel')
    # Beside the normal one: no file of one has the path of the other's app-ID files.
    normal = {os.path.relpath(os.path.join(d, f), destdir + '/usr/local')
              for d, _, files in os.walk(destdir) for f in files if APP_ID in f}
    devel_files = {os.path.relpath(os.path.join(d, f), devel_root + '/app')
                   for d, _, files in os.walk(devel_root) for f in files if APP_ID in f}
    shared = sorted(p for p in normal & devel_files if 'gschema' not in p)
    ok(not shared, 'the two variants install their app-ID files under different names', shared)

print(f'1..{n}')
