/* stray-devserver-channels.c
 *
 * The REST calls on channels: queryChannels, a channel's query (which creates it, distinct
 * channels named after their members), its update (data, members, freezing), deletion,
 * truncation, hiding and showing, and stopping to watch it, with the events each causes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

#define MAX_QUERY_LIMIT 30

static JsonObject *
channel_state (DevRequest *request,
               const char *cid,
               const char *user_id,
               guint       message_limit,
               JsonObject *paging)
{
  return stray_dev_store_channel_state (request->self->store, cid, user_id, message_limit,
                                        paging, dev_watcher_count (request->self, cid));
}

static guint
message_limit_of (JsonObject *body)
{
  JsonObject *messages = stray_json_object (body, "messages");
  gint64 limit = stray_json_int (messages, "limit", stray_json_int (body, "message_limit", 25));

  return (guint) CLAMP (limit, 0, 300);
}

static GStrv
member_ids_of (JsonArray *members)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; members != NULL && i < json_array_get_length (members); i++)
    {
      JsonNode *element = json_array_get_element (members, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
      else if (JSON_NODE_HOLDS_OBJECT (element) &&
               stray_json_string (json_node_get_object (element), "user_id") != NULL)
        g_strv_builder_add (builder,
                            stray_json_string (json_node_get_object (element), "user_id"));
      else
        return NULL;
    }
  return g_strv_builder_end (builder);
}

gboolean
dev_handle_query_channels (DevRequest *request)
{
  StrayDevserver *self = request->self;
  JsonObject *filter = stray_json_object (request->body, "filter_conditions");
  JsonNode *sort_node = json_object_get_member (request->body, "sort");
  const char *user_id = NULL;
  gint64 limit = stray_json_int (request->body, "limit", 10);
  gint64 offset = stray_json_int (request->body, "offset", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cids = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  JsonArray *channels;

  if (!dev_acting_user_of (request, request->body, "", "QueryChannels", FALSE, &user_id))
    return FALSE;
  /* Watching needs a connection, which server-side calls never have; Stream refuses them
   * (stream-chat-js' integration tests: "watch should error", "presence should error";
   * the words are Stream's, quoted in GetStream/stream-chat-flutter issue 574). */
  if (request->user_id == NULL && (stray_json_boolean (request->body, "watch", FALSE) ||
                                   stray_json_boolean (request->body, "presence", FALSE)))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "QueryChannels failed with error: \"Watch or Presence requires an "
                              "active websocket connection, please make sure to include your "
                              "websocket connection_id\"");
  if (filter == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "QueryChannels failed: filter_conditions must be an object");
  if (sort_node != NULL && !JSON_NODE_HOLDS_ARRAY (sort_node) && !JSON_NODE_HOLDS_NULL (sort_node))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "QueryChannels failed: sort must be a list");
  if (limit < 0 || limit > MAX_QUERY_LIMIT || offset < 0)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "QueryChannels failed: limit must be between 0 and %d, offset ≥ 0",
                              MAX_QUERY_LIMIT);

  cids = stray_dev_store_query_channels (self->store, user_id, filter,
                                         sort_node != NULL && JSON_NODE_HOLDS_ARRAY (sort_node)
                                         ? json_node_get_array (sort_node) : NULL,
                                         (guint) limit, (guint) offset, &error);
  if (cids == NULL)
    return dev_respond_store_error (request, error);

  channels = json_array_new ();
  for (guint i = 0; i < cids->len; i++)
    {
      const char *cid = g_ptr_array_index (cids, i);

      if (stray_json_boolean (request->body, "watch", FALSE))
        dev_watch (self, request->connection, cid);
      json_array_add_object_element (channels, channel_state (request, cid, user_id,
                                                              message_limit_of (request->body),
                                                              NULL));
    }
  json_object_set_array_member (response, "channels", channels);
  dev_respond_ok (request, response);
  return TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* A channel without an id is named after its members, as Stream does for distinct channels. */
static char *
distinct_channel_id (const char * const *member_ids)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);

  for (guint i = 0; member_ids[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) member_ids[i]);
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    {
      g_checksum_update (checksum, g_ptr_array_index (sorted, i), -1);
      g_checksum_update (checksum, (const guchar *) ",", 1);
    }
  return g_strdup_printf ("!members-%.32s", g_checksum_get_string (checksum));
}

gboolean
dev_handle_channel_query (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *type = request->segments[1];
  JsonObject *data = stray_json_object (request->body, "data");
  JsonNode *data_node = json_object_get_member (request->body, "data");
  const char *created_by_id = stray_json_string (data, "created_by_id");
  g_autofree char *id = NULL;
  g_autofree char *cid = NULL;
  g_auto(GStrv) members = NULL;
  g_auto(GStrv) invites = NULL;
  g_autoptr(GError) error = NULL;
  const char *user_id;
  JsonObject *response;

  if (data_node != NULL && data == NULL && !JSON_NODE_HOLDS_NULL (data_node))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "data must be an object");
  if (request->user_id == NULL && created_by_id != NULL && stray_json_object (data, "created_by"))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "GetOrCreateChannel failed with error: \"cannot set both "
                              "data.created_by and data.created_by_id.\"");
  if (created_by_id == NULL)
    created_by_id = stray_json_string (stray_json_object (data, "created_by"), "id");
  user_id = dev_acting_user (request, created_by_id);

  members = member_ids_of (stray_json_array (data, "members"));
  if (data != NULL && json_object_has_member (data, "members") && members == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "data.members must be a list of user ids or {user_id} objects");
  invites = member_ids_of (stray_json_array (data, "invites"));
  if (data != NULL && json_object_has_member (data, "invites") && invites == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "data.invites must be a list of user ids or {user_id} objects");

  if (request->n_segments == 4)
    id = g_strdup (request->segments[2]);
  else
    {
      if (members == NULL || members[0] == NULL)
        return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                  "a channel without id needs data.members");
      id = distinct_channel_id ((const char * const *) members);
    }
  cid = g_strconcat (type, ":", id, NULL);

  if (!stray_dev_store_has_channel (self->store, cid))
    {
      g_auto(GStrv) with_creator = NULL;

      if (user_id == NULL)
        return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                  "GetOrCreateChannel failed with error: \"either "
                                  "data.created_by or data.created_by_id must be provided when "
                                  "using server side auth.\"");
      if (members == NULL || members[0] == NULL)
        {
          /* A user creating a channel alone is its first member. */
          with_creator = g_new0 (char *, 2);
          with_creator[0] = g_strdup (user_id);
        }
      if (!stray_devserver_create_channel (self, type, id, user_id,
                                           (const char * const *) (with_creator ? with_creator
                                                                                : members),
                                           data, &error) && error != NULL)
        return dev_respond_store_error (request, error);
      /* Creating with `invites` invites them (Stream's Invites docs: create with invites). */
      if (invites != NULL &&
          !stray_devserver_invite_members (self, cid, (const char * const *) invites, &error))
        return dev_respond_store_error (request, error);
    }
  else if (request->user_id != NULL &&
           !stray_dev_store_is_member (self->store, cid, request->user_id) &&
           g_str_has_prefix (id, "!members-"))
    return dev_respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                              "User '%s' is not a member of channel '%s'", request->user_id, cid);

  if (stray_json_boolean (request->body, "watch", FALSE))
    dev_watch (self, request->connection, cid);
  /* A channel's own query pages its messages (id_around, id_lt, …); queryChannels does not. */
  response = channel_state (request, cid, request->user_id, message_limit_of (request->body),
                            stray_json_object (request->body, "messages"));
  dev_respond_ok (request, response);
  json_object_unref (response);
  return TRUE;
}

static void
emit_channel_event (StrayDevserver *self,
                    const char     *type,
                    const char     *cid,
                    const char     *user_id)
{
  g_autoptr(JsonObject) event = dev_new_event (self, type, cid);
  JsonObject *channel = stray_dev_store_channel_json (self->store, cid, NULL);

  /* channel.updated carries the members too, and their count (Stream's recorded one). */
  if (g_str_equal (type, "channel.updated"))
    {
      g_autoptr(JsonObject) state = stray_dev_store_channel_state (self->store, cid, NULL, 0, NULL,
                                                                   0);

      json_object_set_member (channel, "members",
                              json_node_copy (json_object_get_member (state, "members")));
      json_object_set_int_member (event, "channel_member_count",
                                  stray_json_int (channel, "member_count", 0));
    }
  json_object_set_object_member (event, "channel", channel);
  if (user_id != NULL)
    dev_set_user (self, event, "user", user_id);
  dev_emit_to_watchers (self, cid, event, FALSE);
}

gboolean
dev_handle_channel_update (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  JsonObject *data = stray_json_object (request->body, "data");
  JsonNode *add = json_object_get_member (request->body, "add_members");
  JsonNode *remove = json_object_get_member (request->body, "remove_members");
  JsonNode *invite = json_object_get_member (request->body, "invites");
  JsonObject *message = stray_json_object (request->body, "message");
  g_auto(GStrv) added = NULL;
  g_auto(GStrv) removed = NULL;
  g_auto(GStrv) invited = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *user_id = NULL;
  gboolean was_frozen = FALSE;

  if (!dev_require_channel (request, cid))
    return FALSE;
  if (stray_json_boolean (request->body, "accept_invite", FALSE) ||
      stray_json_boolean (request->body, "reject_invite", FALSE))
    return dev_handle_invite_answer (request, cid,
                                     stray_json_boolean (request->body, "accept_invite", FALSE));
  if (request->user_id != NULL && !dev_require_member (request, cid, request->user_id))
    return FALSE;
  if (!dev_acting_user_of (request, message, "message.", "UpdateChannel", FALSE, &user_id))
    return FALSE;
  if ((add != NULL && (added = member_ids_of (stray_json_array (request->body,
                                                                "add_members"))) == NULL) ||
      (remove != NULL && (removed = member_ids_of (stray_json_array (request->body,
                                                                     "remove_members"))) == NULL))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "add_members and remove_members must be lists of user ids");
  if (invite != NULL && (invited = member_ids_of (stray_json_array (request->body,
                                                                    "invites"))) == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "invites must be a list of user ids");
  if (data == NULL && added == NULL && removed == NULL && invited == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "UpdateChannel needs data, add_members, remove_members or "
                              "invites");

  {
    g_autoptr(JsonObject) before = stray_dev_store_channel_json (self->store, cid, NULL);

    was_frozen = stray_json_boolean (before, "frozen", FALSE);
  }

  if (data != NULL)
    {
      gboolean frozen;

      stray_dev_store_update_channel (self->store, cid, data, NULL);
      emit_channel_event (self, "channel.updated", cid, user_id);
      frozen = stray_json_boolean (data, "frozen", was_frozen);
      if (frozen != was_frozen)
        emit_channel_event (self, frozen ? "channel.frozen" : "channel.unfrozen", cid, NULL);
    }
  if (added != NULL)
    {
      if (!stray_dev_store_add_members (self->store, cid, (const char * const *) added, &error))
        return dev_respond_store_error (request, error);
      for (guint i = 0; added[i] != NULL; i++)
        {
          g_autoptr(JsonObject) event = dev_new_event (self, "member.added", cid);

          json_object_set_object_member (event, "member",
                                         stray_dev_store_member_json (self->store, cid,
                                                                      added[i]));
          dev_set_user (self, event, "user", added[i]);
          dev_set_channel_last_message_at (self, event, cid);
          dev_emit_to_watchers (self, cid, event, FALSE);
          dev_emit_added_to_channel (self, cid, added[i]);
        }
    }
  if (invited != NULL && !stray_devserver_invite_members (self, cid, (const char * const *) invited, &error))
    return dev_respond_store_error (request, error);
  if (removed != NULL)
    {
      for (guint i = 0; removed[i] != NULL; i++)
        {
          g_autoptr(JsonObject) event = dev_new_event (self, "member.removed", cid);
          g_autoptr(JsonObject) notification = NULL;
          JsonObject *member = stray_dev_store_member_json (self->store, cid, removed[i]);

          if (member == NULL)
            continue;
          notification = dev_new_event (self, "notification.removed_from_channel", cid);
          json_object_set_object_member (notification, "channel",
                                         stray_dev_store_channel_json (self->store, cid, NULL));
          json_object_set_object_member (notification, "member", json_object_ref (member));
          dev_set_user (self, notification, "user", removed[i]);
          json_object_set_object_member (event, "member", member);
          dev_set_user (self, event, "user", removed[i]);
          dev_set_channel_last_message_at (self, event, cid);

          dev_emit_to_watchers (self, cid, event, FALSE);
          dev_emit_to_user (self, removed[i], notification, TRUE);
        }
      stray_dev_store_remove_members (self->store, cid, (const char * const *) removed, NULL);
      /* Whoever is no longer a member stops watching with all their connections. */
      for (guint i = 0; removed[i] != NULL; i++)
        {
          GPtrArray *connections = g_hash_table_lookup (self->by_user, removed[i]);

          for (guint j = 0; connections != NULL && j < connections->len; j++)
            dev_unwatch (self, g_ptr_array_index (connections, j), cid, FALSE);
        }
    }

  if (message != NULL && user_id != NULL &&
      stray_dev_store_is_member (self->store, cid, user_id))
    {
      JsonObject *stored = stray_devserver_send_message (self, cid, user_id, message, NULL);

      if (stored != NULL)
        json_object_set_object_member (response, "message", json_object_ref (stored));
    }

  json_object_set_object_member (response, "channel",
                                 stray_dev_store_channel_json (self->store, cid,
                                                               request->user_id));
  {
    g_autoptr(JsonObject) state = channel_state (request, cid, request->user_id, 0, NULL);

    json_object_set_member (response, "members",
                            json_node_copy (json_object_get_member (state, "members")));
  }
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_channel_delete (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  g_autoptr(JsonObject) channel = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_auto(GStrv) members = NULL;

  if (!dev_require_channel (request, cid))
    return FALSE;
  if (request->user_id != NULL)
    {
      g_autoptr(JsonObject) current = stray_dev_store_channel_json (self->store, cid, NULL);
      JsonObject *created_by = stray_json_object (current, "created_by");

      if (g_strcmp0 (stray_json_string (created_by, "id"), request->user_id) != 0)
        return dev_respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                                  "only the creator or the server may delete channel '%s'", cid);
    }

  channel = stray_dev_store_channel_json (self->store, cid, NULL);
  members = stray_dev_store_member_ids (self->store, cid);
  {
    g_autofree char *now = stray_dev_store_now (self->store);

    json_object_set_string_member (channel, "deleted_at", now);
  }

  event = dev_new_event (self, "channel.deleted", cid);
  json_object_set_object_member (event, "channel", json_object_ref (channel));
  notification = dev_new_event (self, "notification.channel_deleted", cid);
  json_object_set_object_member (notification, "channel", json_object_ref (channel));
  dev_emit_to_watchers (self, cid, event, FALSE);
  dev_emit_to_members_not_watching (self, cid, (const char * const *) members, NULL, notification,
                                    FALSE);

  dev_stop_all_watching (self, cid);
  stray_dev_store_delete_channel (self->store, cid, NULL);
  json_object_set_object_member (response, "channel", g_steal_pointer (&channel));
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_hide_show (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  gboolean hide = g_str_equal (request->segments[3], "hide");
  const char *user_id = NULL;
  gboolean clear = stray_json_boolean (request->body, "clear_history", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) event = NULL;

  if (!dev_acting_user_of (request, request->body, "", hide ? "HideChannel" : "ShowChannel", TRUE,
                           &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;
  if (!stray_dev_store_set_hidden (self->store, cid, user_id, hide, clear, &error))
    return dev_respond_store_error (request, error);

  event = dev_new_event (self, hide ? "channel.hidden" : "channel.visible", cid);
  dev_set_user (self, event, "user", user_id);
  json_object_set_object_member (event, "channel",
                                 stray_dev_store_channel_json (self->store, cid, user_id));
  if (hide)
    json_object_set_boolean_member (event, "clear_history", clear);
  dev_emit_to_user (self, user_id, event, FALSE);
  dev_respond_ok (request, NULL);
  return TRUE;
}

gboolean
dev_handle_stop_watching (DevRequest *request)
{
  g_autofree char *cid = dev_cid_of (request, 1);

  if (!dev_require_channel (request, cid))
    return FALSE;
  if (request->connection != NULL)
    dev_unwatch (request->self, request->connection, cid, TRUE);
  dev_respond_ok (request, NULL);
  return TRUE;
}

gboolean
dev_handle_truncate (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_auto(GStrv) members = NULL;
  JsonObject *channel;

  if (!dev_require_channel (request, cid))
    return FALSE;
  if (request->user_id != NULL && !dev_require_member (request, cid, request->user_id))
    return FALSE;
  if (stray_dev_store_truncate_channel (self->store, cid, &error) == NULL)
    return dev_respond_store_error (request, error);

  members = stray_dev_store_member_ids (self->store, cid);
  channel = stray_dev_store_channel_json (self->store, cid, NULL);
  event = dev_new_event (self, "channel.truncated", cid);
  json_object_set_object_member (event, "channel", json_object_ref (channel));
  dev_emit_to_watchers (self, cid, event, FALSE);
  notification = dev_new_event (self, "notification.channel_truncated", cid);
  json_object_set_object_member (notification, "channel", json_object_ref (channel));
  dev_emit_to_members_not_watching (self, cid, (const char * const *) members, NULL, notification,
                                    TRUE);
  json_object_set_object_member (response, "channel", channel);
  dev_respond_ok (request, response);
  return TRUE;
}
