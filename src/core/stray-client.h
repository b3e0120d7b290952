/* stray-client.h: Stream Chat's REST API, as the official SDK calls it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "stray-message.h"
#include "stray-rest.h"
#include "stray-token-provider.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CLIENT (stray_client_get_type ())

G_DECLARE_FINAL_TYPE (StrayClient, stray_client, STRAY, CLIENT, GObject)

/* What the applet calls itself to Stream, as the SDK does (X-Stream-Client, user agent). */
#define STRAY_CLIENT_X_STREAM_CLIENT "stream-tray-" PACKAGE_VERSION

#define STRAY_CLIENT_ERROR (stray_client_error_quark ())

/* Codes below 1000 are Stream's own (40: token expired, 43: bad signature, …); the rest are
 * the client's. */
typedef enum {
  STRAY_CLIENT_ERROR_TOKEN_EXPIRED = 40,
  STRAY_CLIENT_ERROR_BAD_SIGNATURE = 43,
  STRAY_CLIENT_ERROR_HTTP = 1000,
  STRAY_CLIENT_ERROR_BAD_RESPONSE,
  STRAY_CLIENT_ERROR_RATE_LIMITED,
} StrayClientError;

GQuark       stray_client_error_quark         (void);
StrayClient *stray_client_new                 (const char          *base_url,
                                               const char          *api_key,
                                               const char          *user_id,
                                               StrayTokenProvider  *tokens);
const char  *stray_client_get_base_url        (StrayClient         *self);
const char  *stray_client_get_api_key         (StrayClient         *self);
const char  *stray_client_get_user_id         (StrayClient         *self);
StrayTokenProvider *stray_client_get_tokens   (StrayClient         *self);
void         stray_client_set_connection_id   (StrayClient         *self,
                                               const char          *connection_id);
const char  *stray_client_get_connection_id   (StrayClient         *self);
void         stray_client_set_timeout         (StrayClient         *self,
                                               guint                seconds);
char        *stray_client_socket_url          (StrayClient         *self,
                                               const char          *token);

void         stray_client_call_async          (StrayClient         *self,
                                               const char          *method,
                                               const char          *path,
                                               JsonObject          *body,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
JsonObject  *stray_client_call_finish         (StrayClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* The calls the applet makes. */
void         stray_client_mark_read_async     (StrayClient         *self,
                                               const char          *cid,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_mark_all_read_async (StrayClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_mark_unread_async   (StrayClient         *self,
                                               const char          *cid,
                                               const char          *message_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_send_message_async  (StrayClient         *self,
                                               const char          *cid,
                                               const char          *text,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_answer_invite_async (StrayClient         *self,
                                               const char          *cid,
                                               gboolean             accept,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_mute_channel_async  (StrayClient         *self,
                                               const char          *cid,
                                               gboolean             muted,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);

/* These three answers come decoded (stray-rest.h); stray_client_call_finish() takes them too,
 * as they came. */
void         stray_client_query_channels_async (StrayClient        *self,
                                                guint               offset,
                                                gboolean            watch,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
void         stray_client_query_channels_by_cid_async (StrayClient        *self,
                                                       const char * const *cids,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
void         stray_client_query_channels_since_async (StrayClient        *self,
                                                      gint64              since_us,
                                                      guint               offset,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
StrayRestChannelsPage *stray_client_query_channels_finish (StrayClient   *self,
                                                           GAsyncResult  *result,
                                                           GError       **error);
void         stray_client_get_unread_async    (StrayClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
StrayRestUnread *stray_client_get_unread_finish (StrayClient   *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

/* Stream's limit on one /sync's channel_cids. */
#define STRAY_CLIENT_SYNC_MAX_CIDS 255

void         stray_client_sync_async          (StrayClient         *self,
                                               const char * const  *cids,
                                               gint64               last_sync_at_us,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
StrayRestSync *stray_client_sync_finish       (StrayClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void         stray_client_query_messages_async (StrayClient        *self,
                                                const char         *cid,
                                                guint               limit,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
void         stray_client_query_messages_around_async (StrayClient        *self,
                                                       const char         *cid,
                                                       const char         *message_id,
                                                       guint               limit,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GListModel  *stray_client_query_messages_finish (StrayClient       *self,
                                                 GAsyncResult      *result,
                                                 GError           **error);

void         stray_client_send_event_async    (StrayClient         *self,
                                               const char          *cid,
                                               const char          *type,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);

/* Message reminders (stray-client-reminders.c); the first two finish with
 * stray_client_call_finish(). */
void         stray_client_set_reminder_async  (StrayClient         *self,
                                               const char          *message_id,
                                               gboolean             create,
                                               gint64               remind_at_us,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_delete_reminder_async (StrayClient       *self,
                                               const char          *message_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_query_reminders_async (StrayClient       *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray   *stray_client_query_reminders_finish (StrayClient      *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Threads (stray-client-threads.c) */
void         stray_client_get_message_async   (StrayClient         *self,
                                               const char          *message_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
StrayMessage *stray_client_get_message_finish (StrayClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void         stray_client_get_replies_async   (StrayClient         *self,
                                               const char          *parent_id,
                                               guint                limit,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GListModel  *stray_client_get_replies_finish  (StrayClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void         stray_client_send_reply_async    (StrayClient         *self,
                                               const char          *cid,
                                               const char          *parent_id,
                                               const char          *text,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void         stray_client_mark_thread_read_async (StrayClient      *self,
                                                  const char       *cid,
                                                  const char       *thread_id,
                                                  GCancellable     *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer          user_data);

G_END_DECLS
