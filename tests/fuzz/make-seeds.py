#!/usr/bin/env python3
"""make-seeds.py DEVSERVER: writes the seed corpora of tests/fuzz/corpus/ afresh.

Everything comes from the project itself (README.md here says what from where):
  frame/      the event fixtures of tests/data/events/, one compact line each, and a few
              sequences of them
  rest/       the answers of the devserver (DEVSERVER, the demo scenario) to the calls the
              client makes, each behind the byte that chooses its kind in fuzz-rest.c
  devserver/  the requests those calls are (as bytes on the wire), and a WebSocket session
  jwt/        tokens signed with fuzz-jwt.c's secret, and user ids for its round trip
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
EVENTS = HERE.parent / "data" / "events"
CORPUS = HERE / "corpus"
SECRET = b"stream-tray-fuzz-secret"  # fuzz-jwt.c and fuzz-devserver.c sign with it
API_KEY = "stream-tray-dev"
USER = "alice"  # the demo scenario's user


def compact(text):
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}"
    digest = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def dev_token(user_id):
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = base64.b64encode(json.dumps({"user_id": user_id}).encode()).decode()
    return f"{header}.{body}.devtoken"


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def frames():
    lines = {}
    for path in sorted(EVENTS.glob("*.json")):
        lines[path.stem] = compact(path.read_text())
        write("frame", path.stem, lines[path.stem] + "\n")
    # Sequences whose later frames act on what the earlier ones made.
    sequences = {
        "seq-added-new-read": ["notification.added_to_channel", "message.new",
                               "notification.message_new", "message.read"],
        "seq-new-updated-deleted": ["notification.message_new", "message.updated",
                                    "message.deleted", "message.undeleted"],
        "seq-mute-hide-truncate": ["channel.muted", "channel.hidden", "channel.visible",
                                   "channel.truncated", "notification.mark_unread"],
        "seq-members-removed": ["member.added", "member.updated", "member.removed",
                                "notification.removed_from_channel", "channel.deleted"],
    }
    for name, events in sequences.items():
        write("frame", name, "".join(lines[event] + "\n" for event in events))


class Devserver:
    def __init__(self, program):
        self.process = subprocess.Popen(
            [program, "--scenario", "demo", "--allow-dev-tokens", "--health-interval", "0"],
            env={**os.environ, "STREAM_TRAY_DEVSERVER_SECRET": SECRET.decode(),
                 "G_MESSAGES_DEBUG": ""},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = self.process.stdout.readline().split()
        url = urllib.parse.urlsplit(ready[1])
        self.address = (url.hostname, url.port)

    def close(self):
        self.process.terminate()
        self.process.wait()

    def request(self, method, path, token, body=None, query=None):
        """The request's bytes as the client sends them, and the answer's body."""
        params = {"api_key": API_KEY, **(query or {})}
        target = f"{path}?{urllib.parse.urlencode(params)}"
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.address[0]}:{self.address[1]}",
                f"Authorization: {token}", "stream-auth-type: jwt",
                "X-Stream-Client: stream-tray-0.1.0", "Connection: close"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        with socket.create_connection(self.address) as connection:
            connection.sendall(raw)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        headers, _, content = rest.partition(b"\r\n\r\n")
        if b"chunked" in headers.lower():
            content = unchunk(content)
        if not status_line.split(b" ")[1].startswith(b"2"):
            raise SystemExit(f"{method} {path}: {status_line.decode()} {content[:200]!r}")
        return raw, content


def unchunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def masked_frame(opcode, payload, mask=b"\x5a\x17\xc3\x08"):
    header = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    else:
        header += bytes([0x80 | 126]) + length.to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def rest_and_requests(program):
    server = Devserver(program)
    user_token = sign({"user_id": USER})
    server_token = sign({"server": True})
    try:
        calls = {
            # (name, kind byte for fuzz-rest.c or None, method, path, token, body, query)
            "query-channels": (0, "POST", "/channels", user_token, {
                "filter_conditions": {"members": {"$in": [USER]}},
                "sort": [{"field": "last_message_at", "direction": -1}],
                "state": True, "watch": False, "presence": False, "limit": 30, "offset": 0,
                "message_limit": 1}, None),
            "unread": (1, "GET", "/unread", user_token, None, None),
            "messages": (2, "POST", "/channels/messaging/general/query", user_token, {
                "state": True, "watch": False, "presence": False, "messages": {"limit": 25}},
                None),
            "sync": (3, "POST", "/sync", user_token, {
                "channel_cids": ["messaging:general", "team:ops", "messaging:gone"],
                # an hour ago: before the demo's history, within /sync's 30 days
                "last_sync_at": (datetime.datetime.now(datetime.timezone.utc)
                                 - datetime.timedelta(hours=1)).strftime(
                                     "%Y-%m-%dT%H:%M:%S.%fZ"),
                "with_inaccessible_cids": True, "watch": False}, None),
            "mark-read": (None, "POST", "/channels/messaging/general/read", dev_token(USER),
                          {}, None),
            "send-message": (None, "POST", "/channels/messaging/general/message", user_token,
                             {"message": {"text": "Hello from the seeds ✓"}}, None),
            "typing": (None, "POST", "/channels/messaging/design-review/event", user_token,
                       {"event": {"type": "typing.start"}}, None),
            "mute-channel": (None, "POST", "/moderation/mute/channel", user_token,
                             {"channel_cid": "team:ops"}, None),
            "server-upsert": (None, "POST", "/users", server_token,
                              {"users": {"frank": {"id": "frank", "name": "Frank"}}}, None),
            "dev-inject": (None, "POST", "/_dev/inject", server_token, {
                "user_id": USER,
                "frames": [compact((EVENTS / "message.new.json").read_text())]},
                None),
        }
        for name, (kind, method, path, token, body, query) in calls.items():
            raw, answer = server.request(method, path, token, body, query)
            write("devserver", name, raw)
            if kind is not None:
                write("rest", f"{name}", bytes([kind]) + answer)
                if kind in (0, 1):  # the same answer applied as recovery applies it
                    write("rest", f"{name}-recovery", bytes([kind + 4]) + answer)
    finally:
        server.close()

    # A WebSocket session: the upgrade the client makes, then its frames.
    payload = json.dumps({"user_id": USER, "user_details": {"id": USER},
                          "client_request_id": "fuzz-seed"}, separators=(",", ":"))
    query = urllib.parse.urlencode({"json": payload, "api_key": API_KEY,
                                    "authorization": user_token, "stream-auth-type": "jwt"})
    upgrade = (f"GET /connect?{query} HTTP/1.1\r\nHost: 127.0.0.1:3030\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: ZnV6ei1zZWVkLWtleS0xMg==\r\nSec-WebSocket-Version: 13\r\n"
               "\r\n").encode()
    health = json.dumps({"type": "health.check", "client_id": "fuzz-seed"}).encode()
    write("devserver", "connect-socket",
          upgrade + masked_frame(0x1, health) + masked_frame(0x9, b"ping")
          + masked_frame(0x8, (1000).to_bytes(2, "big")))


def tokens():
    # mode byte (fuzz-jwt.c): 0 checked as given, 1 dev tokens allowed, 2 signature made
    # right first, 4 + lifetime * 8 a round trip for a user id
    write("jwt", "user", b"\x00" + sign({"user_id": USER}).encode())
    write("jwt", "user-exp-iat", b"\x00" + sign({"user_id": "luke_skywalker", "exp": 1893456000,
                                                  "iat": 1735689600}).encode())
    write("jwt", "server", b"\x00" + sign({"server": True}).encode())
    write("jwt", "dev", b"\x01" + dev_token("luke_skywalker").encode())
    write("jwt", "resign-times", b"\x02" + sign({"user_id": USER, "exp": 1e300, "nbf": 0,
                                                  "iat": 1767225000}).encode())
    write("jwt", "resign-expired", b"\x02" + sign({"user_id": USER, "exp": 1700000000}).encode())
    write("jwt", "round-trip", b"\x04" + USER.encode())
    write("jwt", "round-trip-forever", b"\x0c" + "Łukasz ✓".encode())
    write("jwt", "round-trip-expired", b"\x14" + b"bob")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: make-seeds.py PATH/TO/stream-tray-devserver")
    # The seeds written here, afresh; corpus/avatar/ is made by hand (README.md).
    for target in ("frame", "rest", "devserver", "jwt"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    frames()
    rest_and_requests(sys.argv[1])
    tokens()


if __name__ == "__main__":
    main()
