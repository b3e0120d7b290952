/* stray-dev-store-reads.c
 *
 * Read state and unread counting, as Stream does them: which members a new message counts
 * for, marking read and unread, a channel's count for a user and the user's totals (the sum
 * over their channels), and the body of GET /unread. Everything that reports counts reads
 * them from here, so that they always agree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

static gboolean
counts_for (StrayDevStore *self,
            DevChannel    *channel,
            DevMember     *member,
            JsonObject    *message,
            const char    *author_id)
{
  DevUser *user = dev_lookup_user (self, member->user_id);

  if (g_str_equal (member->user_id, author_id) || !DEV_MEMBER_IS_JOINED (member))
    return FALSE;
  if (stray_json_boolean (message, "silent", FALSE) ||
      stray_json_boolean (message, "shadowed", FALSE) ||
      dev_is_thread_only (message) ||
      g_strcmp0 ((stray_json_string (message, "type") ?: ""), "system") == 0)
    return FALSE;
  /* A type without read events keeps no unread counts at all (Stream's read_events). */
  if (!dev_channel_type_has (self, channel->type, "read_events"))
    return FALSE;
  /* Muted channels and muted users' messages do not count (Stream's muting docs, and the
   * SDKs' _countMessageAsUnread). */
  if (user != NULL && (dev_channel_mute_active (self, user, channel->cid) ||
                       dev_user_mute_active (self, user, author_id)))
    return FALSE;
  return TRUE;
}

/* Whether @member still has @message in their history (hiding with clear_history ends it). */
gboolean
dev_member_sees (DevMember  *member,
                 JsonObject *message)
{
  return member == NULL || member->history_cleared_at == NULL ||
         g_strcmp0 (stray_json_string (message, "created_at"), member->history_cleared_at) > 0;
}

/* @message, about to be hard-deleted from @channel, no longer counts for the members it counted
 * for: those who had not read it, by the rules a new message counts by (as Stream's Swift
 * SDK's ChannelReadUpdaterMiddleware and Flutter's local counts take a hard delete). */
void
dev_uncount_message (StrayDevStore *self,
                     DevChannel    *channel,
                     JsonObject    *message)
{
  const char *author_id = stray_json_string (stray_json_object (message, "user"), "id");
  const char *created_at = stray_json_string (message, "created_at");

  for (guint i = 0; author_id != NULL && i < channel->members->len; i++)
    {
      DevMember *member = g_ptr_array_index (channel->members, i);

      if (member->unread_messages > 0 &&
          g_strcmp0 (created_at, member->last_read) > 0 &&
          dev_member_sees (member, message) &&
          counts_for (self, channel, member, message, author_id))
        member->unread_messages--;
    }
}

/* A message @author just added to @channel, at @now: it counts as unread for the members it
 * counts for, brings the channel back for those who hid it (unless it stays in its thread),
 * and marks the channel read for its author. */
void
dev_count_new_message (StrayDevStore *self,
                       DevChannel    *channel,
                       DevMember     *author,
                       JsonObject    *message,
                       const char    *now)
{
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevMember *member = g_ptr_array_index (channel->members, i);

      if (counts_for (self, channel, member, message, author->user_id))
        member->unread_messages++;
      if (!dev_is_thread_only (message))
        member->hidden = FALSE;
    }
  /* Sending marks the channel read for the sender. */
  author->unread_messages = 0;
  g_free (author->last_read);
  author->last_read = g_strdup (now);
  g_free (author->last_read_message_id);
  author->last_read_message_id = g_strdup (json_object_get_string_member (message, "id"));
}

static DevMember *
lookup_member_or_fail (StrayDevStore *self,
                       const char    *cid,
                       const char    *user_id,
                       DevChannel   **out_channel,
                       GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);
  DevMember *member;

  if (channel == NULL)
    return NULL;
  member = dev_lookup_member (channel, user_id);
  if (member == NULL)
    dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                    "user \"%s\" is not a member of channel \"%s\"", user_id, cid);
  if (out_channel != NULL)
    *out_channel = channel;
  return member;
}

JsonObject *
dev_read_json (StrayDevStore *self,
               DevMember     *member)
{
  JsonObject *read = json_object_new ();

  json_object_set_member (read, "user", dev_user_node (self, member->user_id));
  json_object_set_string_member (read, "last_read", member->last_read);
  json_object_set_int_member (read, "unread_messages", member->unread_messages);
  if (member->last_read_message_id != NULL)
    json_object_set_string_member (read, "last_read_message_id", member->last_read_message_id);
  return read;
}

static JsonObject *
last_timeline_message (DevChannel *channel)
{
  for (guint i = channel->messages->len; i > 0; i--)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i - 1);

      if (!dev_is_thread_only (message))
        return message;
    }
  return NULL;
}

/**
 * stray_dev_store_mark_read:
 * @message_id: (nullable): read up to this message; the newest when %NULL
 *
 * Returns: (transfer full) (nullable): the member's read state afterwards
 */
JsonObject *
stray_dev_store_mark_read (StrayDevStore *self,
                           const char    *cid,
                           const char    *user_id,
                           const char    *message_id,
                           GError       **error)
{
  DevChannel *channel = NULL;
  DevMember *member = lookup_member_or_fail (self, cid, user_id, &channel, error);
  JsonObject *last;

  if (member == NULL)
    return NULL;
  if (message_id != NULL && stray_dev_store_lookup_message (self, message_id, NULL) == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Message with id '%s' doesn't exist",
                      message_id);
      return NULL;
    }

  last = last_timeline_message (channel);
  member->unread_messages = 0;
  g_free (member->last_read);
  member->last_read = stray_dev_store_now (self);
  g_free (member->last_read_message_id);
  member->last_read_message_id = g_strdup (message_id != NULL ? message_id
                                          : last != NULL
                                          ? json_object_get_string_member (last, "id") : NULL);
  return dev_read_json (self, member);
}

/**
 * stray_dev_store_mark_unread:
 * @message_id: the first message to count as unread again
 *
 * Returns: (transfer full) (nullable): the member's read state afterwards, with
 *   first_unread_message_id
 */
JsonObject *
stray_dev_store_mark_unread (StrayDevStore *self,
                             const char    *cid,
                             const char    *user_id,
                             const char    *message_id,
                             GError       **error)
{
  DevChannel *channel = NULL;
  DevMember *member = lookup_member_or_fail (self, cid, user_id, &channel, error);
  JsonObject *previous = NULL;
  JsonObject *read;
  guint position, unread = 0;

  if (member == NULL)
    return NULL;
  if (message_id == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "message_id is required");
      return NULL;
    }
  for (position = 0; position < channel->messages->len; position++)
    if (g_str_equal (json_object_get_string_member (g_ptr_array_index (channel->messages,
                                                                       position), "id"),
                     message_id))
      break;
  if (position == channel->messages->len)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "Message with id '%s' doesn't exist in channel '%s'", message_id, cid);
      return NULL;
    }

  for (guint i = 0; i < channel->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i);

      if (dev_is_thread_only (message))
        continue;
      if (i < position)
        previous = message;
      else
        unread++;
    }

  member->unread_messages = unread;
  g_free (member->last_read);
  member->last_read = g_strdup (previous != NULL
                                ? json_object_get_string_member (previous, "created_at")
                                : channel->created_at);
  g_free (member->last_read_message_id);
  member->last_read_message_id = previous != NULL
                                 ? g_strdup (json_object_get_string_member (previous, "id"))
                                 : NULL;

  read = dev_read_json (self, member);
  json_object_set_string_member (read, "first_unread_message_id", message_id);
  return read;
}

guint
stray_dev_store_channel_unread (StrayDevStore *self,
                                const char    *cid,
                                const char    *user_id)
{
  DevChannel *channel = dev_lookup_channel (self, cid, NULL);
  DevMember *member = channel != NULL ? dev_lookup_member (channel, user_id) : NULL;

  return member != NULL ? member->unread_messages : 0;
}

StrayDevUnread
stray_dev_store_unread (StrayDevStore *self,
                        const char    *user_id)
{
  StrayDevUnread unread = { 0, 0 };
  DevUser *user = dev_lookup_user (self, user_id);
  GHashTableIter iter;
  gpointer cid;

  if (user == NULL)
    return unread;
  g_hash_table_iter_init (&iter, user->channels);
  while (g_hash_table_iter_next (&iter, &cid, NULL))
    {
      guint count = stray_dev_store_channel_unread (self, cid, user_id);

      unread.total_unread_count += count;
      unread.unread_channels += count > 0;
    }
  return unread;
}

/**
 * stray_dev_store_unread_response:
 *
 * Returns: (transfer full): the body of GET /unread
 */
JsonObject *
stray_dev_store_unread_response (StrayDevStore *self,
                                 const char    *user_id)
{
  JsonObject *response = json_object_new ();
  JsonArray *channels = json_array_new ();
  g_autoptr(GHashTable) by_type = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  JsonArray *channel_types = json_array_new ();
  StrayDevUnread unread = stray_dev_store_unread (self, user_id);
  g_auto(GStrv) cids = stray_dev_store_user_channels (self, user_id);
  GHashTableIter iter;
  gpointer type, counts;

  for (guint i = 0; cids[i] != NULL; i++)
    {
      DevChannel *channel = dev_lookup_channel (self, cids[i], NULL);
      DevMember *member = dev_lookup_member (channel, user_id);
      JsonObject *entry;
      guint *type_counts;

      if (member->unread_messages == 0)
        continue;
      entry = json_object_new ();
      json_object_set_string_member (entry, "channel_id", channel->cid);
      json_object_set_int_member (entry, "unread_count", member->unread_messages);
      json_object_set_string_member (entry, "last_read", member->last_read);
      json_array_add_object_element (channels, entry);

      type_counts = g_hash_table_lookup (by_type, channel->type);
      if (type_counts == NULL)
        g_hash_table_insert (by_type, channel->type, (type_counts = g_new0 (guint, 2)));
      type_counts[0]++;
      type_counts[1] += member->unread_messages;
    }

  g_hash_table_iter_init (&iter, by_type);
  while (g_hash_table_iter_next (&iter, &type, &counts))
    {
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "channel_type", type);
      json_object_set_int_member (entry, "channel_count", ((guint *) counts)[0]);
      json_object_set_int_member (entry, "unread_count", ((guint *) counts)[1]);
      json_array_add_object_element (channel_types, entry);
    }

  json_object_set_int_member (response, "total_unread_count", unread.total_unread_count);
  json_object_set_int_member (response, "total_unread_threads_count",
                              stray_dev_store_thread_unread (self, user_id).unread_threads);
  json_object_set_array_member (response, "channels", channels);
  json_object_set_array_member (response, "channel_type", channel_types);
  json_object_set_array_member (response, "threads",
                                stray_dev_store_unread_threads_json (self, user_id));
  return response;
}
