/* stray-dev-store-messages.c
 *
 * The store's messages: sending (checked, completed with the fields Stream adds, mentions
 * resolved to users), looking up, updating, deleting softly or for good, and reactions with
 * their counts and scores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store-private.h"
#include "stray-json.h"

gboolean
dev_is_thread_only (JsonObject *message)
{
  return stray_json_string (message, "parent_id") != NULL &&
         !stray_json_boolean (message, "show_in_channel", FALSE);
}

static void
set_empty_array (JsonObject *object,
                 const char *name)
{
  if (!json_object_has_member (object, name))
    json_object_set_array_member (object, name, json_array_new ());
}

static void
set_empty_object (JsonObject *object,
                  const char *name)
{
  if (!json_object_has_member (object, name))
    json_object_set_object_member (object, name, json_object_new ());
}

/* Markup-free HTML as Stream renders plain text: escaped and wrapped in <p>. */
static char *
text_to_html (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  return *text != '\0' ? g_strdup_printf ("<p>%s</p>\n", escaped) : g_strdup ("");
}

/* Stream caps a message's mentions (its words: stream-chat-android issue 5118). */
#define MAX_MENTIONS 25

/* @mentioned (the client's mentioned_users: user ids) as the users they name, or NULL and
 * @error set as Stream refuses them: objects instead of ids (stream-chat-react issue 1322
 * quotes Stream's words), more than 25, or users that do not exist. */
static JsonArray *
resolve_mentions (StrayDevStore *self,
                  JsonNode      *mentioned,
                  const char    *call,
                  GError       **error)
{
  g_autoptr(JsonArray) users = json_array_new ();
  g_autoptr(GString) missing = NULL;
  JsonArray *ids;

  if (mentioned == NULL || JSON_NODE_HOLDS_NULL (mentioned))
    return g_steal_pointer (&users);
  if (!JSON_NODE_HOLDS_ARRAY (mentioned))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "%s failed with error: \"expected "
                      "array for field \"message.mentioned_users\"\"", call);
      return NULL;
    }
  ids = json_node_get_array (mentioned);
  if (json_array_get_length (ids) > MAX_MENTIONS)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "%s failed with error: "
                      "\"message.mentioned_users must contain at maximum %d items\"", call,
                      MAX_MENTIONS);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      JsonNode *element = json_array_get_element (ids, i);
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "%s failed with error: \"expected "
                          "string for field \"message.mentioned_users[%u]\" but got %s\"",
                          call, i, JSON_NODE_HOLDS_OBJECT (element) ? "object" : "another type");
          return NULL;
        }
      id = json_node_get_string (element);
      if (dev_lookup_user (self, id) == NULL)
        {
          if (missing == NULL)
            missing = g_string_new (NULL);
          g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "", id);
          continue;
        }
      json_array_add_element (users, dev_user_node (self, id));
    }
  if (missing != NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "%s failed with error: \"the following "
                      "users are in message.mentioned_users but don't exist: [%s]\"", call,
                      missing->str);
      return NULL;
    }
  return g_steal_pointer (&users);
}

/**
 * stray_dev_store_add_message:
 * @cid: the channel
 * @user_id: the author: a member, or anyone when the server sends it (Stream's server-side
 *   calls skip permission checks)
 * @message: what the client sent: text, and optionally id, parent_id, show_in_channel,
 *   silent, mentioned_users (ids of existing users), attachments and custom fields
 *
 * Returns: (transfer none) (nullable): the message as Stream returns it
 */
JsonObject *
stray_dev_store_add_message (StrayDevStore *self,
                             const char    *cid,
                             const char    *user_id,
                             JsonObject    *message,
                             GError       **error)
{
  DevChannel *channel = dev_lookup_channel (self, cid, error);
  g_autoptr(JsonObject) stored = json_object_new ();
  g_autoptr(GList) names = NULL;
  g_autofree char *now = NULL;
  g_autofree char *html = NULL;
  const char *id, *text, *parent_id;
  g_autoptr(JsonArray) mentions = NULL;
  DevMember outsider = { 0 };
  DevMember *author;

  if (channel == NULL)
    return NULL;
  /* Whoever may send without being a member (the server's calls) is counted as a member
   * who has read the message, in a membership that is not kept. */
  author = dev_lookup_member (channel, user_id);
  if (author == NULL)
    {
      outsider.user_id = (char *) user_id;
      author = &outsider;
    }
  if (channel->frozen)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                      "Channel '%s' is frozen: no messages can be sent", cid);
      return NULL;
    }

  id = stray_json_string (message, "id");
  if (id != NULL && (!dev_is_valid_id (id) || g_hash_table_contains (self->messages, id)))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "message.id \"%s\" is not valid or is already taken", id);
      return NULL;
    }
  text = (stray_json_string (message, "text") ?: "");
  if (strlen (text) > 5000 || !g_utf8_validate (text, -1, NULL))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "message.text must be at most 5000 bytes of UTF-8");
      return NULL;
    }
  html = text_to_html (text);
  parent_id = stray_json_string (message, "parent_id");
  if (parent_id != NULL && !g_hash_table_contains (self->messages, parent_id))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "parent message \"%s\" does not exist", parent_id);
      return NULL;
    }

  mentions = resolve_mentions (self, json_object_get_member (message, "mentioned_users"),
                               "SendMessage", error);
  if (mentions == NULL)
    return NULL;

  /* Custom fields pass through; the server's own fields are set below. */
  names = json_object_get_members (message);
  for (GList *l = names; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "user") && !g_str_equal (l->data, "user_id") &&
        !g_str_equal (l->data, "mentioned_users"))
      json_object_set_member (stored, l->data,
                              json_node_copy (json_object_get_member (message, l->data)));

  now = stray_dev_store_now (self);
  if (id == NULL)
    {
      g_autofree char *uuid = g_uuid_string_random ();

      json_object_set_string_member (stored, "id", uuid);
    }
  json_object_set_string_member (stored, "text", text);
  json_object_set_string_member (stored, "html", html);
  json_object_set_string_member (stored, "type", parent_id != NULL ? "reply" : "regular");
  json_object_set_member (stored, "user", dev_user_node (self, user_id));
  json_object_set_string_member (stored, "cid", channel->cid);
  json_object_set_string_member (stored, "created_at", now);
  json_object_set_string_member (stored, "updated_at", now);
  json_object_set_int_member (stored, "reply_count", 0);
  json_object_set_int_member (stored, "deleted_reply_count", 0);
  json_object_set_boolean_member (stored, "shadowed", FALSE);
  json_object_set_boolean_member (stored, "pinned", FALSE);
  json_object_set_null_member (stored, "pinned_at");
  json_object_set_null_member (stored, "pinned_by");
  json_object_set_null_member (stored, "pin_expires");
  if (!json_object_has_member (stored, "silent"))
    json_object_set_boolean_member (stored, "silent", FALSE);
  set_empty_array (stored, "attachments");
  set_empty_array (stored, "restricted_visibility");
  set_empty_array (stored, "latest_reactions");
  set_empty_array (stored, "own_reactions");
  set_empty_object (stored, "reaction_counts");
  set_empty_object (stored, "reaction_scores");
  set_empty_object (stored, "reaction_groups");

  /* Mentions arrive as ids and go out as the users themselves. */
  json_object_set_array_member (stored, "mentioned_users", g_steal_pointer (&mentions));

  if (parent_id != NULL)
    {
      JsonObject *parent = stray_dev_store_lookup_message (self, parent_id, NULL);

      json_object_set_int_member (parent, "reply_count",
                                  stray_json_int (parent, "reply_count", 0) + 1);
      dev_thread_count_reply (self, channel, parent, stored, now);
    }

  /* Unread bookkeeping for every member (stray-dev-store-reads.c). */
  dev_count_new_message (self, channel, author, stored, now);
  g_free (outsider.last_read);
  g_free (outsider.last_read_message_id);

  if (!dev_is_thread_only (stored))
    {
      g_free (channel->last_message_at);
      channel->last_message_at = g_strdup (now);
    }

  g_hash_table_insert (self->messages, g_strdup (json_object_get_string_member (stored, "id")),
                       channel);
  g_ptr_array_add (channel->messages, json_object_ref (stored));
  return stored;
}

/**
 * stray_dev_store_lookup_message:
 * @out_cid: (out) (optional): the channel it is in
 *
 * Returns: (transfer none) (nullable): the message
 */
JsonObject *
stray_dev_store_lookup_message (StrayDevStore  *self,
                                const char     *message_id,
                                const char    **out_cid)
{
  DevChannel *channel = message_id != NULL ? g_hash_table_lookup (self->messages, message_id)
                                           : NULL;

  if (out_cid != NULL)
    *out_cid = channel != NULL ? channel->cid : NULL;
  if (channel == NULL)
    return NULL;
  for (guint i = channel->messages->len; i > 0; i--)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i - 1);

      if (g_str_equal (json_object_get_string_member (message, "id"), message_id))
        return message;
    }
  g_assert_not_reached ();
}

/**
 * stray_dev_store_replies:
 * @parent_id: a message
 *
 * Returns: (transfer container) (element-type JsonObject): its replies, oldest first
 */
GPtrArray *
stray_dev_store_replies (StrayDevStore *self,
                         const char    *parent_id)
{
  DevChannel *channel = g_hash_table_lookup (self->messages, parent_id);
  GPtrArray *replies = g_ptr_array_new ();

  for (guint i = 0; channel != NULL && i < channel->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i);

      if (g_strcmp0 (stray_json_string (message, "parent_id"), parent_id) == 0)
        g_ptr_array_add (replies, message);
    }
  return replies;
}

static JsonObject *
lookup_message_or_fail (StrayDevStore *self,
                        const char    *message_id,
                        GError       **error)
{
  JsonObject *message = stray_dev_store_lookup_message (self, message_id, NULL);

  if (message == NULL)
    dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Message with id '%s' doesn't exist",
                    message_id != NULL ? message_id : "");
  return message;
}

/**
 * stray_dev_store_update_message:
 * @changes: text, mentioned_users (ids, checked as when sending) and custom fields to replace
 *
 * Returns: (transfer none) (nullable): the updated message
 */
JsonObject *
stray_dev_store_update_message (StrayDevStore *self,
                                const char    *message_id,
                                JsonObject    *changes,
                                GError       **error)
{
  JsonObject *message = lookup_message_or_fail (self, message_id, error);
  g_autoptr(GList) names = NULL;
  g_autofree char *now = NULL;

  if (message == NULL)
    return NULL;
  if (json_object_has_member (changes, "mentioned_users"))
    {
      JsonArray *mentions = resolve_mentions (self,
                                              json_object_get_member (changes, "mentioned_users"),
                                              "UpdateMessage", error);

      if (mentions == NULL)
        return NULL;
      json_object_set_array_member (message, "mentioned_users", mentions);
    }
  names = json_object_get_members (changes);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (g_str_equal (name, "text"))
        {
          JsonNode *text = json_object_get_member (changes, "text");
          g_autofree char *html = NULL;

          if (!JSON_NODE_HOLDS_VALUE (text) || json_node_get_value_type (text) != G_TYPE_STRING)
            {
              dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "message.text must be a string");
              return NULL;
            }
          html = text_to_html (json_node_get_string (text));
          json_object_set_string_member (message, "text", json_node_get_string (text));
          json_object_set_string_member (message, "html", html);
        }
      else if (!g_str_equal (name, "id") && !g_str_equal (name, "user") &&
               !g_str_equal (name, "user_id") && !g_str_equal (name, "cid") &&
               !g_str_equal (name, "created_at") && !g_str_equal (name, "type") &&
               !g_str_equal (name, "mentioned_users"))
        json_object_set_member (message, name,
                                json_node_copy (json_object_get_member (changes, name)));
    }
  now = stray_dev_store_now (self);
  json_object_set_string_member (message, "updated_at", now);
  json_object_set_string_member (message, "message_text_updated_at", now);
  return message;
}

/**
 * stray_dev_store_delete_message:
 * @hard: remove it for good instead of leaving a deleted message in its place
 *
 * Returns: (transfer full) (nullable): the message as deleted
 */
JsonObject *
stray_dev_store_delete_message (StrayDevStore *self,
                                const char    *message_id,
                                gboolean       hard,
                                GError       **error)
{
  JsonObject *message = lookup_message_or_fail (self, message_id, error);
  g_autofree char *now = NULL;
  DevChannel *channel;

  if (message == NULL)
    return NULL;
  channel = g_hash_table_lookup (self->messages, message_id);
  /* Judged before the message changes: a deleted message counts for no one. */
  if (hard)
    dev_uncount_message (self, channel, message);
  now = stray_dev_store_now (self);
  json_object_set_string_member (message, "type", "deleted");
  json_object_set_string_member (message, "deleted_at", now);
  json_object_set_string_member (message, "updated_at", now);
  json_object_ref (message);
  if (hard)
    {
      g_ptr_array_remove (channel->messages, message);
      g_hash_table_remove (self->messages, message_id);
    }
  return message;
}

static JsonObject *
reaction_object (StrayDevStore *self,
                 const char    *message_id,
                 const char    *user_id,
                 const char    *type,
                 gint64         score)
{
  JsonObject *reaction = json_object_new ();
  g_autofree char *now = stray_dev_store_now (self);

  json_object_set_string_member (reaction, "message_id", message_id);
  json_object_set_string_member (reaction, "user_id", user_id);
  json_object_set_member (reaction, "user", dev_user_node (self, user_id));
  json_object_set_string_member (reaction, "type", type);
  json_object_set_int_member (reaction, "score", score);
  json_object_set_string_member (reaction, "created_at", now);
  json_object_set_string_member (reaction, "updated_at", now);
  return reaction;
}

/* Recounts reaction_counts and reaction_scores from latest_reactions. */
static void
recount_reactions (JsonObject *message)
{
  JsonArray *latest = json_object_get_array_member (message, "latest_reactions");
  JsonObject *counts = json_object_new ();
  JsonObject *scores = json_object_new ();

  for (guint i = 0; i < json_array_get_length (latest); i++)
    {
      JsonObject *reaction = json_array_get_object_element (latest, i);
      const char *type = json_object_get_string_member (reaction, "type");

      json_object_set_int_member (counts, type,
                                  json_object_get_int_member_with_default (counts, type, 0) + 1);
      json_object_set_int_member (scores, type,
                                  json_object_get_int_member_with_default (scores, type, 0) +
                                  json_object_get_int_member (reaction, "score"));
    }
  json_object_set_object_member (message, "reaction_counts", counts);
  json_object_set_object_member (message, "reaction_scores", scores);
}

static gint
find_reaction (JsonObject *message,
               const char *user_id,
               const char *type)
{
  JsonArray *latest = json_object_get_array_member (message, "latest_reactions");

  for (guint i = 0; i < json_array_get_length (latest); i++)
    {
      JsonObject *reaction = json_array_get_object_element (latest, i);

      if (g_str_equal (json_object_get_string_member (reaction, "user_id"), user_id) &&
          g_str_equal (json_object_get_string_member (reaction, "type"), type))
        return (gint) i;
    }
  return -1;
}

/**
 * stray_dev_store_add_reaction:
 * @out_reaction: (out) (transfer full): the reaction
 *
 * Returns: (transfer none) (nullable): the message with the reaction
 */
JsonObject *
stray_dev_store_add_reaction (StrayDevStore *self,
                              const char    *message_id,
                              const char    *user_id,
                              const char    *type,
                              gint64         score,
                              JsonObject   **out_reaction,
                              GError       **error)
{
  JsonObject *message = lookup_message_or_fail (self, message_id, error);
  JsonObject *reaction;
  gint existing;

  if (message == NULL)
    return NULL;
  if (!dev_is_valid_id (type))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, "reaction.type is required");
      return NULL;
    }

  reaction = reaction_object (self, message_id, user_id, type, score > 0 ? score : 1);
  existing = find_reaction (message, user_id, type);
  if (existing >= 0)
    json_array_remove_element (json_object_get_array_member (message, "latest_reactions"),
                               (guint) existing);
  json_array_add_object_element (json_object_get_array_member (message, "latest_reactions"),
                                 json_object_ref (reaction));
  recount_reactions (message);
  *out_reaction = reaction;
  return message;
}

/**
 * stray_dev_store_delete_reaction:
 * @out_reaction: (out) (transfer full): the reaction removed
 *
 * Returns: (transfer none) (nullable): the message without the reaction
 */
JsonObject *
stray_dev_store_delete_reaction (StrayDevStore *self,
                                 const char    *message_id,
                                 const char    *user_id,
                                 const char    *type,
                                 JsonObject   **out_reaction,
                                 GError       **error)
{
  JsonObject *message = lookup_message_or_fail (self, message_id, error);
  JsonArray *latest;
  gint existing;

  if (message == NULL)
    return NULL;
  existing = type != NULL ? find_reaction (message, user_id, type) : -1;
  if (existing < 0)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "reaction \"%s\" by \"%s\" does not exist", type != NULL ? type : "", user_id);
      return NULL;
    }
  latest = json_object_get_array_member (message, "latest_reactions");
  *out_reaction = json_object_ref (json_array_get_object_element (latest, (guint) existing));
  json_array_remove_element (latest, (guint) existing);
  recount_reactions (message);
  return message;
}
