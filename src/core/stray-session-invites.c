/* stray-session-invites.c: the user's pending channel invites
 *
 * Stream's invites (its Invites docs): an invited user is a member with `invited` set until
 * they accept or reject. The session keeps the pending ones apart from the channels, as a
 * list model of StrayInvite: notification.invited adds one, notification.invite_accepted and
 * invite_rejected (from this device or another) remove it, a resync lists what queryChannels
 * shows (the user's own member entry, pending), and leaving or losing the channel removes it.
 * A pending or rejected invite is no channel of the user's: it counts no unread messages and
 * a resync leaves it out of the channel list; an accepted one joins it at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-core"

#include "config.h"

#include "stray-session-private.h"

static guint
find_invite (StraySession *self,
             const char   *cid)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->invites));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(StrayInvite) invite = g_list_model_get_item (G_LIST_MODEL (self->invites), i);

      if (g_strcmp0 (stray_invite_get_cid (invite), cid) == 0)
        return i;
    }
  return G_MAXUINT;
}

/**
 * stray_session_lookup_invite:
 *
 * Returns: (transfer none) (nullable): the pending invite to @cid
 */
StrayInvite *
stray_session_lookup_invite (StraySession *self,
                             const char   *cid)
{
  guint position;
  StrayInvite *invite;

  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  position = cid != NULL ? find_invite (self, cid) : G_MAXUINT;
  if (position == G_MAXUINT)
    return NULL;
  invite = g_list_model_get_item (G_LIST_MODEL (self->invites), position);
  /* The store keeps it alive. */
  g_object_unref (invite);
  return invite;
}

/**
 * stray_session_get_invites:
 *
 * Returns: (transfer none): the pending invites, a list model of StrayInvite, oldest first
 */
GListModel *
stray_session_get_invites (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->invites);
}

/* Adds the invite to @cid, or replaces it with what is newer (a name learnt late). */
static void
keep_invite (StraySession *self,
             const char   *cid,
             const char   *channel_name,
             const char   *inviter_name)
{
  g_autoptr(StrayInvite) invite = NULL;
  guint position = find_invite (self, cid);

  if (self->invites_seen != NULL)
    g_hash_table_add (self->invites_seen, g_strdup (cid));
  if (position != G_MAXUINT)
    {
      StrayInvite *kept = g_list_model_get_item (G_LIST_MODEL (self->invites), position);

      if (inviter_name == NULL)
        inviter_name = stray_invite_get_inviter_name (kept);
      if (channel_name == NULL)
        channel_name = stray_invite_get_channel_name (kept);
      invite = stray_invite_new (cid, channel_name, inviter_name);
      g_object_unref (kept);
      g_list_store_splice (self->invites, position, 1, (gpointer *) &invite, 1);
      return;
    }
  invite = stray_invite_new (cid, channel_name, inviter_name);
  g_list_store_append (self->invites, invite);
}

void
stray_session_forget_invite (StraySession *self,
                             const char   *cid)
{
  guint position = cid != NULL ? find_invite (self, cid) : G_MAXUINT;

  if (self->invites_seen != NULL && cid != NULL)
    g_hash_table_remove (self->invites_seen, cid);
  if (position != G_MAXUINT)
    g_list_store_remove (self->invites, position);
}

static gboolean
is_own_member (StraySession           *self,
               const StrayEventMember *member)
{
  return member != NULL && self->user_id != NULL &&
         g_strcmp0 (member->user_id, self->user_id) == 0;
}

/**
 * stray_session_apply_invite:
 *
 * Takes notification.invited: the user's own pending invite joins the list. The inviter is
 * the event's user when that is someone else, else the channel's creator (Stream's event
 * may name the invitee as its user; the catalogue does not say).
 */
void
stray_session_apply_invite (StraySession     *self,
                            const StrayEvent *event)
{
  const char *inviter = NULL;

  if (!is_own_member (self, event->member) ||
      !STRAY_EVENT_MEMBER_INVITE_PENDING (event->member) ||
      !stray_session_is_valid_cid (event->cid))
    return;
  if (event->user != NULL && event->user->id != NULL &&
      g_strcmp0 (event->user->id, self->user_id) != 0)
    inviter = event->user->name != NULL ? event->user->name : event->user->id;
  else if (event->channel != NULL && event->channel->created_by.id != NULL &&
           g_strcmp0 (event->channel->created_by.id, self->user_id) != 0)
    inviter = event->channel->created_by.name != NULL ? event->channel->created_by.name
                                                      : event->channel->created_by.id;
  keep_invite (self, event->cid, event->channel != NULL ? event->channel->name : NULL,
               inviter);
}

/* The user's member entry in @state (its `membership`, else among its members), if listed. */
static const StrayEventMember *
own_member (StraySession                *self,
            const StrayRestChannelState *state)
{
  if (state->has_membership)
    return &state->membership;
  for (guint i = 0; i < state->n_members; i++)
    if (is_own_member (self, &state->members[i]))
      return &state->members[i];
  return NULL;
}

/**
 * stray_session_sync_invite:
 *
 * Takes a resync's channel when it is one the user was invited to and has not accepted.
 *
 * Returns: %TRUE when @state is such a channel (not one of the user's channels)
 */
gboolean
stray_session_sync_invite (StraySession                *self,
                           const StrayRestChannelState *state)
{
  const StrayEventMember *member = own_member (self, state);

  if (member == NULL || !member->invited || member->invite_accepted_at != NULL)
    return FALSE;
  if (member->invite_rejected_at == NULL)
    keep_invite (self, state->channel.cid, state->channel.name, NULL);
  else
    stray_session_forget_invite (self, state->channel.cid);
  return TRUE;
}

/* A resync: the invites it does not list (nor live events name meanwhile) are gone. */
void
stray_session_begin_sync_invites (StraySession *self)
{
  g_clear_pointer (&self->invites_seen, g_hash_table_unref);
  self->invites_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
stray_session_end_sync_invites (StraySession *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->invites));

  if (self->invites_seen == NULL)
    return;
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(StrayInvite) invite = g_list_model_get_item (G_LIST_MODEL (self->invites),
                                                             i - 1);

      if (!g_hash_table_contains (self->invites_seen, stray_invite_get_cid (invite)))
        g_list_store_remove (self->invites, i - 1);
    }
  g_clear_pointer (&self->invites_seen, g_hash_table_unref);
}
