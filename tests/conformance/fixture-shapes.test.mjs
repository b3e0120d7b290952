// Every frame and answer the devserver sends carries at least the keys, with the same JSON
// types, that Stream's recorded payloads show for the same event or call.
//
// The keys and types are in fixture-schema.json, written by build-aux/fixture-schema.py from
// the recordings (it names them, and what it leaves out and why). Frames are read from a
// plain WebSocket and answers from plain HTTP, so that nothing the SDK does to them hides a
// missing key.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { API_KEY, Devserver, TIMEOUT_MS } from './devserver.mjs';

const schema = JSON.parse(readFileSync(new URL('./fixture-schema.json', import.meta.url)));

let devserver;
let serverClient;
let socket;
let connectionId;
const frames = [];
const waiting = [];

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// Where @value lacks a key of @shape, or has it with another JSON type: one line each.
export function shapeProblems(shape, value, path = '') {
  if (shape === null || shape.type === 'null') return [];
  const problems = [];
  if (typeOf(value) !== shape.type) {
    return [`${path || '(top)'}: ${typeOf(value)}, recorded ${shape.type}`];
  }
  if (shape.type === 'object') {
    for (const [key, inner] of Object.entries(shape.keys)) {
      if (!(key in value)) problems.push(`${path}${key}: missing`);
      else problems.push(...shapeProblems(inner, value[key], `${path}${key}.`));
    }
  } else if (shape.type === 'array' && shape.items) {
    value.forEach((element, i) => {
      problems.push(...shapeProblems(shape.items, element, `${path}${i}.`));
    });
  }
  return problems;
}

function assertShape(kind, value) {
  assert.ok(schema[kind], `fixture-schema.json has no ${kind}`);
  assert.deepEqual(shapeProblems(schema[kind], value), [], `${kind} differs from the recording`);
}

function nextFrame(type) {
  const index = frames.findIndex((frame) => frame.type === type);
  if (index >= 0) return Promise.resolve(frames.splice(index, 1)[0]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS);
    waiting.push({ type, resolve: (frame) => { clearTimeout(timer); resolve(frame); } });
  });
}

function onFrame(data) {
  const frame = JSON.parse(data.toString());
  const index = waiting.findIndex((w) => w.type === frame.type);
  if (index >= 0) waiting.splice(index, 1)[0].resolve(frame);
  else frames.push(frame);
}

// A REST call as it goes over the wire, its answer as it comes back.
async function call(method, path, body, userId = null) {
  // A server token is the SDK's own, signed with the secret and naming no user.
  const token = userId ? serverClient.createToken(userId) : serverClient._getToken();
  const query = new URLSearchParams({ api_key: API_KEY });
  if (userId && connectionId) query.set('connection_id', connectionId);
  const response = await fetch(`${devserver.baseURL}${path}?${query}`, {
    method,
    headers: {
      Authorization: token,
      'stream-auth-type': 'jwt',
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
}

before(async () => {
  devserver = await Devserver.start();
  serverClient = devserver.serverClient;
  await serverClient.upsertUsers([
    { id: 'alice', name: 'Alice' },
    { id: 'bob', name: 'Bob' },
    { id: 'carol', name: 'Carol' },
  ]);
});

after(async () => {
  if (socket) socket.close();
  if (devserver) await devserver.stop();
});

test('ws health.check: the connect frame', async () => {
  const json = JSON.stringify({ user_id: 'alice', user_details: { id: 'alice' },
                                server_determines_connection_id: true });
  const query = new URLSearchParams({ json, api_key: API_KEY, 'stream-auth-type': 'jwt',
                                      authorization: serverClient.createToken('alice') });
  socket = new WebSocket(`${devserver.baseURL.replace(/^http/, 'ws')}/connect?${query}`);
  socket.on('message', onFrame);
  const frame = await nextFrame('health.check');
  connectionId = frame.connection_id;
  assertShape('ws health.check', frame);
});

test('POST /channels/{type}/{id}/query: creating a channel', async () => {
  const answer = await call('POST', '/channels/messaging/shapes/query', {
    data: { name: 'Shapes', members: ['alice', 'bob'] },
    state: true,
  }, 'alice');
  assertShape('POST /channels/{type}/{id}/query', answer);
});

test('POST /channels: the channel list, watched', async () => {
  const answer = await call('POST', '/channels', {
    filter_conditions: { members: { $in: ['alice'] } },
    sort: [{ field: 'last_message_at', direction: -1 }],
    state: true, watch: true, limit: 10,
  }, 'alice');
  assert.equal(answer.channels.length, 1);
  assertShape('POST /channels', answer);
});

test('POST /channels/{type}/{id}/message and ws message.new', async () => {
  const frame = nextFrame('message.new');
  const answer = await call('POST', '/channels/messaging/shapes/message',
    { message: { text: 'Shapes', user_id: 'bob', mentioned_users: ['alice'] } });
  assertShape('POST /channels/{type}/{id}/message', answer);
  assertShape('ws message.new', await frame);
});

test('POST /channels/{type}/{id}/event and ws typing.start', async () => {
  const frame = nextFrame('typing.start');
  const answer = await call('POST', '/channels/messaging/shapes/event',
    { event: { type: 'typing.start', user_id: 'bob' } });
  assertShape('POST /channels/{type}/{id}/event', answer);
  assertShape('ws typing.start', await frame);
});

test('ws channel.updated', async () => {
  const frame = nextFrame('channel.updated');
  await call('POST', '/channels/messaging/shapes',
    { data: { name: 'Shapes, renamed' }, message: { text: 'Renamed', user_id: 'bob' } });
  assertShape('ws channel.updated', await frame);
});

test('ws member.added', async () => {
  const frame = nextFrame('member.added');
  await call('POST', '/channels/messaging/shapes', { add_members: ['carol'] });
  assertShape('ws member.added', await frame);
});

test('ws reaction.new', async () => {
  const { messages } = await call('POST', '/channels/messaging/shapes/query', { state: true },
    'alice');
  const frame = nextFrame('reaction.new');
  await call('POST', `/messages/${messages[0].id}/reaction`,
    { reaction: { type: 'like', user_id: 'bob' } });
  assertShape('ws reaction.new', await frame);
});

test('the comparison fails on a missing key and on a wrong type', () => {
  const shape = { type: 'object', keys: { a: { type: 'string' },
                                          b: { type: 'array', items: { type: 'number' } } } };
  assert.deepEqual(shapeProblems(shape, { a: 'x', b: [1] }), []);
  assert.deepEqual(shapeProblems(shape, { b: [1] }), ['a: missing']);
  assert.deepEqual(shapeProblems(shape, { a: 1, b: ['1'] }),
    ['a.: number, recorded string', 'b.0.: string, recorded number']);
});
