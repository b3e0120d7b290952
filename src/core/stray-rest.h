/* stray-rest.h: the REST answers the model reads, decoded
 *
 * queryChannels pages, GET /unread and a channel's messages are decoded into the structures
 * WebSocket frames use (stray-event.h), by the same readers and with the same checks (UTF-8,
 * nesting, field types), so that the model never reads raw JSON. The client decodes them on
 * its worker thread (stray-client.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-event.h"

G_BEGIN_DECLS

/* A page of 30 channels, each listing up to 100 members, runs to megabytes: a frame's 1 MiB
 * would refuse real pages. Larger answers are refused before parsing. */
#define STRAY_REST_MAX_ANSWER_SIZE (16 * 1024 * 1024)

/* The strings point into the answer, which the decoded structure keeps alive. */

/* One entry of a channel state's `read`. */
typedef struct {
  const StrayEventUser *user;     /* NULL when absent */
  gint32 unread_messages;         /* STRAY_COUNT_UNSET when absent */
  const char *last_read;
  gint64 last_read_us;            /* 0 when absent */
} StrayRestRead;

/* One entry of queryChannels' `channels`. */
typedef struct {
  StrayEventChannel channel;
  gboolean hidden;                /* the state's `hidden`, which is the user's */
  gboolean has_members;           /* `members` was listed */
  const StrayEventMember *members;
  guint n_members;
  const StrayRestRead *reads;
  guint n_reads;
  const StrayEventMessage *messages; /* oldest first */
  guint n_messages;
  gboolean has_membership;        /* `membership`, the user's own member entry, was listed */
  StrayEventMember membership;
  StrayEventUser membership_user;
} StrayRestChannelState;

/* One answer of queryChannels: a page of the user's channels, newest first. */
typedef struct {
  const StrayRestChannelState *channels;
  guint n_channels;
} StrayRestChannelsPage;

/* One entry of GET /unread's `channels`: a channel with unread messages. */
typedef struct {
  const char *cid;                /* `channel_id`, which is a cid */
  gint32 unread_count;            /* STRAY_COUNT_UNSET when absent */
  const char *last_read;
  gint64 last_read_us;            /* 0 when absent */
} StrayRestUnreadChannel;

/* The answer of GET /unread. */
typedef struct {
  gint32 total_unread_count;
  gint32 total_unread_threads_count; /* STRAY_COUNT_UNSET when absent */
  const StrayRestUnreadChannel *channels;
  guint n_channels;
} StrayRestUnread;

JsonNode              *stray_rest_parse                (const char             *text,
                                                        gsize                   length,
                                                        GError                **error);

StrayRestChannelsPage *stray_rest_channels_page_decode (JsonNode               *root,
                                                        GError                **error);
void                   stray_rest_channels_page_free   (StrayRestChannelsPage  *page);

StrayRestUnread       *stray_rest_unread_decode        (JsonNode               *root,
                                                        GError                **error);
void                   stray_rest_unread_free          (StrayRestUnread        *unread);

GListModel            *stray_rest_messages_decode      (JsonNode               *root,
                                                        GError                **error);

/* The answer of POST /sync (stray-rest-sync.c): the events missed, each decoded as a frame. */
typedef struct {
  const StrayEvent * const *events;  /* oldest first */
  guint n_events;
  const char * const *inaccessible_cids;
  guint n_inaccessible_cids;
} StrayRestSync;

StrayRestSync         *stray_rest_sync_decode          (JsonNode               *root,
                                                        GError                **error);
void                   stray_rest_sync_free            (StrayRestSync          *sync);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayRestSync, stray_rest_sync_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayRestChannelsPage, stray_rest_channels_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayRestUnread, stray_rest_unread_free)

G_END_DECLS
