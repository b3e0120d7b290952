/* stray-session-sync.c: the session made what the server says after a gap
 *
 * After every handshake the connection pages through queryChannels and asks GET /unread
 * (stray-resync.c); each decoded channel state replaces the model's channel, the channels no
 * page named go, and the server's totals are taken. Kept apart from stray-session.c, which
 * applies events one by one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include "stray-session-private.h"

/* The most members named in a title; a larger group reads "A, B, C and 4 more". */
#define MEMBERS_TITLE_MAX 3

void
stray_session_begin_sync (StraySession *self)
{
  g_return_if_fail (STRAY_IS_SESSION (self));

  g_clear_pointer (&self->synced, g_hash_table_unref);
  self->synced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* The newest message of a channel state, as a preview. */
static StrayMessagePreview *
preview_of (const StrayRestChannelState *state)
{
  const StrayEventMessage *last;

  if (state->n_messages == 0)
    return NULL;
  last = &state->messages[state->n_messages - 1];
  if (last->id == NULL)
    return NULL;
  return stray_message_preview_new_from_event (last);
}

/* The names of a channel's members other than the user, to title channels
 * without a name; NULL when the user is alone in it. */
static char *
members_title_new (StraySession                *self,
                   const StrayRestChannelState *state,
                   guint                        member_count)
{
  g_autoptr(GString) title = g_string_new (NULL);
  guint named = 0, others = 0;

  for (guint i = 0; i < state->n_members; i++)
    {
      const StrayEventUser *user = state->members[i].user;
      const char *id = user != NULL ? user->id : NULL;
      const char *name = user != NULL ? user->name : NULL;

      if (id == NULL || g_strcmp0 (id, self->user_id) == 0)
        continue;
      others++;
      if (named == MEMBERS_TITLE_MAX)
        continue;
      if (named > 0)
        g_string_append (title, ", ");
      g_string_append (title, name != NULL && *name != '\0' ? name : id);
      named++;
    }
  if (others == 0)
    return NULL;
  /* queryChannels lists at most 100 members; member_count (the user included) counts them all. */
  if (member_count > 0)
    others = MAX (others, member_count - 1);
  if (others > named)
    g_string_append_printf (title, " and %u more", others - named);
  return g_string_free (g_steal_pointer (&title), FALSE);
}

/* The user's unread count in a channel state: its `read` entry for the user. */
static guint
own_unread (StraySession                *self,
            const StrayRestChannelState *state)
{
  guint unread = 0;

  for (guint i = 0; i < state->n_reads; i++)
    {
      const StrayRestRead *read = &state->reads[i];

      if (g_strcmp0 (read->user != NULL ? read->user->id : NULL, self->user_id) == 0)
        unread = read->unread_messages != STRAY_COUNT_UNSET ? (guint) read->unread_messages : 0;
    }
  return unread;
}

/**
 * stray_session_sync_channel:
 * @state: one channel of a queryChannels page
 *
 * Makes the model's channel what the server says it is, adding it when new.
 */
void
stray_session_sync_channel (StraySession                *self,
                            const StrayRestChannelState *state)
{
  const StrayEventChannel *data;
  g_autoptr(StrayMessagePreview) preview = NULL;
  StrayChannel *channel;
  guint unread;

  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (state != NULL);

  data = &state->channel;
  if (!stray_session_is_valid_cid (data->cid))
    {
      g_debug ("ignoring a channel state without a valid cid");
      return;
    }
  channel = stray_channel_list_lookup (self->channels, data->cid);
  if (channel == NULL)
    {
      g_autoptr(StrayChannel) added = stray_channel_new (data->cid);

      stray_channel_list_add (self->channels, added);
      channel = added;
    }
  if (self->synced != NULL)
    g_hash_table_add (self->synced, g_strdup (data->cid));

  stray_channel_set_name (channel, data->name);
  stray_channel_set_image (channel, data->image);
  stray_channel_set_member_count (channel, data->member_count != STRAY_COUNT_UNSET
                                           ? (guint) data->member_count : 0);
  if (state->has_members)
    {
      g_autofree char *members_title = members_title_new (self, state,
                                                          stray_channel_get_member_count (channel));

      stray_channel_set_members_title (channel, members_title);
    }
  stray_channel_set_frozen (channel, data->frozen);
  stray_channel_set_hidden (channel, state->hidden);
  stray_channel_set_muted (channel, g_hash_table_contains (self->muted_channels, data->cid));
  if (data->has_capabilities)
    stray_channel_set_read_events (channel, data->read_events);

  unread = own_unread (self, state);
  stray_channel_set_unread_count (channel, unread);
  /* Mentions are not in a channel's state; a direct conversation with unread messages is. */
  if (stray_channel_is_direct (channel) && unread > 0)
    stray_channel_set_attention (channel, TRUE);

  preview = preview_of (state);
  stray_channel_set_last_message (channel, preview);
  if (data->last_message_at_us > 0)
    stray_channel_set_last_message_at (channel, data->last_message_at_us);
  else if (preview != NULL)
    stray_channel_set_last_message_at (channel, preview->created_at_us);
}

/**
 * stray_session_end_sync:
 * @unread: (nullable): the answer of GET /unread
 *
 * Drops the channels the sync did not see, and takes the server's totals.
 */
void
stray_session_end_sync (StraySession          *self,
                        const StrayRestUnread *unread)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  guint n_channels;

  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (self->synced != NULL);

  n_channels = g_list_model_get_n_items (G_LIST_MODEL (self->channels));
  for (guint i = 0; i < n_channels; i++)
    {
      const char *cid = stray_channel_get_cid (stray_channel_list_peek (self->channels, i));

      if (!g_hash_table_contains (self->synced, cid))
        g_ptr_array_add (gone, g_strdup (cid));
    }
  for (guint i = 0; i < gone->len; i++)
    stray_channel_list_remove (self->channels, g_ptr_array_index (gone, i));
  g_clear_pointer (&self->synced, g_hash_table_unref);

  if (unread != NULL)
    stray_session_set_totals (self, unread->total_unread_count,
                              (gint32) MIN (unread->n_channels, G_MAXINT32), STRAY_COUNT_UNSET);
}

/**
 * stray_session_take_unread:
 * @unread: the answer of GET /unread
 *
 * After a recovery that replayed what was missed: takes the server's totals and the count of
 * each unread channel the model knows, and keeps every channel.
 */
void
stray_session_take_unread (StraySession          *self,
                           const StrayRestUnread *unread)
{
  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (unread != NULL);

  for (guint i = 0; i < unread->n_channels; i++)
    {
      const StrayRestUnreadChannel *entry = &unread->channels[i];
      StrayChannel *channel = entry->cid != NULL
                              ? stray_channel_list_lookup (self->channels, entry->cid) : NULL;

      if (channel == NULL || entry->unread_count == STRAY_COUNT_UNSET)
        continue;
      stray_channel_set_unread_count (channel, (guint) entry->unread_count);
      if (stray_channel_is_direct (channel) && entry->unread_count > 0)
        stray_channel_set_attention (channel, TRUE);
    }
  stray_session_set_totals (self, unread->total_unread_count,
                            (gint32) MIN (unread->n_channels, G_MAXINT32), STRAY_COUNT_UNSET);
}

/**
 * stray_session_clear:
 *
 * Forgets every channel and count, as after signing out: the connection state is
 * %STRAY_CONNECTION_NOT_CONFIGURED again, until a connection says otherwise.
 */
void
stray_session_clear (StraySession *self)
{
  const StrayRestUnread nothing = { .total_unread_count = 0 };

  g_return_if_fail (STRAY_IS_SESSION (self));

  stray_session_begin_sync (self);
  stray_session_end_sync (self, &nothing);
  stray_session_set_connection_state (self, STRAY_CONNECTION_NOT_CONFIGURED);
}
