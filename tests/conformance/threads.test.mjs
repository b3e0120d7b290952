// The official SDK against the devserver's threads (issue 17 items 3 and 6): a reply in a
// thread reaches the other participants as notification.thread_message_new with their thread
// counts (Stream's NotificationThreadMessageNewEvent: thread, unread_threads,
// unread_thread_messages), getUnreadCount lists the thread, channel.markRead({thread_id}) and
// Thread.markAsRead clear it (message.read with the thread, notification.mark_read with the
// counts), and queryThreads/getThread give the threads a user takes part in.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver, nextEvent } from './devserver.mjs';

let devserver;
let serverClient;
const clients = {};
let parent;

async function connect(id) {
  const client = devserver.userClient();
  await client.connectUser({ id }, serverClient.createToken(id));
  clients[id] = client;
  return client;
}

before(async () => {
  devserver = await Devserver.start();
  ({ serverClient } = devserver);
  await serverClient.upsertUsers(['ana', 'ben', 'cleo'].map((id) => ({ id, name: id })));
  await serverClient.channel('messaging', 'plans', { created_by_id: 'ana',
                                                    members: ['ana', 'ben', 'cleo'] }).create();
  for (const id of ['ana', 'ben', 'cleo']) await connect(id);
  ({ message: parent } = await clients.ana.channel('messaging', 'plans')
    .sendMessage({ text: 'Offsite in May?' }));
});

after(async () => {
  for (const client of Object.values(clients)) await client.disconnectUser();
  await devserver.stop();
});

test('a reply notifies the parent\'s author, not the replier nor who takes no part', async () => {
  const toAna = nextEvent(clients.ana, 'notification.thread_message_new');
  let cleoHeard = false;
  const listener = clients.cleo.on('notification.thread_message_new', () => { cleoHeard = true; });

  const { message: reply } = await clients.ben.channel('messaging', 'plans')
    .sendMessage({ text: 'Yes, the 12th', parent_id: parent.id });

  const event = await toAna;
  assert.equal(event.cid, 'messaging:plans');
  assert.equal(event.message.id, reply.id);
  assert.equal(event.message.parent_id, parent.id);
  assert.equal(event.thread.parent_message_id, parent.id);
  assert.equal(event.thread.channel_cid, 'messaging:plans');
  assert.equal(event.thread.reply_count, 1);
  assert.deepEqual(event.thread.thread_participants.map((p) => p.user_id), ['ana', 'ben']);
  assert.equal(event.unread_threads, 1);
  assert.equal(event.unread_thread_messages, 1);
  // A reply that stays in its thread is no unread channel message.
  assert.equal((await clients.ana.getUnreadCount()).total_unread_count, 0);
  assert.equal(cleoHeard, false);
  listener.unsubscribe();
});

test('getUnreadCount and me.unread_threads count the thread', async () => {
  const unread = await clients.ana.getUnreadCount();

  assert.equal(unread.total_unread_threads_count, 1);
  assert.equal(unread.threads.length, 1);
  assert.equal(unread.threads[0].parent_message_id, parent.id);
  assert.equal(unread.threads[0].unread_count, 1);
  assert.equal((await clients.ben.getUnreadCount()).total_unread_threads_count, 0);

  const again = devserver.userClient();
  const me = await again.connectUser({ id: 'ana' }, serverClient.createToken('ana'));
  assert.equal(me.me.unread_threads, 1);
  await again.disconnectUser();
});

test('a second reply: one thread, two unread replies; the repliers take part', async () => {
  const toAna = nextEvent(clients.ana, 'notification.thread_message_new');
  const toBen = nextEvent(clients.ben, 'notification.thread_message_new');

  await clients.cleo.channel('messaging', 'plans')
    .sendMessage({ text: 'Fine by me', parent_id: parent.id });

  const [ana, ben] = await Promise.all([toAna, toBen]);
  assert.equal(ana.unread_threads, 1);
  assert.equal(ana.unread_thread_messages, 2);
  assert.equal(ben.unread_threads, 1);
  assert.equal(ben.unread_thread_messages, 1);
});

test('markRead with thread_id clears the thread for that user only', async () => {
  const channel = clients.ana.channel('messaging', 'plans');
  await channel.watch();
  const read = nextEvent(channel, 'message.read', (e) => e.thread !== undefined);
  const marked = nextEvent(clients.ana, 'notification.mark_read', (e) => e.thread_id === parent.id);

  await channel.markRead({ thread_id: parent.id });

  assert.equal((await read).thread.parent_message_id, parent.id);
  assert.equal((await read).user.id, 'ana');
  assert.equal((await marked).unread_threads, 0);
  const unread = await clients.ana.getUnreadCount();
  assert.equal(unread.total_unread_threads_count, 0);
  assert.deepEqual(unread.threads, []);
  assert.equal((await clients.ben.getUnreadCount()).total_unread_threads_count, 1);
});

test('queryThreads and getThread: the threads a user takes part in, with read state', async () => {
  const { threads } = await clients.ben.queryThreads({ reply_limit: 10 });

  assert.equal(threads.length, 1);
  const thread = threads[0];
  assert.equal(thread.id, parent.id);
  assert.equal(thread.channel.cid, 'messaging:plans');
  const state = thread.state.getLatestValue();
  assert.equal(state.parentMessage.text, 'Offsite in May?');
  assert.deepEqual(state.replies.map((r) => r.text), ['Yes, the 12th', 'Fine by me']);
  assert.equal(state.replyCount, 2);
  assert.equal(thread.ownUnreadCount, 1);

  const single = await clients.ana.getThread(parent.id);
  assert.equal(single.id, parent.id);
  assert.equal(single.ownUnreadCount, 0);
  assert.deepEqual((await clients.cleo.queryThreads()).threads.map((t) => t.id), [parent.id]);
});

test('Thread.markAsRead reads the thread for the SDK\'s user', async () => {
  // The SDK marks a thread read through its channel, which it must have watched.
  await clients.ben.channel('messaging', 'plans').watch();
  const { threads } = await clients.ben.queryThreads();
  const marked = nextEvent(clients.ben, 'notification.mark_read', (e) => e.thread_id === parent.id);

  await threads[0].markAsRead();

  assert.equal((await marked).unread_threads, 0);
  assert.equal((await clients.ben.getUnreadCount()).total_unread_threads_count, 0);
  assert.equal((await clients.ben.getThread(parent.id)).ownUnreadCount, 0);
});

test('a muted replier\'s reply is not counted as unread', async () => {
  await clients.ana.muteUser('cleo');
  await clients.cleo.channel('messaging', 'plans')
    .sendMessage({ text: 'Muted words', parent_id: parent.id });
  assert.equal((await clients.ana.getUnreadCount()).total_unread_threads_count, 0);
  assert.equal((await clients.ben.getUnreadCount()).total_unread_threads_count, 1);
  await clients.ana.unmuteUser('cleo');
});
