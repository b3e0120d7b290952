// The official SDK against the devserver's channel invites (issue 17 items 1 and 6): invite
// by update and by creation, accept and reject (Channel.acceptInvite/rejectInvite), the member
// fields and events Stream sends for them, the unread counts a pending invite does not raise,
// queryChannels' invite filter; and notification.added_to_channel with the channel's title and
// members.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver, nextEvent } from './devserver.mjs';

let devserver;
let serverClient;
const clients = {};

async function connect(id) {
  const client = devserver.userClient();
  await client.connectUser({ id }, serverClient.createToken(id));
  clients[id] = client;
  return client;
}

async function inviteCids(client, status) {
  const channels = await client.queryChannels({ invite: status }, [{ created_at: 1 }],
                                              { watch: false, state: true });
  return channels.map((channel) => channel.cid);
}

function memberOf(response, id) {
  return response.members.find((member) => member.user_id === id);
}

before(async () => {
  devserver = await Devserver.start();
  ({ serverClient } = devserver);
  await serverClient.upsertUsers(['ana', 'ben', 'cleo', 'dana']
    .map((id) => ({ id, name: id[0].toUpperCase() + id.slice(1) })));
  for (const id of ['ana', 'ben', 'cleo', 'dana']) await connect(id);
});

after(async () => {
  for (const client of Object.values(clients)) await client.disconnectUser();
  await devserver.stop();
});

test('inviteMembers: the invitee hears notification.invited, watchers member.added', async () => {
  const ana = clients.ana;
  const channel = ana.channel('messaging', 'design', { name: 'Design', members: ['ana'] });
  await channel.watch();
  const invited = nextEvent(clients.ben, 'notification.invited');
  const added = nextEvent(channel, 'member.added');

  const response = await channel.inviteMembers(['ben']);

  assert.equal(memberOf(response, 'ben').invited, true);
  assert.equal(memberOf(response, 'ben').invite_accepted_at, undefined);
  const event = await invited;
  assert.equal(event.cid, 'messaging:design');
  assert.equal(event.channel.name, 'Design');
  assert.equal(event.member.user_id, 'ben');
  assert.equal(event.member.invited, true);
  assert.deepEqual(event.channel.members.map((member) => member.user_id).sort(),
                   ['ana', 'ben']);
  assert.equal((await added).member.user_id, 'ben');
  assert.deepEqual(await inviteCids(clients.ben, 'pending'), ['messaging:design']);
  assert.deepEqual(await inviteCids(clients.ben, 'accepted'), []);
});

test('a pending invite counts no unread messages', async () => {
  const before = (await clients.ben.getUnreadCount()).total_unread_count;
  await clients.ana.channel('messaging', 'design').sendMessage({ text: 'Mock-ups are in' });
  const unread = await clients.ben.getUnreadCount();

  assert.equal(unread.total_unread_count, before);
  assert.equal((unread.channels.find((c) => c.channel_id === 'messaging:design')
                ?.unread_count) ?? 0, 0);
});

test('acceptInvite: notification.invite_accepted to the invitee, member.updated', async () => {
  const ben = clients.ben;
  const watched = clients.ana.channel('messaging', 'design');
  const accepted = nextEvent(ben, 'notification.invite_accepted');
  const updated = nextEvent(watched, 'member.updated', (e) => e.member?.user_id === 'ben');

  const response = await ben.channel('messaging', 'design')
    .acceptInvite({ message: { text: 'Ben joined' } });

  assert.ok(memberOf(response, 'ben').invite_accepted_at);
  assert.equal(response.message.text, 'Ben joined');
  const event = await accepted;
  assert.equal(event.cid, 'messaging:design');
  assert.equal(event.member.user_id, 'ben');
  assert.ok(event.member.invite_accepted_at);
  assert.ok((await updated).member.invite_accepted_at);
  assert.deepEqual(await inviteCids(ben, 'accepted'), ['messaging:design']);
  assert.deepEqual(await inviteCids(ben, 'pending'), []);

  // Accepted, the channel counts unread messages like any other.
  const before = (await ben.getUnreadCount()).total_unread_count;
  await clients.ana.channel('messaging', 'design').sendMessage({ text: 'Welcome' });
  assert.equal((await ben.getUnreadCount()).total_unread_count, before + 1);

  // An invite answered already cannot be answered again.
  await assert.rejects(ben.channel('messaging', 'design').rejectInvite(),
                       /no pending invite/);
});

test('create with invites, then rejectInvite server side', async () => {
  const invited = nextEvent(clients.cleo, 'notification.invited');
  await serverClient.channel('messaging', 'ops-review', {
    name: 'Ops review', created_by_id: 'dana', members: ['dana'], invites: ['cleo'],
  }).create();
  const event = await invited;
  assert.equal(event.channel.name, 'Ops review');
  assert.equal(event.channel.invites, undefined);

  const rejected = nextEvent(clients.cleo, 'notification.invite_rejected');
  const response = await serverClient.channel('messaging', 'ops-review')
    .rejectInvite({ user_id: 'cleo' });
  assert.ok(memberOf(response, 'cleo').invite_rejected_at);
  assert.ok((await rejected).member.invite_rejected_at);
  assert.deepEqual(await inviteCids(clients.cleo, 'rejected'), ['messaging:ops-review']);
  assert.deepEqual(await inviteCids(clients.cleo, 'pending'), []);
});

test('acceptInvite without an invite fails', async () => {
  await assert.rejects(clients.ana.channel('messaging', 'design').acceptInvite(),
                       /no pending invite/);
});

test('notification.added_to_channel has the channel with its title and members', async () => {
  const added = nextEvent(clients.ben, 'notification.added_to_channel',
                          (e) => e.cid === 'messaging:ops');
  const ops = clients.dana.channel('messaging', 'ops', { name: 'Ops', members: ['dana'] });
  await ops.create();
  await ops.addMembers(['ben']);

  const event = await added;
  assert.equal(event.channel.name, 'Ops');
  assert.deepEqual(event.channel.members.map((member) => member.user_id).sort(),
                   ['ben', 'dana']);
  assert.equal(event.member.user_id, 'ben');
  assert.equal(event.member.invited, undefined);
});
