/* stray-session-private.h: what the session's resync (stray-session-sync.c) sees inside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-session.h"

G_BEGIN_DECLS

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
  GHashTable *muted_users;    /* set of user ids */
  GHashTable *muted_channels; /* set of cids */
  StrayConnectionState connection_state;
  GHashTable *synced;         /* cids seen since begin_sync; NULL outside a sync */
};

/* The server's totals; STRAY_COUNT_UNSET leaves one as it is. */
void     stray_session_set_totals (StraySession *self,
                                   gint32        total_unread_count,
                                   gint32        unread_channels,
                                   gint32        unread_threads);
gboolean stray_session_is_valid_cid (const char *cid);

G_END_DECLS
