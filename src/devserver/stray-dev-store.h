/* stray-dev-store.h: the devserver's in-memory state, with Stream's unread bookkeeping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define STRAY_TYPE_DEV_STORE (stray_dev_store_get_type ())

G_DECLARE_FINAL_TYPE (StrayDevStore, stray_dev_store, STRAY, DEV_STORE, GObject)

#define STRAY_DEV_STORE_ERROR (stray_dev_store_error_quark ())

/* Stream's error codes, so that they can be answered as they are. */
typedef enum {
  STRAY_DEV_STORE_ERROR_INPUT = 4,
  STRAY_DEV_STORE_ERROR_NOT_FOUND = 16,
  STRAY_DEV_STORE_ERROR_NOT_ALLOWED = 17,
} StrayDevStoreError;

typedef struct {
  guint total_unread_count;
  guint unread_channels;
} StrayDevUnread;

/* A user's unread threads (stray-dev-store-threads.c). */
typedef struct {
  guint unread_threads;
  guint unread_thread_messages;
} StrayDevThreadUnread;

/* Stream's limits on POST /sync (stray-dev-store-events.c names the sources). */
#define STRAY_DEV_STORE_SYNC_MAX_CIDS 255
#define STRAY_DEV_STORE_SYNC_MAX_EVENTS 1000
#define STRAY_DEV_STORE_SYNC_MAX_AGE_DAYS 30

/* An event as /sync gives it back to one user. */
typedef struct {
  gint64 created_us;
  const char *text;      /* as the socket sent it, without counts; the store's */
  gsize length;
  gboolean with_counts;
  StrayDevUnread unread; /* the user's counts when it happened, if with_counts */
} StrayDevLoggedEvent;

GQuark         stray_dev_store_error_quark      (void);
StrayDevStore *stray_dev_store_new              (void);

/* Clock: every timestamp the store writes comes from here (tests may move it ahead). */
char          *stray_dev_store_now              (StrayDevStore *self);
void           stray_dev_store_advance_clock    (StrayDevStore *self,
                                                 gint64         seconds);

/* Users */
JsonObject    *stray_dev_store_upsert_user      (StrayDevStore *self,
                                                 JsonObject    *user,
                                                 GError       **error);
JsonObject    *stray_dev_store_ensure_user      (StrayDevStore *self,
                                                 const char    *user_id);
JsonObject    *stray_dev_store_lookup_user      (StrayDevStore *self,
                                                 const char    *user_id);
gboolean       stray_dev_store_is_valid_user_id (const char    *user_id);
void           stray_dev_store_set_user_online  (StrayDevStore *self,
                                                 const char    *user_id,
                                                 gboolean       online);
JsonObject    *stray_dev_store_own_user         (StrayDevStore *self,
                                                 const char    *user_id);
JsonArray     *stray_dev_store_channel_mutes    (StrayDevStore *self,
                                                 const char    *user_id);
JsonArray     *stray_dev_store_user_mutes       (StrayDevStore *self,
                                                 const char    *user_id);
JsonObject    *stray_dev_store_mute_user        (StrayDevStore *self,
                                                 const char    *user_id,
                                                 const char    *target_id,
                                                 gint64         timeout_minutes,
                                                 GError       **error);
gboolean       stray_dev_store_unmute_user      (StrayDevStore *self,
                                                 const char    *user_id,
                                                 const char    *target_id);
StrayDevUnread stray_dev_store_unread           (StrayDevStore *self,
                                                 const char    *user_id);
JsonObject    *stray_dev_store_unread_response  (StrayDevStore *self,
                                                 const char    *user_id);

/* Channel types (stray-dev-store-types.c) */
JsonObject    *stray_dev_store_create_channel_type (StrayDevStore *self,
                                                    JsonObject    *request,
                                                    GError       **error);
JsonObject    *stray_dev_store_get_channel_type    (StrayDevStore *self,
                                                    const char    *name,
                                                    GError       **error);
JsonObject    *stray_dev_store_update_channel_type (StrayDevStore *self,
                                                    const char    *name,
                                                    JsonObject    *request,
                                                    GError       **error);
JsonObject    *stray_dev_store_list_channel_types  (StrayDevStore *self);
gboolean       stray_dev_store_delete_channel_type (StrayDevStore *self,
                                                    const char    *name,
                                                    GError       **error);

/* Channels */
gboolean       stray_dev_store_has_channel      (StrayDevStore *self,
                                                 const char    *cid);
gboolean       stray_dev_store_is_member        (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id);
GStrv          stray_dev_store_member_ids       (StrayDevStore *self,
                                                 const char    *cid);
GStrv          stray_dev_store_user_channels    (StrayDevStore *self,
                                                 const char    *user_id);
gboolean       stray_dev_store_create_channel   (StrayDevStore *self,
                                                 const char    *type,
                                                 const char    *id,
                                                 const char    *created_by_id,
                                                 const char * const *member_ids,
                                                 JsonObject    *data,
                                                 GError       **error);
gboolean       stray_dev_store_update_channel   (StrayDevStore *self,
                                                 const char    *cid,
                                                 JsonObject    *data,
                                                 GError       **error);
gboolean       stray_dev_store_add_members      (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char * const *user_ids,
                                                 GError       **error);
GStrv          stray_dev_store_invite_members   (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char * const *user_ids,
                                                 GError       **error);
gboolean       stray_dev_store_answer_invite    (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 gboolean       accept,
                                                 GError       **error);
gboolean       stray_dev_store_remove_members   (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char * const *user_ids,
                                                 GError       **error);
gboolean       stray_dev_store_delete_channel   (StrayDevStore *self,
                                                 const char    *cid,
                                                 GError       **error);
JsonObject    *stray_dev_store_truncate_channel (StrayDevStore *self,
                                                 const char    *cid,
                                                 GError       **error);
gboolean       stray_dev_store_set_hidden       (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 gboolean       hidden,
                                                 gboolean       clear_history,
                                                 GError       **error);
gboolean       stray_dev_store_set_channel_muted (StrayDevStore *self,
                                                  const char    *user_id,
                                                  const char    *cid,
                                                  gboolean       muted,
                                                  gint64         expires_ms,
                                                  GError       **error);
gboolean       stray_dev_store_is_channel_muted (StrayDevStore *self,
                                                 const char    *user_id,
                                                 const char    *cid);

/* Messages */
JsonObject    *stray_dev_store_add_message      (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 JsonObject    *message,
                                                 GError       **error);
JsonObject    *stray_dev_store_lookup_message   (StrayDevStore *self,
                                                 const char    *message_id,
                                                 const char   **out_cid);
GPtrArray     *stray_dev_store_replies          (StrayDevStore *self,
                                                 const char    *parent_id);
JsonObject    *stray_dev_store_update_message   (StrayDevStore *self,
                                                 const char    *message_id,
                                                 JsonObject    *changes,
                                                 GError       **error);
JsonObject    *stray_dev_store_delete_message   (StrayDevStore *self,
                                                 const char    *message_id,
                                                 gboolean       hard,
                                                 GError       **error);
JsonObject    *stray_dev_store_add_reaction     (StrayDevStore *self,
                                                 const char    *message_id,
                                                 const char    *user_id,
                                                 const char    *type,
                                                 gint64         score,
                                                 JsonObject   **out_reaction,
                                                 GError       **error);
JsonObject    *stray_dev_store_delete_reaction  (StrayDevStore *self,
                                                 const char    *message_id,
                                                 const char    *user_id,
                                                 const char    *type,
                                                 JsonObject   **out_reaction,
                                                 GError       **error);

/* Read state */
JsonObject    *stray_dev_store_mark_read        (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 const char    *message_id,
                                                 GError       **error);
JsonObject    *stray_dev_store_mark_unread      (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 const char    *message_id,
                                                 GError       **error);
guint          stray_dev_store_channel_unread   (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id);

/* What clients are sent */
JsonObject    *stray_dev_store_channel_json     (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id);
JsonObject    *stray_dev_store_channel_state    (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id,
                                                 guint          message_limit,
                                                 JsonObject    *paging,
                                                 guint          watcher_count);
JsonObject    *stray_dev_store_member_json      (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *user_id);
GPtrArray     *stray_dev_store_query_channels   (StrayDevStore *self,
                                                 const char    *user_id,
                                                 JsonObject    *filter,
                                                 JsonArray     *sort,
                                                 guint          limit,
                                                 guint          offset,
                                                 GError       **error);

/* The event log /sync answers from */
gint64         stray_dev_store_parse_time       (const char    *text);
void           stray_dev_store_log_event        (StrayDevStore *self,
                                                 const char    *cid,
                                                 const char    *for_user_id,
                                                 const char    *created_at,
                                                 const char    *text,
                                                 gsize          length,
                                                 gboolean       with_counts);
GArray        *stray_dev_store_events_since     (StrayDevStore *self,
                                                 const char * const *cids,
                                                 const char    *user_id,
                                                 gint64         since_us,
                                                 GError       **error);

/* Message reminders (stray-dev-store-reminders.c) */
JsonObject    *stray_dev_store_set_reminder     (StrayDevStore *self,
                                                 const char    *message_id,
                                                 const char    *user_id,
                                                 gboolean       create,
                                                 JsonObject    *request,
                                                 GError       **error);
JsonObject    *stray_dev_store_delete_reminder  (StrayDevStore *self,
                                                 const char    *message_id,
                                                 const char    *user_id,
                                                 GError       **error);
JsonObject    *stray_dev_store_query_reminders  (StrayDevStore *self,
                                                 const char    *user_id,
                                                 JsonObject    *request,
                                                 GError       **error);
GPtrArray     *stray_dev_store_take_due_reminders (StrayDevStore *self);
gint64         stray_dev_store_next_reminder_ms (StrayDevStore *self);
/* Threads (stray-dev-store-threads.c) */
GStrv          stray_dev_store_thread_participants (StrayDevStore *self,
                                                    const char    *parent_id);
StrayDevThreadUnread stray_dev_store_thread_unread (StrayDevStore *self,
                                                    const char    *user_id);
JsonArray     *stray_dev_store_unread_threads_json (StrayDevStore *self,
                                                    const char    *user_id);
JsonObject    *stray_dev_store_mark_thread_read    (StrayDevStore *self,
                                                    const char    *cid,
                                                    const char    *user_id,
                                                    const char    *thread_id,
                                                    GError       **error);
GStrv          stray_dev_store_user_threads        (StrayDevStore *self,
                                                    const char    *user_id);
JsonObject    *stray_dev_store_thread_json         (StrayDevStore *self,
                                                    const char    *parent_id,
                                                    guint          reply_limit);

G_END_DECLS
