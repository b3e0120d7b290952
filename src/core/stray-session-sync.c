/* stray-session-sync.c: the session made what the server says after a gap
 *
 * After every handshake the connection pages through queryChannels and asks GET /unread
 * (stray-resync.c); each decoded channel state replaces the model's channel, the channels no
 * page named (and no live event) go, and the totals become the channels' sum. Kept apart
 * from stray-session.c, which applies events one by one.
 *
 * Answers and events race: an answer computed before some events may arrive after them, and
 * an event the answer already counts may arrive after the answer. So every fact carries the
 * moment it describes, in the server's time, and an older fact never overwrites a newer one:
 * - a channel state's moment is the newest server timestamp in it: the channel's
 *   `last_message_at`, its newest message's `created_at`, the user's `read[].last_read`.
 *   The server computed the answer after all of these, so every count change up to that
 *   moment is in it; and a change after it (a message, a read) would have shown in those
 *   fields, so none is. Server timestamps, not the request's send time on the local clock:
 *   events carry server time, and a skewed local clock could not be compared with them.
 * - a live event's moment is its `created_at` (a message's own `created_at` for message.new).
 * While a resync runs, the count changes live events make are kept (StrayCountFact); an
 * answer sets the channel's count as of its moment, then the kept changes newer than that
 * moment are applied again on top. After an answer, a late event no newer than its moment
 * changes nothing (apply_fact()).
 * A resync starts afresh (every channel's answer moment back to 0): its answers are all newer
 * than the last resync's, and than anything the old socket said. That matters for
 * notification.mark_unread, which moves `last_read` back: a state after it can read as older
 * than one taken before it, and within a resync it is not taken (the live event sets the
 * count); where the event was missed, the next resync takes it.
 * GET /unread names channels with unread messages but gives no moment a count could be
 * compared with: it only tells which channels the model does not know yet (unknown-channels).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include "stray-session-private.h"

/* The most members named in a title; a larger group reads "A, B, C and 4 more". */
#define MEMBERS_TITLE_MAX 3

static void
count_fact_free (gpointer data)
{
  StrayCountFact *fact = data;

  g_free (fact->cid);
  g_free (fact);
}

/* Changes @channel's unread count as @fact says, unless the resync answer the count was last
 * taken from is as new as the fact: then the answer has it already. */
static void
apply_fact (StrayChannel         *channel,
            const StrayCountFact *fact)
{
  if (fact->at != 0 && fact->at <= stray_channel_get_synced_at (channel))
    return;
  if (fact->step > 0)
    {
      stray_channel_set_unread_count (channel, stray_channel_get_unread_count (channel) + 1);
      if (fact->attention)
        stray_channel_set_attention (channel, TRUE);
    }
  else if (fact->step < 0)
    {
      guint unread = stray_channel_get_unread_count (channel);

      stray_channel_set_unread_count (channel, unread > 0 ? unread - 1 : 0);
    }
  else
    {
      stray_channel_set_unread_count (channel, fact->unread);
      /* Read up to the fact's moment; a count above 0 (marked unread) moves the moment back
       * to one the model does not know, so it stays where it was. */
      if (fact->unread == 0 && fact->at > stray_channel_get_read_at (channel))
        stray_channel_set_read_at (channel, fact->at);
    }
}

/**
 * stray_session_take_fact:
 *
 * Applies a count change an event makes (to @cid's channel, or to every channel when @cid is
 * NULL), and keeps it while a resync runs, for the answers older than it: even when the model
 * does not know the channel yet, since an answer may bring it.
 */
void
stray_session_take_fact (StraySession *self,
                         const char   *cid,
                         gint64        at,
                         gint          step,
                         guint         unread,
                         gboolean      attention)
{
  StrayCountFact fact = {
    .cid = (char *) cid,
    .at = at,
    .step = step,
    .unread = unread,
    .attention = attention,
  };
  StrayChannel *channel;

  if (cid != NULL)
    {
      if ((channel = stray_channel_list_lookup (self->channels, cid)) != NULL)
        apply_fact (channel, &fact);
    }
  else
    {
      guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (self->channels));

      for (guint i = 0; i < n_channels; i++)
        apply_fact (stray_channel_list_peek (self->channels, i), &fact);
    }
  if (self->facts != NULL)
    {
      StrayCountFact *kept = g_memdup2 (&fact, sizeof fact);

      kept->cid = g_strdup (fact.cid);
      g_ptr_array_add (self->facts, kept);
    }
}

void
stray_session_begin_sync (StraySession *self)
{
  guint n_channels;

  g_return_if_fail (STRAY_IS_SESSION (self));

  n_channels = g_list_model_get_n_items (G_LIST_MODEL (self->channels));
  for (guint i = 0; i < n_channels; i++)
    stray_channel_set_synced_at (stray_channel_list_peek (self->channels, i), 0);
  g_clear_pointer (&self->synced, g_hash_table_unref);
  self->synced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  stray_session_begin_sync_invites (self);
  stray_session_begin_sync_threads (self);
  /* A fetch on its way still needs the changes and removals kept since it was asked. */
  if (self->fetches == 0)
    {
      g_clear_pointer (&self->removed, g_hash_table_unref);
      g_clear_pointer (&self->facts, g_ptr_array_unref);
    }
  if (self->removed == NULL)
    self->removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (self->facts == NULL)
    self->facts = g_ptr_array_new_with_free_func (count_fact_free);
}

/* The kept count changes and removals go once no answer is on its way. */
static void
release_facts (StraySession *self)
{
  if (self->synced == NULL && self->fetches == 0)
    {
      g_clear_pointer (&self->facts, g_ptr_array_unref);
      g_clear_pointer (&self->removed, g_hash_table_unref);
    }
}

/**
 * stray_session_begin_fetch:
 *
 * Before asking for single channels outside a resync (those stray_session_dup_unknown_cids()
 * names): until the matching stray_session_end_fetch(), the count changes events make are
 * kept, so that the answers, given to stray_session_sync_channel(), are reconciled with the
 * events as a resync's are. Unlike a resync, it drops no channel.
 */
void
stray_session_begin_fetch (StraySession *self)
{
  g_return_if_fail (STRAY_IS_SESSION (self));

  self->fetches++;
  if (self->facts == NULL)
    self->facts = g_ptr_array_new_with_free_func (count_fact_free);
  if (self->removed == NULL)
    self->removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
stray_session_end_fetch (StraySession *self)
{
  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (self->fetches > 0);

  self->fetches--;
  release_facts (self);
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

/**
 * stray_session_take_event_members:
 *
 * A channel the user was just added to (notification.added_to_channel carries the channel
 * with its members) is titled by its members at once, as a resync would title it. The
 * event's channel is read as one queryChannels entry, by the same decoder.
 */
void
stray_session_take_event_members (StraySession     *self,
                                  StrayChannel     *channel,
                                  const StrayEvent *event)
{
  JsonObject *root = event->root != NULL && JSON_NODE_HOLDS_OBJECT (event->root)
                     ? json_node_get_object (event->root) : NULL;
  JsonNode *channel_node = root != NULL ? json_object_get_member (root, "channel") : NULL;
  g_autoptr(JsonObject) state = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) answer_node = NULL;
  g_autoptr(StrayRestChannelsPage) page = NULL;
  g_autofree char *members_title = NULL;
  JsonArray *channels = json_array_new ();

  json_object_set_array_member (answer, "channels", channels);
  if (channel_node == NULL || !JSON_NODE_HOLDS_OBJECT (channel_node) ||
      json_object_get_member (json_node_get_object (channel_node), "members") == NULL)
    return;
  state = json_object_new ();
  json_object_set_member (state, "channel", json_node_copy (channel_node));
  json_object_set_member (state, "members",
                          json_node_copy (json_object_get_member (
                            json_node_get_object (channel_node), "members")));
  json_array_add_object_element (channels, g_steal_pointer (&state));
  answer_node = json_node_init_object (json_node_alloc (), answer);
  page = stray_rest_channels_page_decode (answer_node, NULL);
  if (page == NULL || page->n_channels != 1 || !page->channels[0].has_members)
    return;
  members_title = members_title_new (self, &page->channels[0],
                                     stray_channel_get_member_count (channel));
  stray_channel_set_members_title (channel, members_title);
}

/* The user's entry of a channel state's `read`, if any. */
static const StrayRestRead *
own_read (StraySession                *self,
          const StrayRestChannelState *state)
{
  const StrayRestRead *found = NULL;

  for (guint i = 0; i < state->n_reads; i++)
    {
      const StrayRestRead *read = &state->reads[i];

      if (g_strcmp0 (read->user != NULL ? read->user->id : NULL, self->user_id) == 0)
        found = read;
    }
  return found;
}

/* The moment a channel state describes: its newest server timestamp (see the top). */
static gint64
state_moment (const StrayRestChannelState *state,
              const StrayRestRead         *read)
{
  gint64 moment = state->channel.last_message_at_us;

  for (guint i = 0; i < state->n_messages; i++)
    moment = MAX (moment, state->messages[i].created_at_us);
  if (read != NULL)
    moment = MAX (moment, read->last_read_us);
  return moment;
}

/* Whether the channel needs attention after the gap, as it would had its messages been seen
 * live: a direct conversation with unread messages, or an unread message mentioning the user.
 * The state lists the newest messages; of those after the user's last read that could count,
 * the server counted `unread`. When there are more (messages in the channel while it was
 * muted, which the server did not count), the counted ones are taken to be the oldest while
 * the channel is muted now and the newest otherwise; when there are fewer (more unread than
 * listed), a mention among them calls for attention and what the model had stands otherwise. */
static gboolean
state_attention (StraySession                *self,
                 StrayChannel                *channel,
                 const StrayRestChannelState *state,
                 guint                        unread,
                 gint64                       last_read_us,
                 gboolean                     had_attention)
{
  g_autoptr(GPtrArray) candidates = NULL;
  guint first;

  if (unread == 0)
    return FALSE;
  if (stray_channel_is_direct (channel))
    return TRUE;
  candidates = g_ptr_array_new ();
  for (guint i = 0; i < state->n_messages; i++)
    {
      const StrayEventMessage *message = &state->messages[i];

      if (message->created_at_us > last_read_us &&
          stray_session_message_is_candidate (self, message))
        g_ptr_array_add (candidates, (gpointer) message);
    }
  first = 0;
  if (candidates->len > unread && !stray_channel_get_muted (channel))
    first = candidates->len - unread;
  for (guint i = first; i < candidates->len && i - first < unread; i++)
    if (stray_session_message_mentions_user (self, g_ptr_array_index (candidates, i)))
      return TRUE;
  return candidates->len < unread ? had_attention : FALSE;
}

/* The channel's count as of the answer's moment, and the live changes newer than it on top. */
static void
take_state_counts (StraySession                *self,
                   StrayChannel                *channel,
                   const StrayRestChannelState *state,
                   const StrayRestRead         *read,
                   gint64                       moment)
{
  gboolean had_attention = stray_channel_get_attention (channel);
  guint unread = 0;
  gint64 last_read_us = 0;
  const char *cid = stray_channel_get_cid (channel);

  if (read != NULL)
    {
      unread = read->unread_messages != STRAY_COUNT_UNSET ? (guint) read->unread_messages : 0;
      last_read_us = read->last_read_us;
    }
  stray_channel_set_synced_at (channel, moment);
  stray_channel_set_unread_count (channel, unread);
  if (read != NULL)
    stray_channel_set_read_at (channel, last_read_us);
  stray_channel_set_attention (channel, state_attention (self, channel, state, unread,
                                                         last_read_us, had_attention));

  if (self->facts == NULL)
    return;
  for (guint i = 0; i < self->facts->len; i++)
    {
      const StrayCountFact *fact = g_ptr_array_index (self->facts, i);

      if (fact->cid == NULL || g_str_equal (fact->cid, cid))
        apply_fact (channel, fact);
    }
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
  const StrayRestRead *read;
  g_autoptr(StrayMessagePreview) preview = NULL;
  StrayMessagePreview *shown;
  StrayChannel *channel;
  gint64 moment, synced_at;

  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (state != NULL);

  data = &state->channel;
  if (!stray_session_is_valid_cid (data->cid))
    {
      g_debug ("ignoring a channel state without a valid cid");
      return;
    }
  /* The channel went after the server answered (the user cannot be back in it without an
   * event saying so, which forgets the removal). */
  if (self->removed != NULL && g_hash_table_contains (self->removed, data->cid))
    return;
  /* Invited and not accepted: an invite, not one of the user's channels. */
  if (stray_session_sync_invite (self, state))
    return;
  g_object_freeze_notify (G_OBJECT (self));
  channel = stray_channel_list_lookup (self->channels, data->cid);
  if (channel == NULL)
    {
      g_autoptr(StrayChannel) added = stray_channel_new (data->cid);

      stray_channel_list_add (self->channels, added);
      channel = added;
      stray_session_forget_unknown (self, data->cid);
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

  read = own_read (self, state);
  moment = state_moment (state, read);
  synced_at = stray_channel_get_synced_at (channel);
  /* An answer older than one taken already (a page asked before it) has nothing newer. */
  if (moment >= synced_at)
    take_state_counts (self, channel, state, read, moment);

  /* The newest message shown stays the newest, whichever of answer and event brought it. */
  preview = preview_of (state);
  shown = stray_channel_get_last_message (channel);
  if (preview != NULL ? shown == NULL || preview->created_at_us >= shown->created_at_us
                      : moment >= synced_at)
    stray_channel_set_last_message (channel, preview);
  if (data->last_message_at_us > stray_channel_get_last_message_at (channel))
    stray_channel_set_last_message_at (channel, data->last_message_at_us);
  else if (preview != NULL && preview->created_at_us > stray_channel_get_last_message_at (channel))
    stray_channel_set_last_message_at (channel, preview->created_at_us);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The channels GET /unread counts that the model does not know. */
static void
record_unknown (StraySession          *self,
                const StrayRestUnread *unread)
{
  guint before = g_hash_table_size (self->unknown);

  g_hash_table_remove_all (self->unknown);
  for (guint i = 0; i < unread->n_channels; i++)
    {
      const StrayRestUnreadChannel *entry = &unread->channels[i];

      if (entry->unread_count <= 0 || !stray_session_is_valid_cid (entry->cid) ||
          stray_channel_list_lookup (self->channels, entry->cid) != NULL ||
          (self->removed != NULL && g_hash_table_contains (self->removed, entry->cid)))
        continue;
      g_hash_table_insert (self->unknown, g_strdup (entry->cid),
                           GUINT_TO_POINTER ((guint) entry->unread_count));
    }
  if (before > 0 || g_hash_table_size (self->unknown) > 0)
    stray_session_notify_unknown (self);
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
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < gone->len; i++)
    stray_channel_list_remove (self->channels, g_ptr_array_index (gone, i));
  stray_session_end_sync_invites (self);
  if (unread != NULL)
    {
      record_unknown (self, unread);
      stray_session_take_answer_threads (self, unread->total_unread_threads_count, TRUE);
    }
  g_clear_pointer (&self->synced, g_hash_table_unref);
  release_facts (self);

  self->totals_from_channels = TRUE;
  stray_session_update_totals (self);
  g_object_thaw_notify (G_OBJECT (self));
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
                            (gint32) MIN (unread->n_channels, G_MAXINT32));
  /* Taken only when no event came while it was asked (stray-resync.c). */
  stray_session_take_answer_threads (self, unread->total_unread_threads_count, FALSE);
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
  stray_session_forget_reminders (self);
  /* Signed in again, the handshake's totals are the first there are. */
  self->totals_from_channels = FALSE;
  self->unread_threads_at = 0;
  stray_session_set_connection_state (self, STRAY_CONNECTION_NOT_CONFIGURED);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * stray_session_dup_unknown_cids:
 *
 * Returns: (transfer full): the channels the server counts unread messages in (GET /unread)
 *   that the model does not know yet, for the connection to fetch; sorted
 */
char **
stray_session_dup_unknown_cids (StraySession *self)
{
  g_autoptr(GPtrArray) cids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer cid;

  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  g_hash_table_iter_init (&iter, self->unknown);
  while (g_hash_table_iter_next (&iter, &cid, NULL))
    g_ptr_array_add (cids, g_strdup (cid));
  g_ptr_array_sort (cids, compare_strings);
  g_ptr_array_add (cids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&cids), FALSE);
}
