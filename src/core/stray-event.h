/* stray-event.h: one Stream Chat WebSocket frame, decoded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Frames larger than this are refused before parsing (the connection refuses them too). */
#define STRAY_EVENT_MAX_FRAME_SIZE (1024 * 1024)
/* Real frames nest about ten levels; json-glib recurses per level and overflows the stack
 * long before 100,000, so deeper frames are refused before parsing. */
#define STRAY_EVENT_MAX_DEPTH 64

/* Absent counters read as this; the protocol never sends negative counts. */
#define STRAY_COUNT_UNSET (-1)

typedef enum {
  STRAY_EVENT_CUSTOM = 0,
  STRAY_EVENT_HEALTH_CHECK,
  STRAY_EVENT_CONNECTION_CHANGED,
  STRAY_EVENT_CONNECTION_RECOVERED,
  STRAY_EVENT_MESSAGE_NEW,
  STRAY_EVENT_MESSAGE_UPDATED,
  STRAY_EVENT_MESSAGE_DELETED,
  STRAY_EVENT_MESSAGE_UNDELETED,
  STRAY_EVENT_MESSAGE_READ,
  STRAY_EVENT_MESSAGE_FLAGGED,
  STRAY_EVENT_MESSAGE_UNBLOCKED,
  STRAY_EVENT_MESSAGE_PENDING,
  STRAY_EVENT_REACTION_NEW,
  STRAY_EVENT_REACTION_UPDATED,
  STRAY_EVENT_REACTION_DELETED,
  STRAY_EVENT_TYPING_START,
  STRAY_EVENT_TYPING_STOP,
  STRAY_EVENT_CHANNEL_CREATED,
  STRAY_EVENT_CHANNEL_UPDATED,
  STRAY_EVENT_CHANNEL_DELETED,
  STRAY_EVENT_CHANNEL_HIDDEN,
  STRAY_EVENT_CHANNEL_VISIBLE,
  STRAY_EVENT_CHANNEL_TRUNCATED,
  STRAY_EVENT_CHANNEL_FROZEN,
  STRAY_EVENT_CHANNEL_UNFROZEN,
  STRAY_EVENT_CHANNEL_MUTED,
  STRAY_EVENT_CHANNEL_UNMUTED,
  STRAY_EVENT_MEMBER_ADDED,
  STRAY_EVENT_MEMBER_REMOVED,
  STRAY_EVENT_MEMBER_UPDATED,
  STRAY_EVENT_USER_PRESENCE_CHANGED,
  STRAY_EVENT_USER_UPDATED,
  STRAY_EVENT_USER_DELETED,
  STRAY_EVENT_USER_BANNED,
  STRAY_EVENT_USER_UNBANNED,
  STRAY_EVENT_USER_MUTED,
  STRAY_EVENT_USER_UNMUTED,
  STRAY_EVENT_USER_FLAGGED,
  STRAY_EVENT_USER_DEACTIVATED,
  STRAY_EVENT_USER_REACTIVATED,
  STRAY_EVENT_USER_MESSAGES_DELETED,
  STRAY_EVENT_USER_WATCHING_START,
  STRAY_EVENT_USER_WATCHING_STOP,
  STRAY_EVENT_USER_UNREAD_MESSAGE_REMINDER,
  STRAY_EVENT_NOTIFICATION_MESSAGE_NEW,
  STRAY_EVENT_NOTIFICATION_MARK_READ,
  STRAY_EVENT_NOTIFICATION_MARK_UNREAD,
  STRAY_EVENT_NOTIFICATION_ADDED_TO_CHANNEL,
  STRAY_EVENT_NOTIFICATION_REMOVED_FROM_CHANNEL,
  STRAY_EVENT_NOTIFICATION_INVITED,
  STRAY_EVENT_NOTIFICATION_INVITE_ACCEPTED,
  STRAY_EVENT_NOTIFICATION_INVITE_REJECTED,
  STRAY_EVENT_NOTIFICATION_CHANNEL_DELETED,
  STRAY_EVENT_NOTIFICATION_CHANNEL_TRUNCATED,
  STRAY_EVENT_NOTIFICATION_CHANNEL_MUTES_UPDATED,
  STRAY_EVENT_NOTIFICATION_MUTES_UPDATED,
  STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW,
  STRAY_EVENT_NOTIFICATION_REMINDER_DUE,
  STRAY_EVENT_REMINDER_CREATED,
  STRAY_EVENT_REMINDER_UPDATED,
  STRAY_EVENT_REMINDER_DELETED,
  STRAY_EVENT_THREAD_UPDATED,
  STRAY_EVENT_N_TYPES,
} StrayEventType;

/* Why a frame, or a REST answer (stray-rest.h), was refused. */
#define STRAY_EVENT_ERROR (stray_event_error_quark ())

typedef enum {
  STRAY_EVENT_ERROR_TOO_LARGE,
  STRAY_EVENT_ERROR_INVALID_UTF8,
  STRAY_EVENT_ERROR_TOO_DEEP,
  STRAY_EVENT_ERROR_SYNTAX,
  STRAY_EVENT_ERROR_NOT_OBJECT,
  STRAY_EVENT_ERROR_MISSING_TYPE,
  STRAY_EVENT_ERROR_WRONG_TYPE,
  STRAY_EVENT_ERROR_OUT_OF_RANGE,
  STRAY_EVENT_ERROR_INVALID_VALUE,
  STRAY_EVENT_ERROR_MISSING_FIELD,
} StrayEventError;

/* Every string below points into the parsed frame (or REST answer), which the event (or
 * answer) keeps alive: decoding copies nothing, and whoever keeps a value beyond it copies it. */

typedef struct {
  const char *id;
  const char *name;
  const char *image;
} StrayEventUser;

typedef struct {
  const char *cid;
  const char *id;
  const char *type;
  const char *name;
  const char *image;
  const char *last_message_at;
  gint64 last_message_at_us; /* 0 when absent */
  gint32 member_count;
  gboolean frozen;
  gboolean hidden;
  gboolean has_frozen;
  gboolean has_hidden;
  /* FALSE when own_capabilities is listed and lacks "read-events", or config.read_events is
   * false (the channel's type keeps no read state) */
  gboolean read_events;
  gboolean has_capabilities; /* own_capabilities or config.read_events was listed: read_events
                              * is the server's word, not a default */
  StrayEventUser created_by;  /* its id is NULL when absent */
} StrayEventChannel;

typedef struct {
  const char *id;
  const char *text;
  const char *type; /* "regular", "system", "deleted", … */
  const char *parent_id;
  const char *created_at;
  gint64 created_at_us;
  const StrayEventUser *user; /* NULL when absent */
  const char * const *mentioned_user_ids; /* NULL-terminated; NULL when absent */
  /* What was sent with it, in pairs: Stream's type ("image", "file", …; "" when none) and a
   * name ("" when none), NULL-terminated; NULL when nothing was */
  const char * const *attachments;
  gboolean show_in_channel;
  gboolean silent;
  gboolean shadowed;
} StrayEventMessage;

typedef struct {
  const char *user_id;
  const StrayEventUser *user;
  const char *role;
  gboolean invited;               /* joined by an invite, answered or not */
  const char *invite_accepted_at; /* NULL when not accepted */
  const char *invite_rejected_at; /* NULL when not rejected */
} StrayEventMember;

/* An invite not yet accepted nor rejected (Stream's invite "pending"). */
#define STRAY_EVENT_MEMBER_INVITE_PENDING(m) ((m)->invited && (m)->invite_accepted_at == NULL && \
                                              (m)->invite_rejected_at == NULL)

typedef struct {
  const char *type;
  const char *message_id;
  const char *user_id;
  gint32 score;
} StrayEventReaction;

typedef struct {
  const char *channel_cid;
  const char *parent_message_id;
  const char *title;
  gint32 reply_count;
  gint32 participant_count;
} StrayEventThread;

typedef struct {
  StrayEventUser user;
  gint32 total_unread_count;
  gint32 unread_channels;
  gint32 unread_count;
  gint32 unread_threads;
  const char * const *muted_user_ids;     /* NULL-terminated; NULL when absent */
  const gint64 *muted_user_expires_us;    /* beside each muted user: when the mute ends (µs);
                                           * 0: until unmuted */
  const char * const *muted_channel_cids; /* NULL-terminated; NULL when absent */
} StrayEventMe;

/* A message reminder (reminder.*, notification.reminder_due, queryReminders), stream-chat-js'
 * ReminderResponse. */
typedef struct {
  const char *message_id;
  const char *channel_cid;
  const char *user_id;
  gint64 remind_at_us;  /* 0: no time (a bookmark) */
  gint64 updated_at_us; /* 0 when absent */
  const StrayEventMessage *message; /* NULL when absent */
} StrayEventReminder;

/* A server's refusal, the `error` of connection.error. */
typedef struct {
  gint32 code;            /* Stream's code; STRAY_COUNT_UNSET when absent */
  const char *message;
} StrayEventRefusal;

typedef struct {
  StrayEventType type;
  const char *type_name;
  const char *cid;
  const char *channel_type;
  const char *channel_id;
  const char *connection_id;
  const char *created_at;
  gint64 created_at_us; /* 0 when absent */

  const StrayEventUser *user;
  const StrayEventUser *target_user;
  const StrayEventChannel *channel;
  const StrayEventMessage *message;
  const StrayEventMember *member;
  const StrayEventReaction *reaction;
  const StrayEventThread *thread;
  const StrayEventMe *me;
  const StrayEventRefusal *refusal;
  const StrayEventReminder *reminder;

  /* Unread counters; STRAY_COUNT_UNSET when the frame does not carry them. */
  gint32 total_unread_count;
  gint32 unread_channels;
  gint32 unread_count;
  gint32 unread_messages;
  gint32 unread_threads;
  gint32 unread_thread_messages;
  gint32 channel_member_count;
  gint32 watcher_count;

  const char *last_read_message_id;
  const char *first_unread_message_id;
  gboolean online;
  gboolean hard_delete;
  gboolean clear_history;

  /* The whole frame; custom events are read from here. */
  JsonNode *root;
} StrayEvent;

#define STRAY_TYPE_EVENT (stray_event_get_type ())

GType        stray_event_get_type        (void) G_GNUC_CONST;
GQuark       stray_event_error_quark     (void);

StrayEvent  *stray_event_decode          (const char   *frame,
                                          gsize         length,
                                          GError      **error);
StrayEvent  *stray_event_ref             (StrayEvent   *self);
void         stray_event_unref           (StrayEvent   *self);

const char  *stray_event_type_to_string  (StrayEventType type);
StrayEventType stray_event_type_from_string (const char *type_name);

gboolean     stray_parse_timestamp       (const char   *text,
                                          gint64       *out_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayEvent, stray_event_unref)

G_END_DECLS
