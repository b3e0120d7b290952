/* stray-dev-store-private.h: what the store's own files share
 *
 * StrayDevStore is one object whose code is spread over files named after what they hold:
 *   stray-dev-store.c           the object, its clock, its errors, valid ids
 *   stray-dev-store-users.c     users, their mutes, `me`
 *   stray-dev-store-types.c     channel types and their config
 *   stray-dev-store-channels.c  channels and members, and a channel as clients see it
 *   stray-dev-store-messages.c  messages and reactions
 *   stray-dev-store-reads.c     read state and unread counting
 *   stray-dev-store-threads.c   threads, their participants and read state
 *   stray-dev-store-query.c     queryChannels' filters and sorting
 *   stray-dev-store-events.c    the event log /sync answers from
 *   stray-dev-store-reminders.c message reminders, and which of them are due
 *
 * Types named Dev… and functions named dev_… are private to src/devserver.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-dev-store.h"

G_BEGIN_DECLS

/* A user's mute of another user or of a channel. */
typedef struct {
  char *created_at;
  char *updated_at;
  char *expires; /* NULL: until unmuted */
} DevMute;

typedef struct {
  JsonObject *user;
  GHashTable *muted_users;   /* target id → DevMute */
  GHashTable *channel_mutes; /* cid → DevMute */
  GHashTable *channels;      /* set of cids the user is a member of */
} DevUser;

typedef struct {
  char *user_id;
  char *role;
  char *created_at;
  char *updated_at;
  char *last_read;
  char *last_read_message_id;
  guint unread_messages;
  gboolean hidden;
  char *history_cleared_at; /* hidden with clear_history: what the member no longer sees */
  gboolean invited;         /* joined by an invite, answered or not */
  char *invite_accepted_at;
  char *invite_rejected_at;
} DevMember;

/* Stream's invites: pending until accepted or rejected; a pending or rejected invite counts
 * no unread messages ("Unread counts are not incremented for channels with a pending
 * invite", Stream's Invites docs). */
#define DEV_MEMBER_INVITE_PENDING(m) ((m)->invited && (m)->invite_accepted_at == NULL && \
                                      (m)->invite_rejected_at == NULL)
#define DEV_MEMBER_IS_JOINED(m) (!(m)->invited || (m)->invite_accepted_at != NULL)

/* A channel's events as /sync gives them back, oldest first, bounded. */
typedef struct {
  GQueue entries;           /* of DevLogEntry (stray-dev-store-events.c) */
  gint64 dropped_until_us;  /* the newest event dropped to keep within the bound */
} DevEventLog;

typedef struct {
  char *cid;
  char *type;
  char *id;
  JsonObject *data; /* name, image and any custom field */
  char *created_by_id;
  char *created_at;
  char *updated_at;
  char *last_message_at;
  char *truncated_at;
  gboolean frozen;
  GPtrArray *members;  /* of DevMember, in the order they joined */
  GHashTable *members_by_id; /* user id → DevMember, borrowed from members */
  GPtrArray *messages; /* of JsonObject, oldest first, thread replies included */
  DevEventLog log;
} DevChannel;

struct _StrayDevStore
{
  GObject parent_instance;

  GHashTable *users;    /* id → DevUser */
  GHashTable *channels; /* cid → DevChannel */
  GHashTable *messages; /* id → DevChannel holding it */
  GHashTable *channel_types; /* name → its config (stray-dev-store-types.c) */
  GHashTable *threads;  /* parent message id → DevThread (stray-dev-store-threads.c) */
  gint64 last_now_us;
  gint64 clock_offset_us; /* what stray_dev_store_advance_clock() added */
  GHashTable *reminders; /* "user\nmessage" → DevReminder (stray-dev-store-reminders.c) */
};

/* stray-dev-store.c */
gint64      dev_store_now_us        (StrayDevStore      *self);
char       *dev_store_format_time   (gint64              time_us);
gboolean    dev_store_fail          (GError            **error,
                                     StrayDevStoreError  code,
                                     const char         *format,
                                     ...) G_GNUC_PRINTF (3, 4);
gboolean    dev_is_valid_id         (const char         *id);

/* stray-dev-store-users.c */
void        dev_user_free           (gpointer            data);
DevUser    *dev_lookup_user         (StrayDevStore      *self,
                                     const char         *user_id);
DevUser    *dev_ensure_user         (StrayDevStore      *self,
                                     const char         *user_id);
JsonNode   *dev_user_node           (StrayDevStore      *self,
                                     const char         *user_id);
gboolean    dev_channel_mute_active (StrayDevStore      *self,
                                     DevUser            *user,
                                     const char         *cid);
gboolean    dev_user_mute_active    (StrayDevStore      *self,
                                     DevUser            *user,
                                     const char         *target_id);

/* stray-dev-store-types.c */
void        dev_channel_types_init  (StrayDevStore      *self);
gboolean    dev_channel_type_exists (StrayDevStore      *self,
                                     const char         *type);
gboolean    dev_channel_type_has    (StrayDevStore      *self,
                                     const char         *type,
                                     const char         *feature);
gboolean    dev_channel_type_allows (StrayDevStore      *self,
                                     const char         *type,
                                     const char         *capability);
JsonObject *dev_channel_type_config (StrayDevStore      *self,
                                     const char         *type);

/* stray-dev-store-channels.c */
void        dev_channel_free        (gpointer            data);
DevChannel *dev_lookup_channel      (StrayDevStore      *self,
                                     const char         *cid,
                                     GError            **error);
DevMember  *dev_lookup_member       (DevChannel         *channel,
                                     const char         *user_id);

/* stray-dev-store-messages.c */
gboolean    dev_is_thread_only      (JsonObject         *message);

/* stray-dev-store-threads.c */
typedef struct _DevThread DevThread;
void        dev_thread_free         (gpointer            data);
void        dev_thread_count_reply  (StrayDevStore      *self,
                                     DevChannel         *channel,
                                     JsonObject         *parent,
                                     JsonObject         *reply,
                                     const char         *now);

/* stray-dev-store-events.c */
void        dev_event_log_free      (DevEventLog        *log);

/* stray-dev-store-reads.c */
void        dev_count_new_message   (StrayDevStore      *self,
                                     DevChannel         *channel,
                                     DevMember          *author,
                                     JsonObject         *message,
                                     const char         *now);
void        dev_uncount_message     (StrayDevStore      *self,
                                     DevChannel         *channel,
                                     JsonObject         *message);
gboolean    dev_member_sees         (DevMember          *member,
                                     JsonObject         *message);
JsonObject *dev_read_json           (StrayDevStore      *self,
                                     DevMember          *member);

G_END_DECLS
