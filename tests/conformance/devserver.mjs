// The devserver for the conformance tests: started on a free loopback port for one test file,
// with the official SDK's clients pointed at it, and stopped cleanly at the end.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { StreamChat } from 'stream-chat';

export const API_KEY = 'conformance-key';
export const SECRET = 'conformance-secret-0123456789';
export const TIMEOUT_MS = 10000;

// Resolves with the next event of `type` on `emitter` (a client or a channel), or fails.
export function nextEvent(emitter, type, predicate = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`no ${type} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const subscription = emitter.on(type, (event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(event);
    });
  });
}

// connectUser rejects with an Error whose message is JSON: {code, StatusCode, message, …}.
export async function connectError(client, user, token) {
  try {
    await client.connectUser(user, token);
  } catch (error) {
    return JSON.parse(error.message);
  } finally {
    await client.disconnectUser().catch(() => {});
  }
  assert.fail('connectUser succeeded');
}

// A running devserver: its base URL, a server-side client, and user-side clients on demand.
export class Devserver {
  static async start() {
    const binary = process.env.STRAY_DEVSERVER;
    assert.ok(binary, 'STRAY_DEVSERVER must name the devserver binary');
    const process_ = spawn(binary, ['--api-key', API_KEY, '--health-interval', '30'], {
      env: { ...process.env, STREAM_TRAY_DEVSERVER_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: process_.stdout });
    const [line] = await Promise.race([
      once(lines, 'line'),
      once(process_, 'exit').then(([code]) => {
        throw new Error(`devserver exited with ${code} before it was ready`);
      }),
    ]);
    const match = /^ready (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(match, `devserver said "${line}"`);
    return new Devserver(process_, match[1]);
  }

  constructor(process_, baseURL) {
    this.process = process_;
    this.baseURL = baseURL;
    this.serverClient = new StreamChat(API_KEY, SECRET, { baseURL, timeout: 3000 });
  }

  userClient(apiKey = API_KEY) {
    return new StreamChat(apiKey, { baseURL: this.baseURL, allowServerSideConnect: true,
                                    timeout: 3000 });
  }

  // A clean exit: under the sanitizers a leak or a fault would show here.
  async stop() {
    this.process.kill('SIGTERM');
    const [code, signal] = await once(this.process, 'exit');
    assert.equal(signal, null);
    assert.equal(code, 0);
  }
}
