#!/usr/bin/env python3
# Writes tests/conformance/fixture-schema.json: for each payload that Stream's recorded
# fixtures show, the keys it carries and each one's JSON type, nested. The conformance test
# fixture-shapes.test.mjs checks the devserver's live frames and answers against it.
#
# Source: the recorded Stream Chat payloads in ../shared/protocol/fixtures/ (copies of
# GetStream/stream-chat-test-mock-server, src/jsons/, at the commits their README names). Only
# key names and types are kept here, never values: the recordings are Stream's.
#
# Usage: build-aux/fixture-schema.py [FIXTURES_DIR]   (run from the repository's top)
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys

# Which payload each recording is, as the test names it.
KINDS = {
    'ws_health_check.json': 'ws health.check',
    'ws_message.json': 'ws message.new',
    'ws_events.json': 'ws typing.start',
    'ws_events_channel.json': 'ws channel.updated',
    'ws_events_member.json': 'ws member.added',
    'ws_reaction.json': 'ws reaction.new',
    'http_channels.json': 'POST /channels',
    'http_channel_creation.json': 'POST /channels/{type}/{id}/query',
    'http_message.json': 'POST /channels/{type}/{id}/message',
    'http_events.json': 'POST /channels/{type}/{id}/event',
}

# Keys of a user object (wherever one is: user, me, created_by, members' and reads' users,
# mentions) that the recordings carry but that are not Stream's to send every time: the
# recorded app's custom fields, and fields Stream sends only once they are set.
USER_LEFT_OUT = {
    'pando': "the recorded app's custom field",
    'birthland': "the recorded app's custom field",
    'team': "the recorded app's custom field",
    'type': "the recorded app's custom field",
    'canReceiveMessages': "the recorded app's custom field",
    'canBeAddedToGroups': "the recorded app's custom field",
    'custom_extra_data_key': "the recorded app's custom field",
    'private_settings': "the recorded app's custom field",
    'name': 'a user may have none',
    'image': 'a user may have none',
    'avg_response_time': 'only for users who have answered messages',
    'last_engaged_at': 'only in some of the recordings',
    'teams_role': 'only with multi-tenancy',
    'privacy_settings': 'only once the user sets it',
    'devices': 'push devices: the devserver has none to list',
    'invisible': 'only in some of the recordings',
    'shadow_banned': 'only in some of the recordings',
    'blocked_user_ids': 'only in some of the recordings',
}

USER_KEYS = {'user', 'me', 'created_by'}
USER_LISTS = {'mentioned_users'}

# Keys left out wherever they are, with why.
LEFT_OUT = {
    'i18n': 'only with automatic translation',
    'channel_custom': 'newer than what the SDK reads; the channel object carries the same data',
    'threads': 'Stream\'s threads feature (thread participants, states): not implemented',
    'own_capabilities': 'checked by the conformance tests themselves, value by value',
    'blocked': 'only with blocked users',
    'status': 'a member\'s invite status: invites are not implemented',
    'is_global_banned': 'only in some of the recordings',
    'archived_at': 'archiving channels: not implemented',
    'pinned_at': 'pinning: not implemented',
    'reaction_groups': 'only in some of the recordings',
}

# Keys whose value is the recorded app's own settings: only their type is compared.
OPAQUE = {
    'automod_thresholds': "the recorded app's moderation thresholds",
}


def type_name(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    return 'object'


def merge(schemas):
    """What every one of several schemas of the same place shares."""
    schemas = [s for s in schemas if s is not None]
    if not schemas:
        return None
    types = {s['type'] for s in schemas}
    if len(types) != 1:
        return {'type': 'null'}  # the recordings disagree: only the key's presence is checked
    merged = {'type': schemas[0]['type']}
    if merged['type'] == 'object':
        shared = set.intersection(*(set(s['keys']) for s in schemas))
        merged['keys'] = {k: merge([s['keys'][k] for s in schemas]) for k in sorted(shared)}
    elif merged['type'] == 'array':
        items = [s.get('items') for s in schemas if s.get('items') is not None]
        if items:
            merged['items'] = merge(items)
    return merged


def schema_of(value, kind='any'):
    schema = {'type': type_name(value)}
    if isinstance(value, dict):
        keys = {}
        for key, inner in value.items():
            if key in LEFT_OUT or (kind == 'user' and key in USER_LEFT_OUT):
                continue
            inner_kind = 'user' if key in USER_KEYS else ('users' if key in USER_LISTS else 'any')
            if key in OPAQUE:
                keys[key] = {'type': type_name(inner), **({'keys': {}} if isinstance(inner, dict)
                                                          else {})}
            else:
                keys[key] = schema_of(inner, inner_kind)
        schema['keys'] = keys
    elif isinstance(value, list) and value:
        schema['items'] = merge([schema_of(v, 'user' if kind == 'users' else 'any')
                                 for v in value])
    return schema


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join('..', 'shared', 'protocol',
                                                                   'fixtures')
    out = {
        '_source': 'Key names and JSON types of the recorded Stream Chat payloads in '
                   'shared/protocol/fixtures (GetStream/stream-chat-test-mock-server, src/jsons/); '
                   'written by build-aux/fixture-schema.py. "null": only the key is checked.',
        '_left_out': {**{k: v for k, v in LEFT_OUT.items()},
                      **{'user.' + k: v for k, v in USER_LEFT_OUT.items()},
                      **{k + '.*': v for k, v in OPAQUE.items()}},
    }
    for name, kind in sorted(KINDS.items(), key=lambda item: item[1]):
        with open(os.path.join(fixtures, name), encoding='utf-8') as f:
            out[kind] = schema_of(json.load(f))
    with open(os.path.join('tests', 'conformance', 'fixture-schema.json'), 'w',
              encoding='utf-8') as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write('\n')


if __name__ == '__main__':
    main()
