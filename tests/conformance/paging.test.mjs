// The official SDK against the devserver's message pagination in a channel's query (Stream's
// Channel Pagination docs: messages {limit, id_lt, id_gt, id_lte, id_gte, id_around}): the window
// opens a channel at an old message (a due reminder's Open) with id_around, and the SDK's
// channel.query pages older and newer from there, oldest first in every answer.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver } from './devserver.mjs';

let devserver;
let ana;
let channel;
const ids = [];
const texts = (messages) => messages.map((message) => message.text);
const numbers = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

before(async () => {
  devserver = await Devserver.start();
  const { serverClient } = devserver;
  await serverClient.upsertUsers([{ id: 'ana' }, { id: 'ben' }]);
  const serverChannel = serverClient.channel('messaging', 'history',
                                             { created_by_id: 'ben', members: ['ana', 'ben'] });
  await serverChannel.create();
  for (let i = 0; i < 40; i++) {
    const { message } = await serverChannel.sendMessage({ text: `m${i}`, user_id: 'ben' });
    ids.push(message.id);
  }
  // A thread's reply is no part of the channel's pages.
  await serverChannel.sendMessage({ text: 'in a thread', user_id: 'ben', parent_id: ids[10] });
  ana = devserver.userClient();
  await ana.connectUser({ id: 'ana' }, serverClient.createToken('ana'));
  channel = ana.channel('messaging', 'history');
});

after(async () => {
  await ana.disconnectUser();
  await devserver.stop();
});

test('without a cursor the query gives the newest messages, oldest first', async () => {
  const { messages } = await channel.query({ messages: { limit: 5 } });
  assert.deepEqual(texts(messages), numbers(35, 39));
});

test('id_around gives the page with the message in its middle', async () => {
  const { messages } = await channel.query({ messages: { limit: 10, id_around: ids[20] } });
  assert.deepEqual(texts(messages), numbers(15, 24));
  // As the SDK's messagePaginationIdAround reads it: the message at the page's middle.
  assert.equal(messages[Math.floor(messages.length / 2)].id, ids[20]);
});

test('id_around near either end tops the page up from the other side', async () => {
  const near_start = await channel.query({ messages: { limit: 10, id_around: ids[2] } });
  assert.deepEqual(texts(near_start.messages), numbers(0, 9));
  const near_end = await channel.query({ messages: { limit: 10, id_around: ids[38] } });
  assert.deepEqual(texts(near_end.messages), numbers(30, 39));
});

test('id_lt and id_lte page older, id_gt and id_gte newer', async () => {
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_lt: ids[20] } })).messages),
                   numbers(15, 19));
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_lte: ids[20] } })).messages),
                   numbers(16, 20));
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_gt: ids[20] } })).messages),
                   numbers(21, 25));
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_gte: ids[20] } })).messages),
                   numbers(20, 24));
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_lt: ids[2] } })).messages),
                   numbers(0, 1));
  assert.deepEqual(texts((await channel.query({ messages: { limit: 5, id_gt: ids[39] } })).messages),
                   []);
});

test('the SDK loads a message into its state as jumping to it does', async () => {
  // A client of its own, whose state holds no other page of the channel.
  const anaElsewhere = devserver.userClient();
  await anaElsewhere.connectUser({ id: 'ana' }, devserver.serverClient.createToken('ana'));
  const elsewhere = anaElsewhere.channel('messaging', 'history');
  await elsewhere.query({ messages: { limit: 5 } });
  await elsewhere.state.loadMessageIntoState(ids[5], undefined, 10);
  assert.deepEqual(texts(elsewhere.state.messages), numbers(0, 9));
  await anaElsewhere.disconnectUser();
});
