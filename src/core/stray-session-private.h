/* stray-session-private.h: what the session's resync (stray-session-sync.c) sees inside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-channel-private.h"
#include "stray-invite.h"
#include "stray-reminder.h"
#include "stray-session.h"

G_BEGIN_DECLS

/* A change of a channel's unread count, as an event made it: kept while a resync runs, to be
 * applied again on top of a resync answer older than it (stray-session-sync.c). */
typedef struct {
  char *cid;              /* NULL: every channel (all marked read) */
  gint64 at;              /* the event's moment (server time, µs); 0 when absent */
  gint step;              /* +1: one more unread message, -1: one fewer (a hard delete);
                           * 0: the count becomes `unread` */
  guint unread;
  gboolean attention;     /* the message mentions the user or is direct */
} StrayCountFact;

struct _StraySession
{
  GObject parent_instance;

  StrayChannelList *channels;
  char *user_id;
  char *user_name;
  char *user_image;
  guint total_unread_count;
  guint unread_channels;
  guint unread_threads;
  gint64 unread_threads_at;   /* the moment of the newest event that told it (µs, server time) */
  guint thread_facts;         /* how many events told it */
  guint thread_facts_at_sync; /* thread_facts when the running resync began */
  GHashTable *muted_users;    /* user id → when the mute ends (gint64 µs, server time; 0: until
                               * unmuted) */
  GHashTable *muted_channels; /* set of cids */
  StrayConnectionState connection_state;
  /* While a resync runs (NULL outside one): */
  GHashTable *synced;         /* cids answered or named by live events since begin_sync */
  GPtrArray *facts;           /* of StrayCountFact, the live count changes, in order; kept
                               * while a resync or a fetch runs */
  GHashTable *removed;        /* cids that live events removed while a resync or a fetch runs */
  guint fetches;              /* stray_session_begin_fetch() not yet ended */
  /* Channels GET /unread counts that the model does not know: cid → unread count. */
  GHashTable *unknown;
  /* Once a resync completed, the totals are the channels' sum (and the unknown channels'). */
  gboolean totals_from_channels;
  GListStore *invites;        /* of StrayInvite: pending invites (stray-session-invites.c) */
  GHashTable *invites_seen;   /* while a resync runs: cids of invites it or events named */
  /* stray-session-reminders.c: */
  GListStore *reminders;      /* of StrayReminder with a time, soonest first */
  GHashTable *reminder_facts; /* message id → the newest fact's time, and whether a deletion */
  GHashTable *reminders_seen; /* while a queryReminders runs: message ids events named */
  guint reminder_queries;     /* queryReminders begun and not yet ended */
};

/* The server's totals; STRAY_COUNT_UNSET leaves one as it is. */
void     stray_session_set_totals (StraySession *self,
                                   gint32        total_unread_count,
                                   gint32        unread_channels);
void     stray_session_set_unread_threads (StraySession *self,
                                           guint         unread_threads);

/* stray-session-threads.c */
void     stray_session_take_unread_threads (StraySession *self,
                                            gint32        unread_threads,
                                            gint64        at);
void     stray_session_begin_sync_threads  (StraySession *self);
void     stray_session_take_answer_threads (StraySession *self,
                                            gint32        unread_threads,
                                            gboolean      unless_told);
gboolean stray_session_is_valid_cid (const char *cid);
void     stray_session_update_totals (StraySession *self);
void     stray_session_forget_unknown (StraySession *self,
                                       const char   *cid);
void     stray_session_notify_unknown (StraySession *self);
gboolean stray_session_message_is_candidate (StraySession            *self,
                                             const StrayEventMessage *message);
gboolean stray_session_message_mentions_user (StraySession            *self,
                                              const StrayEventMessage *message);
void     stray_session_take_fact (StraySession *self,
                                  const char   *cid,
                                  gint64        at,
                                  gint          step,
                                  guint         unread,
                                  gboolean      attention);

void     stray_session_take_event_members (StraySession                *self,
                                           StrayChannel                *channel,
                                           const StrayEvent            *event);

/* stray-session-reminders.c */
void     stray_session_forget_message_reminder (StraySession           *self,
                                                const StrayEvent       *event);
void     stray_session_apply_reminder     (StraySession                *self,
                                           const StrayEvent            *event);
void     stray_session_forget_reminders   (StraySession                *self);

/* stray-session-invites.c */
void     stray_session_apply_invite       (StraySession                *self,
                                           const StrayEvent            *event);
void     stray_session_forget_invite      (StraySession                *self,
                                           const char                  *cid);
gboolean stray_session_sync_invite        (StraySession                *self,
                                           const StrayRestChannelState *state);
void     stray_session_begin_sync_invites (StraySession                *self);
void     stray_session_end_sync_invites   (StraySession                *self);

G_END_DECLS
