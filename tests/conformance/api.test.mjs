// The official SDK, user side and server side, against the parts of Stream's API that issue
// 16 items 4–6 name: queryChannels' filters and sorts, the events around members, mentions and
// thread replies, and what the server-side API accepts.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver, nextEvent } from './devserver.mjs';

let devserver;
let serverClient;
const clients = {};
const times = {};

async function connect(id) {
  const client = devserver.userClient();
  await client.connectUser({ id }, serverClient.createToken(id));
  clients[id] = client;
  return client;
}

// The cids a query finds, in the order it gives them.
async function cids(client, filter, sort = [{ created_at: 1 }], options = {}) {
  const channels = await client.queryChannels(filter, sort,
    { watch: false, state: true, limit: 30, ...options });
  return channels.map((channel) => channel.cid);
}

// The message of the error a call fails with (the SDK's: "StreamChat error code N: …").
async function failure(promise, code = 4) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.code, code, error.message);
    return error.message.replace(/^StreamChat error code \d+: /, '');
  }
  assert.fail('the call succeeded');
}

before(async () => {
  devserver = await Devserver.start();
  ({ serverClient } = devserver);
  await serverClient.upsertUsers(['alice', 'bob', 'carol', 'dave', 'erin']
    .map((id) => ({ id, name: id[0].toUpperCase() + id.slice(1) })));
  // Created in this order: alpha, beta, gamma, delta.
  const made = [['messaging', 'alpha', ['alice', 'bob'], {}],
                ['messaging', 'beta', ['alice', 'bob', 'carol'], { color: 'green' }],
                ['team', 'gamma', ['alice', 'carol'], {}],
                ['messaging', 'delta', ['bob', 'carol'], {}]];
  for (const [type, id, members, data] of made) {
    await serverClient.channel(type, id, { created_by_id: members[0], members, ...data })
      .create();
  }
  // Messages in this order: gamma, alpha, beta (delta has none).
  for (const [type, id, author] of [['team', 'gamma', 'carol'], ['messaging', 'alpha', 'bob'],
                                    ['messaging', 'beta', 'bob']]) {
    const { message } = await serverClient.channel(type, id)
      .sendMessage({ text: `In ${id}`, user_id: author });
    times[id] = message.created_at;
  }
  await connect('alice');
});

after(async () => {
  for (const client of Object.values(clients)) await client.disconnectUser();
  if (devserver) await devserver.stop();
});

test('queryChannels, user: hidden: true lists only hidden channels; otherwise visible ones',
  async () => {
    const [alpha] = await clients.alice.queryChannels({ cid: 'messaging:alpha' });
    await alpha.hide();
    const mine = { members: { $in: ['alice'] } };
    assert.deepEqual(await cids(clients.alice, mine), ['messaging:beta', 'team:gamma']);
    assert.deepEqual(await cids(clients.alice, { ...mine, hidden: true }), ['messaging:alpha']);
    assert.deepEqual(await cids(clients.alice, { ...mine, hidden: false }),
      ['messaging:beta', 'team:gamma']);
    // Server side, for a user named either way.
    assert.deepEqual(await cids(serverClient, { ...mine, hidden: true }, undefined,
      { user_id: 'alice' }), ['messaging:alpha']);
    assert.deepEqual(await cids(serverClient, { ...mine, hidden: true }, undefined,
      { user: { id: 'alice' } }), ['messaging:alpha']);
    await alpha.show();
    assert.deepEqual(await cids(clients.alice, { ...mine, hidden: true }), []);
  });

test('queryChannels, user and server: muted: true and false follow the user\'s mutes',
  async () => {
    const [mutable] = await clients.alice.queryChannels({ cid: 'messaging:beta' });
    await mutable.mute();
    const mine = { members: { $in: ['alice'] } };
    assert.deepEqual(await cids(clients.alice, { ...mine, muted: true }), ['messaging:beta']);
    assert.deepEqual(await cids(clients.alice, { ...mine, muted: false }),
      ['messaging:alpha', 'team:gamma']);
    assert.deepEqual(await cids(serverClient, { ...mine, muted: true }, undefined,
      { user_id: 'alice' }), ['messaging:beta']);
    await mutable.unmute();
    assert.deepEqual(await cids(clients.alice, { ...mine, muted: true }), []);
  });

test('queryChannels, server: members $in, type, cid $in and a custom field', async () => {
  assert.deepEqual(await cids(serverClient, { members: { $in: ['carol'] } }),
    ['messaging:beta', 'team:gamma', 'messaging:delta']);
  assert.deepEqual(await cids(serverClient, { type: 'team' }), ['team:gamma']);
  assert.deepEqual(await cids(serverClient, { type: { $in: ['team'] } }), ['team:gamma']);
  assert.deepEqual(await cids(serverClient,
    { cid: { $in: ['team:gamma', 'messaging:alpha', 'messaging:nowhere'] } }),
  ['messaging:alpha', 'team:gamma']);
  assert.deepEqual(await cids(serverClient, { color: 'green' }), ['messaging:beta']);
});

test('queryChannels, user: last_message_at compared with $gt, $gte, $lt and $lte', async () => {
  const mine = { members: { $in: ['alice'] } };
  const at = times.alpha;
  assert.deepEqual(await cids(clients.alice, { ...mine, last_message_at: { $gt: at } }),
    ['messaging:beta']);
  assert.deepEqual(await cids(clients.alice, { ...mine, last_message_at: { $gte: at } }),
    ['messaging:alpha', 'messaging:beta']);
  assert.deepEqual(await cids(clients.alice, { ...mine, last_message_at: { $lt: at } }),
    ['team:gamma']);
  assert.deepEqual(await cids(clients.alice, { ...mine, last_message_at: { $lte: at } }),
    ['messaging:alpha', 'team:gamma']);
  // delta has no message: no comparison matches it.
  assert.deepEqual(await cids(serverClient,
    { members: { $in: ['bob'] }, last_message_at: { $lt: '2999-01-01T00:00:00Z' } }),
  ['messaging:alpha', 'messaging:beta']);
});

test('queryChannels, user and server: unknown operators, $ne on custom fields: error 4',
  async () => {
    assert.equal(await failure(cids(clients.alice, { type: { $regex: 'team' } })),
      'QueryChannels failed with error: "operator $regex is not supported for field type"');
    assert.equal(await failure(cids(serverClient, { color: { $ne: 'red' } })),
      'QueryChannels failed with error: "operator $ne is not supported for custom fields"');
    assert.equal(await failure(cids(serverClient, { $nor: [{ type: 'team' }] })),
      'QueryChannels failed with error: "operator $nor is not supported"');
    assert.equal(await failure(cids(clients.alice, {}, [{ name: 1 }])),
      'QueryChannels failed with error: "cannot sort by name"');
  });

test('queryChannels, server: sorted by member_count, then id, each way', async () => {
  const carols = { members: { $in: ['carol'] } };
  assert.deepEqual(await cids(serverClient, carols, [{ member_count: -1 }, { id: 1 }]),
    ['messaging:beta', 'messaging:delta', 'team:gamma']);
  assert.deepEqual(await cids(serverClient, carols, [{ member_count: -1 }, { id: -1 }]),
    ['messaging:beta', 'team:gamma', 'messaging:delta']);
  assert.deepEqual(await cids(serverClient, carols, [{ member_count: 1 }, { id: 1 }]),
    ['messaging:delta', 'team:gamma', 'messaging:beta']);
});

test('queryChannels, user: sorted by last_message_at, last_updated, created_at, updated_at, id',
  async () => {
    const mine = { members: { $in: ['alice'] } };
    assert.deepEqual(await cids(clients.alice, mine, [{ last_message_at: -1 }]),
      ['messaging:beta', 'messaging:alpha', 'team:gamma']);
    assert.deepEqual(await cids(clients.alice, mine, [{ last_updated: 1 }]),
      ['team:gamma', 'messaging:alpha', 'messaging:beta']);
    assert.deepEqual(await cids(clients.alice, mine, [{ created_at: -1 }]),
      ['team:gamma', 'messaging:beta', 'messaging:alpha']);
    assert.deepEqual(await cids(clients.alice, mine, [{ id: -1 }]),
      ['team:gamma', 'messaging:beta', 'messaging:alpha']);
    await serverClient.channel('messaging', 'alpha').update({ name: 'Alpha' });
    assert.deepEqual(await cids(clients.alice, mine, [{ updated_at: -1 }]),
      ['messaging:alpha', 'team:gamma', 'messaging:beta']);
  });

// alice's messaging:alpha, as she watches it.
let alpha;

async function watchAlpha() {
  [alpha] = await clients.alice.queryChannels({ cid: 'messaging:alpha' }, [], { watch: true });
}

test('members, server adds: member.added to watchers, notification.added_to_channel to the member',
  async () => {
    await watchAlpha();
    await connect('carol');
    const added = nextEvent(alpha, 'member.added');
    const notified = nextEvent(clients.carol, 'notification.added_to_channel');
    await serverClient.channel('messaging', 'alpha').addMembers(['carol']);
    const event = await added;
    assert.equal(event.cid, 'messaging:alpha');
    assert.equal(event.member.user_id, 'carol');
    assert.equal(event.member.user.name, 'Carol');
    assert.equal(event.user.id, 'carol');
    assert.equal(event.channel_last_message_at, times.alpha);
    const notification = await notified;
    assert.equal(notification.channel.cid, 'messaging:alpha');
    assert.equal(notification.member.user_id, 'carol');
    assert.equal(typeof notification.total_unread_count, 'number');
    assert.ok(alpha.state.members.carol);
  });

test('watching, user starts: user.watching.start to the other watchers', async () => {
  const started = nextEvent(alpha, 'user.watching.start');
  await clients.carol.channel('messaging', 'alpha').watch();
  const event = await started;
  assert.equal(event.user.id, 'carol');
  assert.equal(event.watcher_count, 2);
});

test('channel, server updates its data: channel.updated, with the channel and its members',
  async () => {
    const updated = nextEvent(alpha, 'channel.updated');
    await serverClient.channel('messaging', 'alpha').update({ name: 'Alpha, renamed' });
    const event = await updated;
    assert.equal(event.channel.name, 'Alpha, renamed');
    assert.deepEqual(event.channel.members.map((m) => m.user_id).sort(),
      ['alice', 'bob', 'carol']);
    assert.equal(event.channel_member_count, 3);
    assert.equal(alpha.data.name, 'Alpha, renamed');
  });

test('members, user removes: member.removed to watchers, notification.removed_from_channel',
  async () => {
    const removed = nextEvent(alpha, 'member.removed');
    const notified = nextEvent(clients.carol, 'notification.removed_from_channel');
    await alpha.removeMembers(['carol']);
    const event = await removed;
    assert.equal(event.member.user_id, 'carol');
    assert.equal(event.user.id, 'carol');
    const notification = await notified;
    assert.equal(notification.channel.cid, 'messaging:alpha');
    assert.equal(notification.member.user_id, 'carol');
    assert.equal(alpha.state.members.carol, undefined);
  });

test('members, user adds and server removes: the same events either way', async () => {
  const dave = await connect('dave');
  const added = nextEvent(alpha, 'member.added');
  const notified = nextEvent(dave, 'notification.added_to_channel');
  await alpha.addMembers(['dave']);
  assert.equal((await added).member.user_id, 'dave');
  assert.equal((await notified).channel.cid, 'messaging:alpha');

  const removed = nextEvent(alpha, 'member.removed');
  const told = nextEvent(dave, 'notification.removed_from_channel');
  await serverClient.channel('messaging', 'alpha').removeMembers(['dave']);
  assert.equal((await removed).member.user_id, 'dave');
  assert.equal((await told).member.user_id, 'dave');
});

test('mentions, user: sent as ids and come back as whole users, in events and state',
  async () => {
    const received = nextEvent(alpha, 'message.new', (e) => e.message.text === 'Hi @Bob');
    const { message } = await alpha.sendMessage({ text: 'Hi @Bob', mentioned_users: ['bob'] });
    assert.deepEqual(message.mentioned_users.map((u) => [u.id, u.name]), [['bob', 'Bob']]);
    const event = await received;
    assert.equal(event.message.mentioned_users[0].name, 'Bob');
    const [queried] = await clients.alice.queryChannels({ cid: 'messaging:alpha' });
    const stored = queried.state.messages.find((m) => m.id === message.id);
    assert.equal(stored.mentioned_users[0].name, 'Bob');
  });

test('mentions, user: mentions of users who do not exist, or more than 25, are refused',
  async () => {
    assert.match(await failure(alpha.sendMessage({ text: 'Hi', mentioned_users: ['nobody'] })),
      /^SendMessage failed with error: ".*mentioned_users but don't exist: \[nobody\]"$/);
    const many = Array.from({ length: 26 }, () => 'bob');
    assert.equal(await failure(alpha.sendMessage({ text: 'Hi', mentioned_users: many })),
      'SendMessage failed with error: "message.mentioned_users must contain at maximum 25 items"');
  });

test('mentions, server: ids, not user objects', async () => {
  const url = `${devserver.baseURL}/channels/messaging/alpha/message`;
  assert.equal(await failure(serverClient.post(url,
    { message: { text: 'Hi', user_id: 'bob', mentioned_users: [{ id: 'alice' }] } })),
  'SendMessage failed with error: "expected string for field "message.mentioned_users[0]" ' +
    'but got object"');
});

test('mentions, user and server: updating a message changes its mentions', async () => {
  const { message } = await alpha.sendMessage({ text: 'Hi @Bob', mentioned_users: ['bob'] });
  const updated = nextEvent(alpha, 'message.updated');
  const answer = await clients.alice.updateMessage(
    { id: message.id, text: 'Hi @Carol', mentioned_users: ['carol'] });
  assert.deepEqual(answer.message.mentioned_users.map((u) => u.name), ['Carol']);
  assert.deepEqual((await updated).message.mentioned_users.map((u) => u.id), ['carol']);

  const again = await serverClient.updateMessage(
    { id: message.id, text: 'Hi @Erin', mentioned_users: ['erin'] }, 'alice');
  assert.deepEqual(again.message.mentioned_users.map((u) => u.name), ['Erin']);
  assert.match(await failure(serverClient.updateMessage(
    { id: message.id, text: 'Hi', mentioned_users: ['nobody'] }, 'alice')),
  /^UpdateMessage failed with error: ".*\[nobody\]"$/);
});

// A thread in messaging:beta: bob's parent, alice's five replies.
let beta;
let parent;
const replies = [];

test('replies, user: the parent counts its replies, which stay out of the channel', async () => {
  [beta] = await clients.alice.queryChannels({ cid: 'messaging:beta' });
  ({ message: parent } = await serverClient.channel('messaging', 'beta')
    .sendMessage({ text: 'Parent', user_id: 'bob' }));
  for (let i = 0; i < 5; i++) {
    const { message } = await beta.sendMessage({ text: `Reply ${i}`, parent_id: parent.id });
    replies.push(message);
  }
  const [queried] = await clients.alice.queryChannels({ cid: 'messaging:beta' });
  const stored = queried.state.messages.find((m) => m.id === parent.id);
  assert.equal(stored.reply_count, 5);
  assert.ok(!queried.state.messages.some((m) => m.parent_id === parent.id));
});

test('replies, user: getReplies pages as the SDK asks, oldest first', async () => {
  const texts = (response) => response.messages.map((m) => m.text);
  assert.deepEqual(texts(await beta.getReplies(parent.id, { limit: 2 })),
    ['Reply 0', 'Reply 1']);
  assert.deepEqual(texts(await beta.getReplies(parent.id, { limit: 2, id_lt: replies[4].id })),
    ['Reply 2', 'Reply 3']);
  assert.deepEqual(texts(await beta.getReplies(parent.id, { id_gt: replies[1].id })),
    ['Reply 2', 'Reply 3', 'Reply 4']);
  assert.deepEqual(texts(await beta.getReplies(parent.id, { id_lte: replies[1].id })),
    ['Reply 0', 'Reply 1']);
  assert.deepEqual(texts(await beta.getReplies(parent.id, { limit: 2, offset: 3 })),
    ['Reply 3', 'Reply 4']);
});

test('replies, server: getReplies, and a parent that does not exist', async () => {
  const response = await serverClient.channel('messaging', 'beta').getReplies(parent.id, {});
  assert.equal(response.messages.length, 5);
  assert.equal(response.messages[0].parent_id, parent.id);
  await failure(serverClient.channel('messaging', 'beta').getReplies('no-such-message', {}),
    16);
});

// messaging:alpha as the server-side client sees it.
const backendAlpha = () => serverClient.channel('messaging', 'alpha');

test('server side: sendMessage takes user_id or user, not both, not neither', async () => {
  const sent = await backendAlpha().sendMessage({ text: 'Hi', user: { id: 'bob' } });
  assert.equal(sent.message.user.id, 'bob');
  assert.equal((await backendAlpha().sendMessage({ text: 'Hi', user_id: 'bob' })).message.user.id,
    'bob');
  assert.equal(await failure(backendAlpha().sendMessage({ text: 'Hi', user: { id: 'bob' },
                                                   user_id: 'bob' })),
  'SendMessage failed with error: "cannot set both message.user and message.user_id."');
  assert.equal(await failure(backendAlpha().sendMessage({ text: 'Hi' })),
    'SendMessage failed with error: "either message.user or message.user_id must be ' +
    'provided when using server side auth."');
});

test('server side: markRead and markAllRead take user_id or user, not both', async () => {
  const read = await backendAlpha().markAsReadRequest({ user: { id: 'alice' } });
  assert.equal(read.event.user.id, 'alice');
  assert.equal(await failure(backendAlpha().markAsReadRequest({ user: { id: 'alice' },
                                                         user_id: 'alice' })),
  'MarkRead failed with error: "cannot set both user and user_id."');
  assert.equal(await failure(backendAlpha().markAsReadRequest({})),
    'MarkRead failed with error: "either user or user_id must be provided when using server ' +
    'side auth."');
  await serverClient.markAllRead({ user: { id: 'alice' } });
  assert.equal(await failure(serverClient.markAllRead({ user: { id: 'alice' },
                                                        user_id: 'alice' })),
  'MarkAllRead failed with error: "cannot set both user and user_id."');
});

test('server side: sendEvent and updateMessage take user_id or user', async () => {
  const sent = await backendAlpha().sendEvent({ type: 'typing.start', user: { id: 'bob' } });
  assert.equal(sent.event.user.id, 'bob');
  assert.equal(await failure(backendAlpha().sendEvent({ type: 'typing.start', user: { id: 'bob' },
                                                 user_id: 'bob' })),
  'SendEvent failed with error: "cannot set both event.user and event.user_id."');
  const { message } = await backendAlpha().sendMessage({ text: 'To edit', user_id: 'bob' });
  const edited = await serverClient.updateMessage({ id: message.id, text: 'Edited' },
    { id: 'bob' });
  assert.equal(edited.message.text, 'Edited');
  assert.equal(await failure(serverClient.updateMessage({ id: message.id, text: 'Again' })),
    'UpdateMessage failed with error: "either message.user or message.user_id must be ' +
    'provided when using server side auth."');
});

test('server side: skips permission checks: sends as, marks read for, a user who is no member',
  async () => {
    const [watched] = await clients.alice.queryChannels({ cid: 'messaging:alpha' }, [],
      { watch: true });
    const received = nextEvent(watched, 'message.new', (e) => e.user.id === 'erin');
    const { message } = await backendAlpha().sendMessage({ text: 'From outside', user_id: 'erin' });
    assert.equal(message.user.id, 'erin');
    assert.equal((await received).message.text, 'From outside');
    const read = await backendAlpha().markAsReadRequest({ user_id: 'erin' });
    assert.equal(read.event.user.id, 'erin');
    // A user is still held to them.
    const erin = await connect('erin');
    await failure(erin.channel('messaging', 'alpha').sendMessage({ text: 'Let me in' }), 17);
  });

test('server side: queryChannels refuses watch and presence, with Stream\'s error', async () => {
  const refusal = 'QueryChannels failed with error: "Watch or Presence requires an active ' +
    'websocket connection, please make sure to include your websocket connection_id"';
  assert.equal(await failure(cids(serverClient, {}, [], { watch: true })), refusal);
  assert.equal(await failure(cids(serverClient, {}, [], { presence: true })), refusal);
  assert.equal((await cids(serverClient, {}, [], { state: true })).length, 4);
  assert.equal(await failure(cids(serverClient, {}, [],
    { user_id: 'alice', user: { id: 'alice' } })),
  'QueryChannels failed with error: "cannot set both user and user_id."');
});
