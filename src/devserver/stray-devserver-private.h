/* stray-devserver-private.h: what the devserver's own files share
 *
 * StrayDevserver is one object whose code is spread over files named after what they serve:
 *   stray-devserver.c            the object, listening, credentials, a stalled server
 *   stray-devserver-limits.c     a request's size and time, libsoup's refusals in Stream's shape
 *   stray-devserver-events.c     events to sockets, watching, the calls made without HTTP
 *   stray-devserver-socket.c     the WebSocket at /connect and its health checks
 *   stray-devserver-rest.c       routing, request checks and answers in Stream's shape
 *   stray-devserver-channels.c   REST: queryChannels and calls on one channel
 *   stray-devserver-messages.c   REST: messages, reactions, events sent to a channel
 *   stray-devserver-reads.c      REST: read state and GET /unread
 *   stray-devserver-users.c      REST: upserting users, muting channels
 *   stray-devserver-sync.c       REST: POST /sync, the events missed since a moment
 *   stray-devserver-threads.c    who a server-side call acts for; a thread's replies
 *   stray-devserver-dev-hooks.c  the /_dev/ routes: test hooks and avatars
 *   stray-devserver-reminders.c  REST: message reminders, and telling them when due
 *
 * Types named Dev… and functions named dev_… are the devserver's private names, declared here
 * and in stray-dev-store-private.h; Stray… and stray_… are its public ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "stray-devserver.h"

G_BEGIN_DECLS

/* Stream's error codes. */
enum {
  CODE_API_KEY = 2,
  CODE_INPUT = 4,
  CODE_AUTHENTICATION = 5,
  CODE_RATE_LIMITED = 9,
  CODE_NOT_FOUND = 16,
  CODE_NOT_ALLOWED = 17,
  CODE_PAYLOAD_TOO_BIG = 22,
  CODE_REQUEST_TIMEOUT = 23,
  /* Not Stream's: the devserver's own failures, which Stream's cloud never reports. */
  CODE_INTERNAL = -1,
};

/* A request must arrive, headers and body, within this: longer than a client on loopback takes
 * even on a loaded CI machine under sanitizers, short enough that a client sending nothing, or
 * a byte at a time, ties up a socket only briefly. The time runs from the connection for its
 * first request, and from the first byte for the next ones, so that idle kept-alive connections
 * are left alone (stray-devserver-limits.c). */
#define DEV_REQUEST_TIMEOUT_MS (15 * 1000)

/* How many connections may wait for their request for longer than DEV_WAITING_GRACE_MS: far
 * more than the demo, the tests or the benchmarks (100 sockets at once) ever open, and far
 * fewer than the descriptors a process may have (1024 by default). */
#define DEV_MAX_WAITING 256
#define DEV_WAITING_GRACE_MS 1000

/* How deeply JSON from clients may nest. */
#define MAX_DEPTH 64

typedef struct {
  StrayDevserver *server; /* unowned: the server outlives its connections */
  SoupWebsocketConnection *socket;
  char *connection_id;
  char *user_id;
  GHashTable *watching; /* set of cids */
  guint health_id;
} DevConnection;

typedef struct {
  StrayDevserver *self;
  SoupServerMessage *msg;
  const char *method;
  GStrv segments;
  guint n_segments;
  GHashTable *query;
  JsonObject *body;
  char *user_id;        /* from a user token; NULL with a server token */
  DevConnection *connection;
} DevRequest;

struct _StrayDevserver
{
  GObject parent_instance;

  char *api_key;
  char *secret;
  guint health_interval;
  gboolean allow_dev_tokens;
  gboolean allow_remote;

  SoupServer *server;
  char *base_url;
  StrayDevStore *store;
  GHashTable *connections; /* connection_id → DevConnection, owning */
  GHashTable *by_user;     /* user_id → GPtrArray of DevConnection */
  GHashTable *watchers;    /* cid → GPtrArray of DevConnection */

  gint64 stalled_until;    /* monotonic µs */
  guint rate_limited;      /* how many user calls still get 429 */
  GPtrArray *stalled;      /* SoupServerMessage held while stalled */
  guint stall_id;

  guint delays_left;       /* how many user calls still get their answer late */
  guint delay_min_ms;
  guint delay_max_ms;
  GRand *delay_rand;
  GPtrArray *delayed;      /* of DevDelayedAnswer (stray-devserver-dev-hooks.c) */

  GHashTable *traffic;     /* user_id → DevTraffic: what users' REST calls cost (/_dev/traffic) */

  guint request_timeout_ms; /* for a request to arrive, headers and body */
  GQueue *waiting;          /* SoupServerMessage whose request is still to come, oldest first */
  guint max_waiting;
  guint waiting_grace_ms;

  guint reminder_timer_id;  /* for the next reminder due (stray-devserver-reminders.c) */
};

typedef struct {
  guint64 requests;
  guint64 bytes;           /* of the answers' bodies */
} DevTraffic;

/* g_hash_table_get_{keys,values}_as_ptr_array() came after GLib 2.74. */
static inline GPtrArray *
hash_table_snapshot (GHashTable *table,
                     gboolean    keys)
{
  GPtrArray *items = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_add (items, keys ? key : value);
  return items;
}

/* stray-devserver.c */
char       *dev_authenticate             (StrayDevserver *self,
                                          const char     *api_key,
                                          const char     *auth_type,
                                          const char     *token,
                                          int            *out_code,
                                          char          **out_message);

/* stray-devserver-limits.c */
void        dev_limit_requests           (StrayDevserver *self);
void        dev_set_request_timeout      (StrayDevserver *self,
                                          guint           timeout_ms);
void        dev_set_max_waiting          (StrayDevserver *self,
                                          guint           max_waiting,
                                          guint           grace_ms);
void        dev_forget_waiting           (StrayDevserver *self);

/* stray-devserver-events.c */
char       *dev_to_json                  (JsonObject     *object);
char       *dev_splice_counts            (const char     *text,
                                          gsize           length,
                                          StrayDevUnread  unread);
JsonObject *dev_new_event                (StrayDevserver *self,
                                          const char     *type,
                                          const char     *cid);
void        dev_set_user                 (StrayDevserver *self,
                                          JsonObject     *event,
                                          const char     *member,
                                          const char     *user_id);
void        dev_set_channel_last_message_at (StrayDevserver *self,
                                             JsonObject     *event,
                                             const char     *cid);
void        dev_send_text                (DevConnection  *connection,
                                          const char     *text,
                                          gsize           length);
void        dev_emit_to_watchers         (StrayDevserver *self,
                                          const char     *cid,
                                          JsonObject     *event,
                                          gboolean        with_counts);
void        dev_emit_to_user             (StrayDevserver *self,
                                          const char     *user_id,
                                          JsonObject     *event,
                                          gboolean        with_counts);
void        dev_emit_to_members_not_watching (StrayDevserver     *self,
                                              const char         *cid,
                                              const char * const *member_ids,
                                              const char         *except_user_id,
                                              JsonObject         *event,
                                              gboolean            with_counts);
void        dev_emit_to_everyone         (StrayDevserver *self,
                                          JsonObject     *event);
void        dev_emit_added_to_channel    (StrayDevserver *self,
                                          const char     *cid,
                                          const char     *user_id);
guint       dev_watcher_count            (StrayDevserver *self,
                                          const char     *cid);
void        dev_watch                    (StrayDevserver *self,
                                          DevConnection  *connection,
                                          const char     *cid);
void        dev_unwatch                  (StrayDevserver *self,
                                          DevConnection  *connection,
                                          const char     *cid,
                                          gboolean        announce);
void        dev_stop_all_watching        (StrayDevserver *self,
                                          const char     *cid);

/* stray-devserver-invites.c */
JsonObject *dev_channel_with_members     (StrayDevserver     *self,
                                          const char         *cid,
                                          const char         *user_id);
gboolean    dev_handle_invite_answer     (DevRequest         *request,
                                          const char         *cid,
                                          gboolean            accept);

/* stray-devserver-socket.c */
void        dev_connection_free          (gpointer        data);
void        dev_on_socket                (SoupServer              *server,
                                          SoupServerMessage       *msg,
                                          const char              *path,
                                          SoupWebsocketConnection *socket,
                                          gpointer                 user_data);
void        dev_on_connect               (SoupServer              *server,
                                          SoupServerMessage       *msg,
                                          const char              *path,
                                          GHashTable              *query,
                                          gpointer                 user_data);

/* stray-devserver-rest.c */
gboolean    dev_process_request          (StrayDevserver    *self,
                                          SoupServerMessage *msg);
void        dev_respond                  (SoupServerMessage *msg,
                                          guint              status,
                                          JsonObject        *body);
JsonObject *dev_new_error                (guint              status,
                                          int                code,
                                          const char        *message);
int         dev_code_for_status          (guint              status);
gboolean    dev_respond_error            (SoupServerMessage *msg,
                                          guint              status,
                                          int                code,
                                          const char        *format,
                                          ...) G_GNUC_PRINTF (4, 5);
gboolean    dev_respond_store_error      (DevRequest     *request,
                                          GError         *error);
void        dev_respond_ok               (DevRequest     *request,
                                          JsonObject     *body);
const char *dev_query_param              (DevRequest     *request,
                                          const char     *name);
const char *dev_acting_user              (DevRequest     *request,
                                          const char     *named);
char       *dev_cid_of                   (DevRequest     *request,
                                          guint           type_index);
gboolean    dev_require_channel          (DevRequest     *request,
                                          const char     *cid);
gboolean    dev_require_member           (DevRequest     *request,
                                          const char     *cid,
                                          const char     *user_id);
gboolean    dev_require_server           (DevRequest     *request);

/* The REST handlers, which the route table in stray-devserver-rest.c names. Each answers the
 * request, and returns FALSE when the answer is an error. */

/* stray-devserver-channels.c */
gboolean    dev_handle_query_channels    (DevRequest     *request);
gboolean    dev_handle_channel_query     (DevRequest     *request);
gboolean    dev_handle_channel_update    (DevRequest     *request);
gboolean    dev_handle_channel_delete    (DevRequest     *request);
gboolean    dev_handle_hide_show         (DevRequest     *request);
gboolean    dev_handle_stop_watching     (DevRequest     *request);
gboolean    dev_handle_truncate          (DevRequest     *request);

/* stray-devserver-messages.c */
gboolean    dev_handle_send_message      (DevRequest     *request);
gboolean    dev_handle_update_message    (DevRequest     *request);
gboolean    dev_handle_delete_message    (DevRequest     *request);
gboolean    dev_handle_reaction          (DevRequest     *request);
gboolean    dev_handle_send_event        (DevRequest     *request);

/* stray-devserver-reads.c */
gboolean    dev_handle_mark_read         (DevRequest     *request);
gboolean    dev_handle_mark_unread       (DevRequest     *request);
gboolean    dev_handle_mark_all_read     (DevRequest     *request);
gboolean    dev_handle_unread            (DevRequest     *request);
gboolean    dev_handle_delivered         (DevRequest     *request);

/* stray-devserver-users.c */
gboolean    dev_handle_upsert_users      (DevRequest     *request);
gboolean    dev_handle_mute_channel      (DevRequest     *request);
gboolean    dev_handle_mute_users        (DevRequest     *request);

/* stray-devserver-channel-types.c */
gboolean    dev_handle_channel_types     (DevRequest     *request);

/* stray-devserver-threads.c */
gboolean    dev_acting_user_of           (DevRequest     *request,
                                          JsonObject     *object,
                                          const char     *prefix,
                                          const char     *call,
                                          gboolean        required,
                                          const char    **out_user_id);
gboolean    dev_handle_replies           (DevRequest     *request);
void        dev_set_thread_counts        (StrayDevserver *self,
                                          JsonObject     *event,
                                          const char     *user_id);
void        dev_emit_thread_message_new  (StrayDevserver *self,
                                          const char     *cid,
                                          JsonObject     *reply);
gboolean    dev_handle_mark_thread_read  (DevRequest     *request,
                                          const char     *cid,
                                          const char     *user_id);
gboolean    dev_handle_query_threads     (DevRequest     *request);
gboolean    dev_handle_get_thread        (DevRequest     *request);
gboolean    dev_handle_get_message       (DevRequest     *request);

/* stray-devserver-reminders.c */
void        dev_check_reminders          (StrayDevserver *self);
gboolean    dev_handle_reminder          (DevRequest     *request);
gboolean    dev_handle_query_reminders   (DevRequest     *request);

/* stray-devserver-sync.c */
gboolean    dev_handle_sync              (DevRequest     *request);

/* stray-devserver-dev-hooks.c */
gboolean    dev_is_stalled               (StrayDevserver *self);
gboolean    dev_delay_answer             (StrayDevserver    *self,
                                          SoupServerMessage *msg);
void        dev_release_delayed_answers  (StrayDevserver *self);
gboolean    dev_handle_inject            (DevRequest     *request);
gboolean    dev_handle_drop              (DevRequest     *request);
gboolean    dev_handle_stall             (DevRequest     *request);
gboolean    dev_handle_token             (DevRequest     *request);
gboolean    dev_handle_rate_limit        (DevRequest     *request);
gboolean    dev_handle_delay             (DevRequest     *request);
gboolean    dev_handle_traffic           (DevRequest     *request);
gboolean    dev_handle_clock             (DevRequest     *request);
void        dev_serve_avatar             (SoupServerMessage *msg,
                                          const char        *user_id);

G_END_DECLS
