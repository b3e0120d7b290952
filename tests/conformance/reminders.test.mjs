// The official SDK against the devserver's message reminders (issue 17 items 2 and 6):
// createReminder, updateReminder, deleteReminder and queryReminders as stream-chat-js calls them,
// the reminder.* events its ReminderManager follows, the channel type's user_message_reminders
// switch (off until turned on, as Stream has it), and notification.reminder_due when the clock
// passes a reminder's time.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Devserver, nextEvent } from './devserver.mjs';

let devserver;
let serverClient;
let ana;
let anaElsewhere;
let messages;

const inMinutes = (minutes) => new Date(Date.now() + minutes * 60 * 1000).toISOString();

before(async () => {
  devserver = await Devserver.start();
  ({ serverClient } = devserver);
  await serverClient.upsertUsers([{ id: 'ana', name: 'Ana' }, { id: 'ben', name: 'Ben' }]);
  ana = devserver.userClient();
  await ana.connectUser({ id: 'ana' }, serverClient.createToken('ana'));
  anaElsewhere = devserver.userClient();
  await anaElsewhere.connectUser({ id: 'ana' }, serverClient.createToken('ana'));
  anaElsewhere.reminders.registerSubscriptions();
  // Team channels keep reminders off; messaging ones get them once the type turns them on.
  for (const type of ['messaging', 'team']) {
    await serverClient.channel(type, 'notes', { created_by_id: 'ben', members: ['ana', 'ben'] })
      .create();
  }
  messages = [];
  for (const text of ['first', 'second', 'third']) {
    const { message } = await serverClient.channel('messaging', 'notes')
      .sendMessage({ text, user_id: 'ben' });
    messages.push(message);
  }
});

after(async () => {
  await ana.disconnectUser();
  await anaElsewhere.disconnectUser();
  await devserver.stop();
});

test('reminders are off until the channel type turns them on', async () => {
  const type = await serverClient.getChannelType('messaging');
  assert.equal(type.user_message_reminders, false);
  await assert.rejects(ana.createReminder({ messageId: messages[0].id, remind_at: inMinutes(5) }),
                       /reminders are not enabled/);

  const updated = await serverClient.updateChannelType('messaging',
                                                       { user_message_reminders: true });
  assert.equal(updated.user_message_reminders, true);
  const team = await serverClient.channel('team', 'notes')
    .sendMessage({ text: 'in team', user_id: 'ben' });
  await assert.rejects(ana.createReminder({ messageId: team.message.id }),
                       /reminders are not enabled/);
});

test('createReminder answers the reminder and tells every device reminder.created', async () => {
  const created = nextEvent(anaElsewhere, 'reminder.created');
  const remindAt = inMinutes(30);

  const { reminder } = await ana.createReminder({ messageId: messages[0].id,
                                                  remind_at: remindAt });

  assert.equal(reminder.message_id, messages[0].id);
  assert.equal(reminder.channel_cid, 'messaging:notes');
  assert.equal(reminder.user_id, 'ana');
  assert.equal(reminder.user.id, 'ana');
  assert.equal(reminder.message.text, 'first');
  assert.equal(new Date(reminder.remind_at).getTime(), new Date(remindAt).getTime());
  assert.ok(reminder.created_at && reminder.updated_at);
  const event = await created;
  assert.equal(event.reminder.message_id, messages[0].id);
  assert.equal(event.message_id, messages[0].id);
  // The SDK's own state follows the events.
  await assert.rejects(ana.createReminder({ messageId: messages[0].id }),
                       /already has reminder created for this message_id/);
});

test('updateReminder moves it, reminder.updated tells the other device', async () => {
  const updated = nextEvent(anaElsewhere, 'reminder.updated');
  const remindAt = inMinutes(90);

  const { reminder } = await ana.updateReminder({ messageId: messages[0].id,
                                                  remind_at: remindAt });

  assert.equal(new Date(reminder.remind_at).getTime(), new Date(remindAt).getTime());
  assert.ok(reminder.updated_at > reminder.created_at);
  assert.equal((await updated).reminder.remind_at, reminder.remind_at);
  await assert.rejects(ana.updateReminder({ messageId: messages[1].id, remind_at: remindAt }),
                       /reminder does not exist/);
});

test('queryReminders filters and sorts; the ReminderManager reads the same', async () => {
  await ana.createReminder({ messageId: messages[1].id, remind_at: inMinutes(10) });
  await ana.createReminder({ messageId: messages[2].id }); // a bookmark, no time
  await serverClient.createReminder({ messageId: messages[1].id, user_id: 'ben',
                                      remind_at: inMinutes(1) });

  const all = await ana.queryReminders({ sort: { remind_at: 1 } });
  assert.deepEqual(all.reminders.map((r) => r.message.text), ['second', 'first', 'third']);
  const latestFirst = await ana.queryReminders({ sort: [{ created_at: -1 }] });
  assert.deepEqual(latestFirst.reminders.map((r) => r.message.text),
                   ['third', 'second', 'first']);
  const timed = await ana.queryReminders({ filter: { remind_at: { $exists: true } },
                                           sort: { remind_at: -1 } });
  assert.deepEqual(timed.reminders.map((r) => r.message.text), ['first', 'second']);
  const soon = await ana.queryReminders({ filter: { remind_at: { $lt: inMinutes(60) } } });
  assert.deepEqual(soon.reminders.map((r) => r.message.text), ['second']);
  const byMessage = await ana.queryReminders({ filter: { message_id: { $in: [messages[2].id] } } });
  assert.deepEqual(byMessage.reminders.map((r) => r.message_id), [messages[2].id]);
  const paged = await ana.queryReminders({ sort: { remind_at: 1 }, limit: 2 });
  assert.equal(paged.reminders.length, 2);
  const rest = await ana.queryReminders({ sort: { remind_at: 1 }, limit: 2, next: paged.next });
  assert.deepEqual(rest.reminders.map((r) => r.message.text), ['third']);
  await assert.rejects(ana.queryReminders({ sort: { message_id: 1 } }), /cannot sort by/);

  await anaElsewhere.reminders.queryNextReminders();
  assert.equal(anaElsewhere.reminders.getFromState(messages[1].id).remindAt.getTime(),
               new Date(soon.reminders[0].remind_at).getTime());
});

test('deleteReminder removes it everywhere', async () => {
  const deleted = nextEvent(anaElsewhere, 'reminder.deleted');
  assert.ok(anaElsewhere.reminders.getFromState(messages[2].id));

  await ana.deleteReminder(messages[2].id);

  assert.equal((await deleted).message_id, messages[2].id);
  assert.equal(anaElsewhere.reminders.getFromState(messages[2].id), undefined);
  const { reminders } = await ana.queryReminders({ filter: { message_id: messages[2].id } });
  assert.equal(reminders.length, 0);
  await assert.rejects(ana.deleteReminder(messages[2].id), /reminder does not exist/);
});

test('notification.reminder_due reaches the SDK once the clock passes the time', async () => {
  const due = nextEvent(ana, 'notification.reminder_due',
                        (event) => event.reminder.message_id === messages[1].id);

  // Ana's reminder on "second" is 10 minutes away; Ben's, 1 minute away, is his alone.
  await serverClient.post(`${devserver.baseURL}/_dev/clock`, { seconds: 11 * 60 });

  const event = await due;
  assert.equal(event.cid, 'messaging:notes');
  assert.equal(event.user_id, 'ana');
  assert.equal(event.message.text, 'second');
  assert.equal(event.reminder.user_id, 'ana');
  // A due reminder stays listed until deleted.
  const { reminders } = await ana.queryReminders({ filter: { message_id: messages[1].id } });
  assert.equal(reminders.length, 1);
});

test('a reminder a second away falls due by the real clock', async () => {
  await ana.deleteReminder(messages[1].id);
  const due = nextEvent(anaElsewhere, 'notification.reminder_due');

  await ana.createReminder({ messageId: messages[1].id,
                            remind_at: new Date(Date.now() + 11 * 60 * 1000 + 500)
                              .toISOString() });

  // The devserver's clock is 11 minutes ahead (the test before): half a second of it is left.
  assert.equal((await due).reminder.message_id, messages[1].id);
});
