// The official Stream Chat JavaScript SDK, unmodified, against stream-tray-devserver.
//
// Run by meson (tests/meson.build) as: node --test --test-reporter=tap *.test.mjs with
// STRAY_DEVSERVER set to the devserver binary. Each test file starts its own devserver on a free
// loopback port and stops it at the end (devserver.mjs).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamChat } from 'stream-chat';
import { API_KEY, Devserver, connectError, nextEvent } from './devserver.mjs';

let devserver;
let baseURL;
let serverClient;
let alice;
let channel;

function userClient() {
  return devserver.userClient();
}

before(async () => {
  devserver = await Devserver.start();
  ({ baseURL, serverClient } = devserver);
  await serverClient.upsertUsers([
    { id: 'alice', name: 'Alice' },
    { id: 'bob', name: 'Bob' },
  ]);
  const created = serverClient.channel('messaging', 'conformance', {
    created_by_id: 'bob',
    members: ['alice', 'bob'],
    name: 'Conformance',
  });
  await created.create();
});

after(async () => {
  if (alice) await alice.disconnectUser();
  if (devserver) await devserver.stop();
});

// The tests run in order and share one connection, as one user's session would.
test('user: connects and gets its connection id and own user', async () => {
  alice = userClient();
  const response = await alice.connectUser({ id: 'alice', name: 'Alice' },
    serverClient.createToken('alice'));
  assert.equal(response.type, 'health.check');
  assert.match(response.connection_id, /^[0-9a-f-]{36}$/);
  assert.equal(response.me.id, 'alice');
  assert.equal(response.me.total_unread_count, 0);
  assert.deepEqual(response.me.channel_mutes, []);
  assert.equal(alice.user.id, 'alice');
});

test('user: queries its channels and watches them', async () => {
  const channels = await alice.queryChannels(
    { members: { $in: ['alice'] } },
    [{ last_message_at: -1 }],
    { watch: true, state: true, limit: 30 },
  );
  assert.deepEqual(channels.map((c) => c.cid), ['messaging:conformance']);
  channel = channels[0];
  assert.equal(channel.data.name, 'Conformance');
  assert.equal(channel.data.config.read_events, true);
  assert.ok(channel.data.own_capabilities.includes('read-events'));
  assert.deepEqual(Object.keys(channel.state.members).sort(), ['alice', 'bob']);
  assert.equal(channel.state.membership.user.id, 'alice');
  assert.equal(channel.countUnread(), 0);
});

test('user: receives a message.new sent by the server-side client, with its unread counts', async () => {
  const received = nextEvent(alice, 'message.new');
  await serverClient.channel('messaging', 'conformance')
    .sendMessage({ text: 'Hello from the backend', user_id: 'bob' });
  const event = await received;
  assert.equal(event.cid, 'messaging:conformance');
  assert.equal(event.message.text, 'Hello from the backend');
  assert.equal(event.message.user.id, 'bob');
  assert.equal(event.user.id, 'bob');
  assert.equal(event.total_unread_count, 1);
  assert.equal(event.unread_channels, 1);
  assert.equal(channel.countUnread(), 1);
  assert.equal(channel.state.latestMessages.at(-1).text, 'Hello from the backend');
});

test('user: marks read, and the count follows everywhere', async () => {
  const read = nextEvent(alice, 'message.read', (e) => e.user?.id === 'alice');
  const notification = nextEvent(alice, 'notification.mark_read');
  await channel.markRead();
  await read;
  const marked = await notification;
  assert.equal(marked.total_unread_count, 0);
  assert.equal(channel.countUnread(), 0);
  const unread = await alice.getUnreadCount();
  assert.equal(unread.total_unread_count, 0);
  assert.deepEqual(unread.channels, []);
});

test('user: marks unread from a message', async () => {
  const messageId = channel.state.latestMessages.at(-1).id;
  const notification = nextEvent(alice, 'notification.mark_unread');
  await channel.markUnread({ message_id: messageId });
  const event = await notification;
  assert.equal(event.unread_messages, 1);
  assert.equal(event.first_unread_message_id, messageId);
  assert.equal(event.total_unread_count, 1);
  assert.equal(channel.countUnread(), 1);
  const unread = await alice.getUnreadCount();
  assert.equal(unread.total_unread_count, 1);
  assert.deepEqual(unread.channels.map((c) => [c.channel_id, c.unread_count]),
    [['messaging:conformance', 1]]);
});

test('user: mutes and unmutes the channel', async () => {
  let updated = nextEvent(alice, 'notification.channel_mutes_updated');
  await channel.mute();
  await updated;
  assert.equal(channel.muteStatus().muted, true);

  updated = nextEvent(alice, 'notification.channel_mutes_updated');
  await channel.unmute();
  await updated;
  assert.equal(channel.muteStatus().muted, false);
});

test('user: sends an event that watchers receive', async () => {
  const received = nextEvent(channel, 'conformance.ping');
  await channel.sendEvent({ type: 'conformance.ping', note: 'hi' });
  const event = await received;
  assert.equal(event.user.id, 'alice');
  assert.equal(event.note, 'hi');
});

test('user: reconnects after the server drops every socket, and recovers', async () => {
  const before = alice.wsConnection.connectionID;
  const recovered = nextEvent(alice, 'connection.recovered');
  await serverClient.post(`${baseURL}/_dev/drop`, {});
  await recovered;
  assert.notEqual(alice.wsConnection.connectionID, before);

  // The recovered connection watches the channel again.
  const received = nextEvent(alice, 'message.new');
  await serverClient.channel('messaging', 'conformance')
    .sendMessage({ text: 'After the gap', user_id: 'bob' });
  const event = await received;
  assert.equal(event.message.text, 'After the gap');
  assert.equal(channel.countUnread(), 2);
});

test('user: catches up with sync after a gap, in order', async () => {
  // The last event alice received before going away is where she syncs from.
  const lastReceived = nextEvent(alice, 'message.new');
  await serverClient.channel('messaging', 'conformance')
    .sendMessage({ text: 'Before the gap', user_id: 'bob' });
  const last = await lastReceived;
  const unreadBefore = last.total_unread_count;
  await alice.disconnectUser();

  // Away: bob writes twice and reads, alice reads on another device.
  const backend = serverClient.channel('messaging', 'conformance');
  await backend.sendMessage({ text: 'Missed one', user_id: 'bob' });
  await backend.sendMessage({ text: 'Missed two', user_id: 'bob' });
  await serverClient.post(`${baseURL}/channels/messaging/conformance/read`, { user_id: 'bob' });
  await serverClient.post(`${baseURL}/channels/messaging/conformance/read`, { user_id: 'alice' });

  alice = userClient();
  await alice.connectUser({ id: 'alice', name: 'Alice' }, serverClient.createToken('alice'));
  const result = await alice.sync(['messaging:conformance', 'messaging:nowhere'],
    last.created_at, { with_inaccessible_cids: true });
  assert.deepEqual(result.events.map((e) => [e.type, e.message?.text ?? e.user?.id]), [
    ['message.new', 'Missed one'],
    ['message.new', 'Missed two'],
    ['message.read', 'bob'],
    ['message.read', 'alice'],
  ]);
  const times = result.events.map((e) => Date.parse(e.created_at));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.ok(times[0] >= Date.parse(last.created_at));
  // Each with alice's counts as they were when it was sent.
  assert.equal(result.events[0].total_unread_count, unreadBefore + 1);
  assert.equal(result.events[1].total_unread_count, unreadBefore + 2);
  assert.equal(result.events[1].cid, 'messaging:conformance');
  assert.deepEqual(result.inaccessible_cids, ['messaging:nowhere']);

  // Stream's limits, as the SDK sees them: an error with code 4.
  const monthAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString();
  await assert.rejects(alice.sync(['messaging:conformance'], monthAgo), (error) => {
    assert.equal(error.code, 4);
    assert.equal(error.status, 400);
    assert.match(error.message, /Too old last_sync_at/);
    return true;
  });
});

test('bad token: gets code 40 for an expired token', async () => {
  const expired = serverClient.createToken('alice', Math.floor(Date.now() / 1000) - 60);
  const error = await connectError(userClient(), { id: 'alice' }, expired);
  assert.equal(error.code, 40);
  assert.equal(error.StatusCode, 401);
  assert.equal(error.isWSFailure, false);
});

test('bad token: gets code 43 for a token signed with another secret', async () => {
  const forged = new StreamChat(API_KEY, 'another-secret').createToken('alice');
  const error = await connectError(userClient(), { id: 'alice' }, forged);
  assert.equal(error.code, 43);
  assert.equal(error.isWSFailure, false);
});

test('bad token: gets code 2 for a wrong API key', async () => {
  const client = new StreamChat('wrong-key', { baseURL, allowServerSideConnect: true });
  const error = await connectError(client, { id: 'alice' }, serverClient.createToken('alice'));
  assert.equal(error.code, 2);
});
