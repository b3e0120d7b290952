/* stray-dev-store-channels.c
 *
 * The store's channels and their members: creating, updating, deleting, truncating, joining
 * and leaving, hiding; and a channel as clients are sent it (the channel object with the
 * viewer's capabilities, members, and one entry of queryChannels' `channels`).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

/* Stream's built-in capabilities of a channel member, minus what a frozen channel forbids. */
static const char * const member_capabilities[] = {
  "ban-channel-members", "connect-events", "delete-own-message", "flag-message",
  "freeze-channel", "join-channel", "leave-channel", "mute-channel", "pin-message",
  "quote-message", "read-events", "search-messages", "send-custom-events", "send-links",
  "send-message", "send-reaction", "send-reply", "send-typing-events", "typing-events",
  "update-channel", "update-channel-members", "update-own-message", "upload-file",
};

static void
dev_member_free (gpointer data)
{
  DevMember *member = data;

  g_free (member->user_id);
  g_free (member->role);
  g_free (member->created_at);
  g_free (member->updated_at);
  g_free (member->last_read);
  g_free (member->last_read_message_id);
  g_free (member->history_cleared_at);
  g_free (member->invite_accepted_at);
  g_free (member->invite_rejected_at);
  g_free (member);
}

void
dev_channel_free (gpointer data)
{
  DevChannel *channel = data;

  g_free (channel->cid);
  g_free (channel->type);
  g_free (channel->id);
  json_object_unref (channel->data);
  g_free (channel->created_by_id);
  g_free (channel->created_at);
  g_free (channel->updated_at);
  g_free (channel->last_message_at);
  g_free (channel->truncated_at);
  g_hash_table_unref (channel->members_by_id);
  g_ptr_array_unref (channel->members);
  g_ptr_array_unref (channel->messages);
  dev_event_log_free (&channel->log);
  g_free (channel);
}

DevChannel *
dev_lookup_channel (StrayDevStore *self,
                    const char    *cid,
                    GError       **error)
{
  DevChannel *channel = cid != NULL ? g_hash_table_lookup (self->channels, cid) : NULL;

  if (channel == NULL)
    dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Channel \"%s\" does not exist",
                    cid != NULL ? cid : "");
  return channel;
}

DevMember *
dev_lookup_member (DevChannel *channel,
                   const char *user_id)
{
  return user_id != NULL ? g_hash_table_lookup (channel->members_by_id, user_id) : NULL;
}

gboolean
stray_dev_store_has_channel (StrayDevStore *self,
                             const char    *cid)
{
  return cid != NULL && g_hash_table_contains (self->channels, cid);
}

gboolean
stray_dev_store_is_member (StrayDevStore *self,
                           const char    *cid,
                           const char    *user_id)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);

  return channel != NULL && dev_lookup_member (channel, user_id) != NULL;
}

/**
 * stray_dev_store_member_ids:
 *
 * Returns: (transfer full): the members' ids, in the order they joined
 */
GStrv
stray_dev_store_member_ids (StrayDevStore *self,
                            const char    *cid)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; channel != NULL && i < channel->members->len; i++)
    g_strv_builder_add (builder, ((DevMember *) g_ptr_array_index (channel->members, i))->user_id);
  return g_strv_builder_end (builder);
}

/**
 * stray_dev_store_user_channels:
 *
 * Returns: (transfer full): the cids of the channels @user_id is a member of
 */
GStrv
stray_dev_store_user_channels (StrayDevStore *self,
                               const char    *user_id)
{
  DevUser *user = dev_lookup_user (self, user_id);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer cid;

  if (user != NULL)
    {
      g_hash_table_iter_init (&iter, user->channels);
      while (g_hash_table_iter_next (&iter, &cid, NULL))
        g_strv_builder_add (builder, cid);
    }
  return g_strv_builder_end (builder);
}

static DevMember *
add_member (StrayDevStore *self,
            DevChannel    *channel,
            const char    *user_id,
            const char    *role)
{
  DevMember *member = dev_lookup_member (channel, user_id);

  if (member != NULL)
    return member;

  member = g_new0 (DevMember, 1);
  member->user_id = g_strdup (user_id);
  member->role = g_strdup (role);
  member->created_at = stray_dev_store_now (self);
  member->updated_at = g_strdup (member->created_at);
  member->last_read = g_strdup (member->created_at);
  g_ptr_array_add (channel->members, member);
  g_hash_table_insert (channel->members_by_id, member->user_id, member);
  g_hash_table_add (dev_ensure_user (self, user_id)->channels, g_strdup (channel->cid));
  return member;
}

static gboolean
is_channel_field (const char *name)
{
  static const char * const own[] = {
    "id", "type", "cid", "created_by", "created_by_id", "created_at", "updated_at",
    "last_message_at", "members", "member_count", "config", "own_capabilities", "frozen",
    "truncated_at", "disabled", "hidden", "invites",
  };

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    if (g_str_equal (name, own[i]))
      return TRUE;
  return FALSE;
}

static void
merge_channel_data (DevChannel *channel,
                    JsonObject *data)
{
  g_autoptr(GList) names = data != NULL ? json_object_get_members (data) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    if (!is_channel_field (l->data))
      json_object_set_member (channel->data, l->data,
                              json_node_copy (json_object_get_member (data, l->data)));
  if (data != NULL && json_object_has_member (data, "frozen"))
    channel->frozen = stray_json_boolean (data, "frozen", FALSE);
}

/**
 * stray_dev_store_create_channel:
 * @type: the channel type ("messaging", "team", …)
 * @id: the channel id
 * @created_by_id: the creator, who becomes its owner and a member
 * @member_ids: (nullable): more members
 * @data: (nullable): name, image and custom fields
 *
 * Returns: %TRUE if the channel was created, %FALSE (without error) if it already existed
 */
gboolean
stray_dev_store_create_channel (StrayDevStore      *self,
                                const char         *type,
                                const char         *id,
                                const char         *created_by_id,
                                const char * const *member_ids,
                                JsonObject         *data,
                                GError            **error)
{
  g_autofree char *cid = NULL;
  DevChannel *channel;

  if (!dev_is_valid_id (type) || !dev_is_valid_id (id))
    return dev_store_fail (
      error, STRAY_DEV_STORE_ERROR_INPUT,
      "channel type and id are required and may contain letters, digits and @_-!");
  if (!dev_channel_type_exists (self, type))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "GetOrCreateChannel failed with error: \"channel type %s does not "
                           "exist\"", type);
  if (!dev_is_valid_id (created_by_id))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "either data.created_by or data.created_by_id must be provided");
  for (guint i = 0; member_ids != NULL && member_ids[i] != NULL; i++)
    if (!dev_is_valid_id (member_ids[i]))
      return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "member id \"%s\" is not valid",
                             member_ids[i]);

  cid = g_strconcat (type, ":", id, NULL);
  if (g_hash_table_contains (self->channels, cid))
    return FALSE;

  channel = g_new0 (DevChannel, 1);
  channel->cid = g_steal_pointer (&cid);
  channel->type = g_strdup (type);
  channel->id = g_strdup (id);
  channel->data = json_object_new ();
  channel->created_by_id = g_strdup (created_by_id);
  channel->created_at = stray_dev_store_now (self);
  channel->updated_at = g_strdup (channel->created_at);
  channel->members = g_ptr_array_new_with_free_func (dev_member_free);
  channel->members_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  channel->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  merge_channel_data (channel, data);
  g_hash_table_insert (self->channels, channel->cid, channel);

  dev_ensure_user (self, created_by_id);
  for (guint i = 0; member_ids != NULL && member_ids[i] != NULL; i++)
    add_member (self, channel, member_ids[i],
                g_str_equal (member_ids[i], created_by_id) ? "owner" : "member");
  return TRUE;
}

gboolean
stray_dev_store_update_channel (StrayDevStore *self,
                                const char    *cid,
                                JsonObject    *data,
                                GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  merge_channel_data (channel, data);
  g_free (channel->updated_at);
  channel->updated_at = stray_dev_store_now (self);
  return TRUE;
}

gboolean
stray_dev_store_add_members (StrayDevStore      *self,
                             const char         *cid,
                             const char * const *user_ids,
                             GError            **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; user_ids[i] != NULL; i++)
    if (!dev_is_valid_id (user_ids[i]))
      return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "member id \"%s\" is not valid",
                             user_ids[i]);
  for (guint i = 0; user_ids[i] != NULL; i++)
    add_member (self, channel, user_ids[i], "member");
  return TRUE;
}

/**
 * stray_dev_store_invite_members:
 *
 * Makes @user_ids members with a pending invite (Stream's `invites`); a user who is a member
 * already stays as they are.
 *
 * Returns: (transfer full) (nullable): the ids newly invited, %NULL on error
 */
GStrv
stray_dev_store_invite_members (StrayDevStore      *self,
                                const char         *cid,
                                const char * const *user_ids,
                                GError            **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);
  g_autoptr(GStrvBuilder) invited = g_strv_builder_new ();

  if (channel == NULL)
    return NULL;
  for (guint i = 0; user_ids[i] != NULL; i++)
    if (!dev_is_valid_id (user_ids[i]))
      {
        dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "member id \"%s\" is not valid",
                        user_ids[i]);
        return NULL;
      }
  for (guint i = 0; user_ids[i] != NULL; i++)
    if (dev_lookup_member (channel, user_ids[i]) == NULL)
      {
        add_member (self, channel, user_ids[i], "member")->invited = TRUE;
        g_strv_builder_add (invited, user_ids[i]);
      }
  return g_strv_builder_end (invited);
}

/**
 * stray_dev_store_answer_invite:
 * @accept: %TRUE to accept, %FALSE to reject
 *
 * Answers @user_id's pending invite to @cid; fails when there is none.
 */
gboolean
stray_dev_store_answer_invite (StrayDevStore *self,
                               const char    *cid,
                               const char    *user_id,
                               gboolean       accept,
                               GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);
  DevMember *member;

  if (channel == NULL)
    return FALSE;
  member = dev_lookup_member (channel, user_id);
  if (member == NULL || !DEV_MEMBER_INVITE_PENDING (member))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "user \"%s\" has no pending invite to channel \"%s\"", user_id, cid);
  g_free (member->updated_at);
  member->updated_at = stray_dev_store_now (self);
  if (accept)
    member->invite_accepted_at = g_strdup (member->updated_at);
  else
    member->invite_rejected_at = g_strdup (member->updated_at);
  /* What arrived while the invite was pending stays read. */
  member->unread_messages = 0;
  g_free (member->last_read);
  member->last_read = g_strdup (member->updated_at);
  return TRUE;
}

gboolean
stray_dev_store_remove_members (StrayDevStore      *self,
                                const char         *cid,
                                const char * const *user_ids,
                                GError            **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; user_ids[i] != NULL; i++)
    {
      DevMember *member = dev_lookup_member (channel, user_ids[i]);
      DevUser *user = dev_lookup_user (self, user_ids[i]);

      if (member != NULL)
        {
          g_hash_table_remove (channel->members_by_id, user_ids[i]);
          g_ptr_array_remove (channel->members, member);
        }
      if (user != NULL)
        g_hash_table_remove (user->channels, cid);
    }
  return TRUE;
}

gboolean
stray_dev_store_delete_channel (StrayDevStore *self,
                                const char    *cid,
                                GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevUser *user = dev_lookup_user (self, ((DevMember *) g_ptr_array_index (channel->members,
                                                                               i))->user_id);
      if (user != NULL)
        g_hash_table_remove (user->channels, cid);
    }
  for (guint i = 0; i < channel->messages->len; i++)
    g_hash_table_remove (self->messages,
                         json_object_get_string_member (g_ptr_array_index (channel->messages, i),
                                                        "id"));
  g_hash_table_remove (self->channels, cid);
  return TRUE;
}

static void
clear_history (StrayDevStore *self,
               DevChannel    *channel)
{
  for (guint i = 0; i < channel->messages->len; i++)
    g_hash_table_remove (self->messages,
                         json_object_get_string_member (g_ptr_array_index (channel->messages, i),
                                                        "id"));
  g_ptr_array_set_size (channel->messages, 0);
}

/**
 * stray_dev_store_truncate_channel:
 *
 * Returns: (transfer none) (nullable): the channel as it is after truncation
 */
JsonObject *
stray_dev_store_truncate_channel (StrayDevStore *self,
                                  const char    *cid,
                                  GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);

  if (channel == NULL)
    return NULL;
  clear_history (self, channel);
  g_free (channel->truncated_at);
  channel->truncated_at = stray_dev_store_now (self);
  for (guint i = 0; i < channel->members->len; i++)
    ((DevMember *) g_ptr_array_index (channel->members, i))->unread_messages = 0;
  return channel->data;
}

gboolean
stray_dev_store_set_hidden (StrayDevStore *self,
                            const char    *cid,
                            const char    *user_id,
                            gboolean       hidden,
                            gboolean       clear,
                            GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);
  DevMember *member;

  if (channel == NULL)
    return FALSE;
  member = dev_lookup_member (channel, user_id);
  if (member == NULL)
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                           "user \"%s\" is not a member of channel \"%s\"", user_id, cid);
  member->hidden = hidden;
  /* Stream's clear_history: the history before now is gone for this member alone. */
  if (hidden && clear)
    {
      member->unread_messages = 0;
      g_free (member->last_read);
      member->last_read = stray_dev_store_now (self);
      g_free (member->history_cleared_at);
      member->history_cleared_at = g_strdup (member->last_read);
    }
  return TRUE;
}

/**
 * stray_dev_store_channel_json:
 * @user_id: (nullable): whose capabilities and hidden state to show
 *
 * Returns: (transfer full) (nullable): the channel object
 */
JsonObject *
stray_dev_store_channel_json (StrayDevStore *self,
                              const char    *cid,
                              const char    *user_id)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);
  DevMember *member;
  JsonObject *object;
  JsonArray *capabilities;
  g_autoptr(GList) names = NULL;

  if (channel == NULL)
    return NULL;
  member = user_id != NULL ? dev_lookup_member (channel, user_id) : NULL;

  object = json_object_new ();
  json_object_set_string_member (object, "id", channel->id);
  json_object_set_string_member (object, "type", channel->type);
  json_object_set_string_member (object, "cid", channel->cid);
  names = json_object_get_members (channel->data);
  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (channel->data, l->data)));
  json_object_set_string_member (object, "created_at", channel->created_at);
  json_object_set_string_member (object, "updated_at", channel->updated_at);
  if (channel->last_message_at != NULL)
    json_object_set_string_member (object, "last_message_at", channel->last_message_at);
  if (channel->truncated_at != NULL)
    json_object_set_string_member (object, "truncated_at", channel->truncated_at);
  json_object_set_member (object, "created_by", dev_user_node (self, channel->created_by_id));
  json_object_set_boolean_member (object, "frozen", channel->frozen);
  json_object_set_boolean_member (object, "disabled", FALSE);
  json_object_set_int_member (object, "member_count", channel->members->len);
  json_object_set_object_member (object, "config",
                                 dev_channel_type_config (self, channel->type));

  capabilities = json_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (member_capabilities); i++)
    {
      /* Non-members of a channel may read it, not write to it. */
      if (member == NULL && g_strcmp0 (member_capabilities[i], "read-events") != 0 &&
          g_strcmp0 (member_capabilities[i], "join-channel") != 0)
        continue;
      if (channel->frozen && g_str_has_prefix (member_capabilities[i], "send-"))
        continue;
      /* What the type turns off, no member may do (read-events above all: the SDK marks
       * read only with it). */
      if (!dev_channel_type_allows (self, channel->type, member_capabilities[i]))
        continue;
      json_array_add_string_element (capabilities, member_capabilities[i]);
    }
  json_object_set_array_member (object, "own_capabilities", capabilities);
  json_object_set_boolean_member (object, "hidden", member != NULL && member->hidden);
  return object;
}

static JsonObject *
member_json (StrayDevStore *self,
             DevMember     *member)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "user_id", member->user_id);
  json_object_set_member (object, "user", dev_user_node (self, member->user_id));
  json_object_set_string_member (object, "created_at", member->created_at);
  json_object_set_string_member (object, "updated_at", member->updated_at);
  json_object_set_boolean_member (object, "banned", FALSE);
  json_object_set_boolean_member (object, "shadow_banned", FALSE);
  json_object_set_string_member (object, "role", member->role);
  json_object_set_string_member (object, "channel_role", g_str_equal (member->role, "owner")
                                                          ? "channel_moderator"
                                                          : "channel_member");
  json_object_set_boolean_member (object, "notifications_muted", FALSE);
  if (member->invited)
    json_object_set_boolean_member (object, "invited", TRUE);
  if (member->invite_accepted_at != NULL)
    json_object_set_string_member (object, "invite_accepted_at", member->invite_accepted_at);
  if (member->invite_rejected_at != NULL)
    json_object_set_string_member (object, "invite_rejected_at", member->invite_rejected_at);
  return object;
}

/**
 * stray_dev_store_member_json:
 *
 * Returns: (transfer full) (nullable): the member object of @user_id in @cid
 */
JsonObject *
stray_dev_store_member_json (StrayDevStore *self,
                             const char    *cid,
                             const char    *user_id)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);
  DevMember *member = channel != NULL ? dev_lookup_member (channel, user_id) : NULL;

  return member != NULL ? member_json (self, member) : NULL;
}

/* The position in @timeline (indices into the channel's messages) of the message @id, or -1. */
static int
timeline_position (DevChannel *channel,
                   GArray     *timeline,
                   const char *id)
{
  for (guint i = 0; id != NULL && i < timeline->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages,
                                               g_array_index (timeline, guint, i));

      if (g_strcmp0 (stray_json_string (message, "id"), id) == 0)
        return (int) i;
    }
  return -1;
}

/* Which @limit messages of the viewer's @timeline a channel query answers with, from Stream's
 * message pagination (getstream.io/chat/docs/javascript/channel_pagination): id_lt/id_lte the
 * newest older than (or up to) a message, id_gt/id_gte the oldest newer than (or from) one, both
 * a range, id_around a page with the message in its middle, topped up from the other side where
 * one runs out (stream-chat-js' messagePaginationIdAround reads the middle of the page that
 * way); none, the newest. A message the timeline lacks gives an empty page. */
static void
page_range (DevChannel *channel,
            GArray     *timeline,
            JsonObject *paging,
            guint       limit,
            guint      *start,
            guint      *end)
{
  const char *around = stray_json_string (paging, "id_around");
  const char *below = stray_json_string (paging, "id_lt");
  const char *up_to = stray_json_string (paging, "id_lte");
  const char *above = stray_json_string (paging, "id_gt");
  const char *from = stray_json_string (paging, "id_gte");
  int lower = 0, upper = (int) timeline->len; /* [lower, upper) */

  *start = *end = 0;
  if (around != NULL)
    {
      int target = timeline_position (channel, timeline, around);

      if (target < 0)
        return;
      lower = MAX (0, target - (int) limit / 2);
      upper = MIN ((int) timeline->len, lower + (int) limit);
      lower = MAX (0, upper - (int) limit);
      *start = (guint) lower;
      *end = (guint) upper;
      return;
    }
  if (below != NULL || up_to != NULL)
    {
      int anchor = timeline_position (channel, timeline, below != NULL ? below : up_to);

      if (anchor < 0)
        return;
      upper = below != NULL ? anchor : anchor + 1;
    }
  if (above != NULL || from != NULL)
    {
      int anchor = timeline_position (channel, timeline, above != NULL ? above : from);

      if (anchor < 0)
        return;
      lower = above != NULL ? anchor + 1 : anchor;
      /* Upwards alone: the oldest after it. */
      if (below == NULL && up_to == NULL)
        upper = MIN (upper, lower + (int) limit);
    }
  lower = MAX (lower, upper - (int) limit);
  if (lower < upper)
    {
      *start = (guint) lower;
      *end = (guint) upper;
    }
}

/**
 * stray_dev_store_channel_state:
 * @user_id: (nullable): whose membership, capabilities and read state to show
 * @paging: (nullable): the query's `messages` ({limit, id_lt, id_around, …}); none, the newest
 *
 * Returns: (transfer full) (nullable): one entry of queryChannels' `channels`
 */
JsonObject *
stray_dev_store_channel_state (StrayDevStore *self,
                               const char    *cid,
                               const char    *user_id,
                               guint          message_limit,
                               JsonObject    *paging,
                               guint          watcher_count)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);
  JsonObject *state;
  JsonArray *messages, *members, *reads;
  DevMember *own = NULL, *viewer;
  g_autoptr(GArray) timeline = g_array_new (FALSE, FALSE, sizeof (guint));
  guint start, end;

  if (channel == NULL)
    return NULL;
  viewer = dev_lookup_member (channel, user_id);

  state = json_object_new ();
  json_object_set_object_member (state, "channel",
                                 stray_dev_store_channel_json (self, cid, user_id));

  /* A page of the timeline the viewer sees, oldest first. */
  messages = json_array_new ();
  for (guint i = 0; i < channel->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i);

      if (!dev_is_thread_only (message) && dev_member_sees (viewer, message))
        g_array_append_val (timeline, i);
    }
  page_range (channel, timeline, paging, message_limit, &start, &end);
  for (guint i = start; i < end; i++)
    json_array_add_object_element (messages, json_object_ref (g_ptr_array_index (
      channel->messages, g_array_index (timeline, guint, i))));
  json_object_set_array_member (state, "messages", messages);
  json_object_set_array_member (state, "pinned_messages", json_array_new ());

  members = json_array_new ();
  reads = json_array_new ();
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevMember *member = g_ptr_array_index (channel->members, i);

      json_array_add_object_element (members, member_json (self, member));
      json_array_add_object_element (reads, dev_read_json (self, member));
      if (g_strcmp0 (member->user_id, user_id) == 0)
        own = member;
    }
  json_object_set_array_member (state, "members", members);
  json_object_set_array_member (state, "read", reads);
  if (own != NULL)
    json_object_set_object_member (state, "membership", member_json (self, own));
  json_object_set_int_member (state, "watcher_count", watcher_count);
  json_object_set_array_member (state, "watchers", json_array_new ());
  json_object_set_array_member (state, "threads", json_array_new ());
  json_object_set_boolean_member (state, "hidden", own != NULL && own->hidden);
  return state;
}
