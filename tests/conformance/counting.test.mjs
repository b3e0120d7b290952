// What counts as unread, with the official SDK: channel types and their read events, user
// mutes (timed or not), hard deletes, and hiding with clear_history (issue 16, items 1–3).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver, nextEvent } from './devserver.mjs';

let devserver;
let serverClient;
const clients = {};

// A user connected on a socket of their own, with their channels queried and watched.
async function connect(id, { watch = true } = {}) {
  const client = devserver.userClient();
  await client.connectUser({ id }, serverClient.createToken(id));
  if (watch) {
    await client.queryChannels({ members: { $in: [id] } }, [{ last_message_at: -1 }],
      { watch: true, state: true });
  }
  clients[id] = client;
  return client;
}

async function disconnect(id) {
  await clients[id].disconnectUser();
  delete clients[id];
}

function send(cid, user_id, text) {
  const [type, id] = cid.split(':');
  return serverClient.channel(type, id).sendMessage({ text, user_id });
}

async function unread(client) {
  return (await client.getUnreadCount()).total_unread_count;
}

// The user's read[] entry in the channel as queryChannels gives it.
async function ownRead(client, cid) {
  const [channel] = await client.queryChannels({ cid }, {}, { state: true, watch: false });
  return channel.state.read[client.userID];
}

// Stream's errors arrive as an Error whose message ends in the JSON body.
async function apiError(promise) {
  await assert.rejects(promise);
  try {
    await promise;
  } catch (error) {
    return error.response?.data ?? JSON.parse(error.message);
  }
  return undefined;
}

async function advanceClock(seconds) {
  await serverClient.post(`${devserver.baseURL}/_dev/clock`, { seconds });
}

async function createChannel(type, id, members) {
  await serverClient.channel(type, id, { created_by_id: members[0], members }).create();
}

before(async () => {
  devserver = await Devserver.start();
  ({ serverClient } = devserver);
  await serverClient.upsertUsers([{ id: 'alice' }, { id: 'bob' }, { id: 'carol' }]);
  await createChannel('messaging', 'counting', ['bob', 'alice', 'carol']);
  await createChannel('livestream', 'show', ['bob', 'alice', 'carol']);
});

after(async () => {
  for (const client of Object.values(clients)) await client.disconnectUser();
  if (devserver) await devserver.stop();
});

// 1. Channel types

test('server: lists the built-in types, livestream and gaming without read events', async () => {
  const { channel_types: types } = await serverClient.listChannelTypes();
  assert.deepEqual(Object.keys(types).sort(),
    ['commerce', 'gaming', 'livestream', 'messaging', 'team']);
  for (const name of ['messaging', 'team', 'commerce']) {
    assert.equal(types[name].read_events, true, name);
    assert.equal(types[name].typing_events, true, name);
  }
  for (const name of ['livestream', 'gaming']) {
    assert.equal(types[name].read_events, false, name);
    assert.equal(types[name].typing_events, false, name);
    assert.equal(types[name].connect_events, false, name);
  }
  assert.equal(types.livestream.reactions, true);
  const livestream = await serverClient.getChannelType('livestream');
  assert.equal(livestream.name, 'livestream');
  assert.equal(livestream.read_events, false);
  assert.equal(typeof livestream.created_at, 'string');
});

test('server: creates, gets, updates and deletes a type', async () => {
  const created = await serverClient.createChannelType({ name: 'quiet', read_events: false });
  assert.equal(created.name, 'quiet');
  assert.equal(created.read_events, false);
  assert.equal(created.typing_events, true);

  const again = await apiError(serverClient.createChannelType({ name: 'quiet' }));
  assert.equal(again.code, 4);

  const updated = await serverClient.updateChannelType('quiet', { typing_events: false });
  assert.equal(updated.typing_events, false);
  assert.equal(updated.read_events, false);
  assert.equal((await serverClient.getChannelType('quiet')).typing_events, false);
  const wrong = await apiError(serverClient.updateChannelType('quiet', { read_events: 'no' }));
  assert.equal(wrong.code, 4);
  assert.equal((await serverClient.getChannelType('quiet')).read_events, false);

  await serverClient.createChannelType({ name: 'scratch' });
  assert.ok('scratch' in (await serverClient.listChannelTypes()).channel_types);
  await serverClient.deleteChannelType('scratch');
  const gone = await apiError(serverClient.getChannelType('scratch'));
  assert.equal(gone.code, 16);
  assert.ok(!('scratch' in (await serverClient.listChannelTypes()).channel_types));

  const unknown = await apiError(serverClient.channel('scratch', 'x', { created_by_id: 'bob' })
    .create());
  assert.equal(unknown.code, 4);
  await createChannel('quiet', 'room', ['bob', 'alice', 'carol']);
  const used = await apiError(serverClient.deleteChannelType('quiet'));
  assert.equal(used.code, 4);
});

test('user: may not create a channel type', async () => {
  const alice = await connect('alice', { watch: false });
  const refused = await apiError(alice.createChannelType({ name: 'mine' }));
  assert.equal(refused.code, 17);
  await disconnect('alice');
});

test('user: a channel whose type has read events off never counts as unread', async () => {
  const alice = await connect('alice');
  const carol = await connect('carol', { watch: false });
  for (const cid of ['livestream:show', 'quiet:room']) {
    const channel = alice.activeChannels[cid];
    assert.equal(channel.data.config.read_events, false, cid);
    assert.ok(!channel.data.own_capabilities.includes('read-events'), cid);
    assert.ok(channel.data.own_capabilities.includes('send-message'), cid);

    const watched = nextEvent(alice, 'message.new', (e) => e.cid === cid);
    const notified = nextEvent(carol, 'notification.message_new', (e) => e.cid === cid);
    await send(cid, 'bob', `on ${cid}`);
    const event = await watched;
    assert.equal(event.total_unread_count, 0, cid);
    assert.equal(event.unread_channels, 0, cid);
    const notification = await notified;
    assert.equal(notification.total_unread_count, 0, cid);
    assert.equal(notification.channel.config.read_events, false, cid);
    // The message is there to read; it only does not count.
    assert.equal(channel.state.latestMessages.at(-1).text, `on ${cid}`);
    assert.equal(channel.countUnread(), 0);
    assert.equal((await ownRead(alice, cid)).unread_messages, 0, cid);
  }
  assert.equal(await unread(alice), 0);
  assert.equal(await unread(carol), 0);
  assert.equal(alice.user.total_unread_count, 0);

  // A type that turns read events on again counts from then on.
  await serverClient.updateChannelType('quiet', { read_events: true });
  const counted = nextEvent(alice, 'message.new', (e) => e.cid === 'quiet:room');
  await send('quiet:room', 'bob', 'counted now');
  assert.equal((await counted).total_unread_count, 1);
  // (The SDK's markRead would not ask: the channel it has lacks read-events.)
  await alice.markAllRead();
  await carol.markAllRead();
  assert.equal(await unread(alice), 0);
  await serverClient.updateChannelType('quiet', { read_events: false });
  await disconnect('carol');
  await disconnect('alice');
});

// 2. User mutes

test('user: mutes a user, whose messages then do not count, and unmutes', async () => {
  const alice = await connect('alice');
  const carol = await connect('carol');
  const channel = alice.activeChannels['messaging:counting'];

  let updated = nextEvent(alice, 'notification.mutes_updated');
  const response = await alice.muteUser('bob');
  assert.equal(response.mute.user.id, 'alice');
  assert.equal(response.mute.target.id, 'bob');
  assert.equal(typeof response.mute.created_at, 'string');
  assert.equal(typeof response.mute.updated_at, 'string');
  assert.equal(response.mute.expires, undefined);
  assert.deepEqual(response.own_user.mutes.map((m) => m.target.id), ['bob']);
  let event = await updated;
  assert.deepEqual(event.me.mutes.map((m) => [m.user.id, m.target.id]), [['alice', 'bob']]);
  assert.equal(alice.userMuteStatus('bob'), true);

  const toAlice = nextEvent(alice, 'message.new', (e) => e.message.text === 'muted');
  const toCarol = nextEvent(carol, 'message.new', (e) => e.message.text === 'muted');
  await send('messaging:counting', 'bob', 'muted');
  assert.equal((await toAlice).total_unread_count, 0);
  assert.equal((await toCarol).total_unread_count, 1);
  assert.equal(channel.countUnread(), 0);
  assert.equal(await unread(alice), 0);
  assert.equal((await ownRead(alice, 'messaging:counting')).unread_messages, 0);

  // The connect frame carries the mute.
  await disconnect('alice');
  const again = await connect('alice');
  assert.deepEqual(again.user.mutes.map((m) => m.target.id), ['bob']);
  assert.deepEqual(again.mutedUsers.map((m) => m.target.id), ['bob']);

  updated = nextEvent(again, 'notification.mutes_updated');
  await again.unmuteUser('bob');
  event = await updated;
  assert.deepEqual(event.me.mutes, []);
  assert.equal(again.userMuteStatus('bob'), false);
  const counted = nextEvent(again, 'message.new', (e) => e.message.text === 'unmuted');
  await send('messaging:counting', 'bob', 'unmuted');
  assert.equal((await counted).total_unread_count, 1);
  await again.activeChannels['messaging:counting'].markRead();
  await carol.activeChannels['messaging:counting'].markRead();
  await disconnect('carol');
  await disconnect('alice');
});

test('server: mutes several users for a while, and the mute ends by itself', async () => {
  const response = await serverClient.post(`${serverClient.baseURL}/moderation/mute`, {
    target_ids: ['bob', 'alice', 'nobody'], user_id: 'carol', timeout: 1,
  });
  assert.deepEqual(response.mutes.map((m) => [m.user.id, m.target.id]),
    [['carol', 'bob'], ['carol', 'alice']]);
  assert.deepEqual(response.non_existing_users, ['nobody']);
  for (const mute of response.mutes) {
    const minute = Date.parse(mute.expires) - Date.parse(mute.created_at);
    assert.ok(Math.abs(minute - 60000) < 1000, `expires a minute after: ${minute} ms`);
  }
  const refused = await apiError(serverClient.post(`${serverClient.baseURL}/moderation/mute`,
    { target_id: 'bob' }));
  assert.equal(refused.code, 4);

  const carol = await connect('carol');
  assert.deepEqual(carol.user.mutes.map((m) => m.target.id).sort(), ['alice', 'bob']);
  assert.ok(carol.user.mutes.every((m) => typeof m.expires === 'string'));
  const muted = nextEvent(carol, 'message.new', (e) => e.message.text === 'still muted');
  await send('messaging:counting', 'bob', 'still muted');
  assert.equal((await muted).total_unread_count, 0);

  // A minute on, without an event (Stream leaves the end to the clients), bob counts again.
  await advanceClock(61);
  const counted = nextEvent(carol, 'message.new', (e) => e.message.text === 'after the mute');
  await send('messaging:counting', 'bob', 'after the mute');
  assert.equal((await counted).total_unread_count, 1);
  await disconnect('carol');
  const later = await connect('carol', { watch: false });
  assert.deepEqual(later.user.mutes, []);
  await later.markAllRead();
  await disconnect('carol');

  // Unmuting server-side names the user too.
  await serverClient.muteUser('bob', 'alice');
  await serverClient.unmuteUser('bob', 'alice');
  const alice = await connect('alice', { watch: false });
  assert.deepEqual(alice.user.mutes, []);
  await alice.markAllRead();
  await disconnect('alice');
});

// 3. Deletes and hiding

test('server: a hard delete lowers the counts of those who had not read it', async () => {
  const alice = await connect('alice');
  const carol = await connect('carol');
  const first = await send('messaging:counting', 'bob', 'first');
  const second = await send('messaging:counting', 'bob', 'second');
  const third = await send('messaging:counting', 'bob', 'third');
  await carol.activeChannels['messaging:counting'].markRead();
  assert.equal(await unread(alice), 3);
  assert.equal(await unread(carol), 0);

  const deleted = nextEvent(alice, 'message.deleted', (e) => e.message.id === second.message.id);
  await serverClient.deleteMessage(second.message.id, true);
  assert.equal((await deleted).hard_delete, true);
  assert.equal(await unread(alice), 2);
  assert.equal((await ownRead(alice, 'messaging:counting')).unread_messages, 2);
  assert.equal(await unread(carol), 0);

  // A soft delete leaves the message's place, and the count.
  await serverClient.deleteMessage(first.message.id);
  assert.equal(await unread(alice), 2);

  // The next event's totals agree.
  const next = nextEvent(alice, 'message.new', (e) => e.message.text === 'fourth');
  await send('messaging:counting', 'bob', 'fourth');
  assert.equal((await next).total_unread_count, 3);

  // Once read, deleting it takes nothing away from what came after.
  await alice.activeChannels['messaging:counting'].markRead();
  await send('messaging:counting', 'bob', 'fifth');
  await serverClient.deleteMessage(third.message.id, true);
  assert.equal(await unread(alice), 1);
  await alice.activeChannels['messaging:counting'].markRead();
  await disconnect('carol');
  await disconnect('alice');
});

test('user: hides a channel with clear_history, and no earlier message shows', async () => {
  const alice = await connect('alice');
  const channel = alice.activeChannels['messaging:counting'];
  await send('messaging:counting', 'bob', 'before hiding');
  assert.equal(await unread(alice), 1);

  const hidden = nextEvent(alice, 'channel.hidden');
  await channel.hide(null, true);
  assert.equal((await hidden).clear_history, true);
  assert.equal(await unread(alice), 0);
  const [listed] = await alice.queryChannels({ cid: 'messaging:counting', hidden: true }, {},
    { state: true, watch: false });
  assert.deepEqual(listed.state.latestMessages, []);
  const state = await channel.query({ messages: { limit: 10 } });
  assert.deepEqual(state.messages, []);

  // Others keep the history; a new message brings the channel back with only itself.
  const [bobs] = await serverClient.queryChannels({ cid: 'messaging:counting' }, {},
    { user_id: 'bob', state: true, watch: false });
  assert.ok(bobs.state.latestMessages.some((m) => m.text === 'before hiding'));
  await send('messaging:counting', 'bob', 'after hiding');
  const [back] = await alice.queryChannels({ cid: 'messaging:counting' }, {},
    { state: true, watch: false });
  assert.deepEqual(back.state.latestMessages.map((m) => m.text), ['after hiding']);
  assert.equal(await unread(alice), 1);
  await disconnect('alice');
});
