// The official Stream Chat JavaScript SDK receiving message.new, for tests/bench-daemon.c.
//
// The benchmark holds the SDK's CPU time for receiving, decoding and applying the frames
// against the daemon's. Run with the working directory tests/conformance (its node_modules)
// and, in the environment (never argv, which other users can read):
//   STRAY_BENCH_BASE_URL  the devserver, http://127.0.0.1:PORT
//   STRAY_BENCH_API_KEY   its API key
//   STRAY_BENCH_USER      the user to connect as ("sdk")
//   STRAY_BENCH_TOKEN     that user's token
//   STRAY_BENCH_CID       the channel to count message.new in ("messaging:bench")
//   STRAY_BENCH_EXPECTED  how many message.new to wait for
// It connects, queries its channels with watch, prints "ready", counts message.new, prints
// "done N" once N reached the expected count, and disconnects when its stdin closes (so that
// the benchmark can read its CPU time and memory while it still runs).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { StreamChat } from 'stream-chat';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`bench-sdk-receive: set ${name}`);
    process.exit(2);
  }
  return value;
}

const baseURL = required('STRAY_BENCH_BASE_URL');
const apiKey = required('STRAY_BENCH_API_KEY');
const userId = required('STRAY_BENCH_USER');
const token = required('STRAY_BENCH_TOKEN');
const cid = required('STRAY_BENCH_CID');
const expected = Number.parseInt(required('STRAY_BENCH_EXPECTED'), 10);

const client = new StreamChat(apiKey, { baseURL, allowServerSideConnect: true, timeout: 30000 });
let count = 0;
let finished = false;

client.on('message.new', (event) => {
  if (event.cid !== cid || finished) return;
  count += 1;
  if (count >= expected) {
    finished = true;
    process.stdout.write(`done ${count}\n`);
  }
});

await client.connectUser({ id: userId }, token);
const channels = await client.queryChannels(
  { members: { $in: [userId] } },
  [{ last_message_at: -1 }],
  { watch: true, state: true, limit: 30 },
);
if (!channels.some((channel) => channel.cid === cid)) {
  console.error(`bench-sdk-receive: ${userId} is not a member of ${cid}`);
  process.exit(1);
}
process.stdout.write('ready\n');

process.stdin.resume();
process.stdin.on('end', async () => {
  await client.disconnectUser();
  process.exit(finished ? 0 : 1);
});
