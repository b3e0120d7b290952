/* stray-devserver-events.c
 *
 * Who hears what. Events are built here and written to the sockets that should see them: a
 * channel's watchers, a user's own connections, or the members who do not watch it (where
 * notification.* events go), each serialized once with the recipient's own unread counts
 * spliced in; what a client may later ask /sync for is kept in the store's event log on the
 * way. Watching starts and stops here too, and the calls that tests and scenarios
 * make without HTTP (send a message, create a channel, inject a frame) tell everyone as the
 * REST calls do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

char *
dev_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

JsonObject *
dev_new_event (StrayDevserver *self,
               const char     *type,
               const char     *cid)
{
  JsonObject *event = json_object_new ();
  g_autofree char *now = stray_dev_store_now (self->store);

  json_object_set_string_member (event, "type", type);
  if (cid != NULL)
    {
      const char *colon = strchr (cid, ':');
      g_autofree char *channel_type = g_strndup (cid, colon - cid);

      json_object_set_string_member (event, "cid", cid);
      json_object_set_string_member (event, "channel_type", channel_type);
      json_object_set_string_member (event, "channel_id", colon + 1);
    }
  json_object_set_string_member (event, "created_at", now);
  return event;
}

void
dev_set_user (StrayDevserver *self,
              JsonObject     *event,
              const char     *member,
              const char     *user_id)
{
  json_object_set_object_member (event, member,
                                 json_object_ref (stray_dev_store_ensure_user (self->store,
                                                                               user_id)));
}

/* channel_last_message_at, which Stream's member and reaction events carry (its recorded
 * member.added and reaction.new), when the channel has a message. */
void
dev_set_channel_last_message_at (StrayDevserver *self,
                                 JsonObject     *event,
                                 const char     *cid)
{
  g_autoptr(JsonObject) channel = stray_dev_store_channel_json (self->store, cid, NULL);
  const char *last_message_at = stray_json_string (channel, "last_message_at");

  if (last_message_at != NULL)
    json_object_set_string_member (event, "channel_last_message_at", last_message_at);
}

/* Frames the server makes are UTF-8 by construction; only raw frames from /_dev/inject are
 * checked, since libsoup refuses text frames that are not (and checks every one itself). */
void
dev_send_text (DevConnection *connection,
               const char    *text,
               gsize          length)
{
  g_autoptr(GBytes) bytes = NULL;

  if (soup_websocket_connection_get_state (connection->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  bytes = g_bytes_new (text, length);
  soup_websocket_connection_send_message (connection->socket, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

static void
send_raw (DevConnection *connection,
          const char    *data,
          gsize          length)
{
  if (g_utf8_validate (data, length, NULL))
    dev_send_text (connection, data, length);
  else if (soup_websocket_connection_get_state (connection->socket) == SOUP_WEBSOCKET_STATE_OPEN)
    /* Bytes that are not UTF-8 can only travel as a binary frame. */
    soup_websocket_connection_send_binary (connection->socket, data, length);
}

/* The event with a recipient's unread counts; the serialized event ends with "}", and the
 * counts go in just before it. */
char *
dev_splice_counts (const char     *text,
                   gsize           length,
                   StrayDevUnread  unread)
{
  return g_strdup_printf ("%.*s,\"total_unread_count\":%u,\"unread_channels\":%u,"
                          "\"unread_count\":%u}",
                          (int) length - 1, text, unread.total_unread_count,
                          unread.unread_channels, unread.total_unread_count);
}

/* What /sync gives back (Stream's "Sync Events" page lists them): what happened to messages,
 * reactions, members and the channel, and read state. Typing, watching, presence and
 * custom events are not kept, nor the notification.* copies sent to members who do not
 * watch, whose channel event is kept instead. */
static gboolean
is_kept_for_sync (JsonObject *event)
{
  static const char * const kept[] = {
    "message.new", "message.updated", "message.deleted", "message.read",
    "reaction.new", "reaction.updated", "reaction.deleted",
    "member.added", "member.updated", "member.removed",
    "channel.updated", "channel.frozen", "channel.unfrozen", "channel.truncated",
    "channel.hidden", "channel.visible",
    "notification.added_to_channel", "notification.removed_from_channel",
    "notification.mark_unread", "notification.invited", "notification.invite_accepted",
    "notification.invite_rejected",
  };
  const char *type = stray_json_string (event, "type");

  if (type == NULL || stray_json_string (event, "cid") == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    if (g_str_equal (type, kept[i]))
      return TRUE;
  return FALSE;
}

/* The event as serialized once, with the recipient's own unread counts spliced in; most
 * recipients share their counts, so the last spliced text is kept for the next one. */
typedef struct {
  char *text;
  gsize length;
  gboolean with_counts;
  StrayDevUnread spliced_for;
  GBytes *spliced;
} Outgoing;

static void
outgoing_init (Outgoing   *outgoing,
               JsonObject *event,
               gboolean    with_counts)
{
  outgoing->text = dev_to_json (event);
  outgoing->length = strlen (outgoing->text);
  outgoing->with_counts = with_counts;
  outgoing->spliced = NULL;
}

static void
outgoing_clear (Outgoing *outgoing)
{
  g_free (outgoing->text);
  g_clear_pointer (&outgoing->spliced, g_bytes_unref);
}

static void
outgoing_send (StrayDevserver *self,
               Outgoing       *outgoing,
               DevConnection  *connection)
{
  StrayDevUnread unread;

  if (soup_websocket_connection_get_state (connection->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!outgoing->with_counts)
    {
      dev_send_text (connection, outgoing->text, outgoing->length);
      return;
    }

  unread = stray_dev_store_unread (self->store, connection->user_id);
  if (outgoing->spliced == NULL ||
      unread.total_unread_count != outgoing->spliced_for.total_unread_count ||
      unread.unread_channels != outgoing->spliced_for.unread_channels)
    {
      char *text = dev_splice_counts (outgoing->text, outgoing->length, unread);

      g_clear_pointer (&outgoing->spliced, g_bytes_unref);
      outgoing->spliced = g_bytes_new_take (text, strlen (text));
      outgoing->spliced_for = unread;
    }
  soup_websocket_connection_send_message (connection->socket, SOUP_WEBSOCKET_DATA_TEXT,
                                          outgoing->spliced);
}

static GPtrArray *
watchers_of (StrayDevserver *self,
             const char     *cid)
{
  return g_hash_table_lookup (self->watchers, cid);
}

void
dev_emit_to_watchers (StrayDevserver *self,
                      const char     *cid,
                      JsonObject     *event,
                      gboolean        with_counts)
{
  GPtrArray *watchers = watchers_of (self, cid);
  gboolean kept = is_kept_for_sync (event);
  Outgoing outgoing;

  if (!kept && (watchers == NULL || watchers->len == 0))
    return;
  outgoing_init (&outgoing, event, with_counts);
  if (kept)
    stray_dev_store_log_event (self->store, cid, NULL, stray_json_string (event, "created_at"),
                               outgoing.text, outgoing.length, with_counts);
  for (guint i = 0; watchers != NULL && i < watchers->len; i++)
    outgoing_send (self, &outgoing, g_ptr_array_index (watchers, i));
  outgoing_clear (&outgoing);
}

void
dev_emit_to_user (StrayDevserver *self,
                  const char     *user_id,
                  JsonObject     *event,
                  gboolean        with_counts)
{
  GPtrArray *connections = g_hash_table_lookup (self->by_user, user_id);
  gboolean kept = is_kept_for_sync (event);
  Outgoing outgoing;

  if (!kept && (connections == NULL || connections->len == 0))
    return;
  outgoing_init (&outgoing, event, with_counts);
  if (kept)
    stray_dev_store_log_event (self->store, stray_json_string (event, "cid"), user_id,
                               stray_json_string (event, "created_at"), outgoing.text,
                               outgoing.length, with_counts);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    outgoing_send (self, &outgoing, g_ptr_array_index (connections, i));
  outgoing_clear (&outgoing);
}

/* Members' connections that do not watch @cid: where notification.* events go. */
void
dev_emit_to_members_not_watching (StrayDevserver *self,
                                  const char     *cid,
                                  const char * const *member_ids,
                                  const char     *except_user_id,
                                  JsonObject     *event,
                                  gboolean        with_counts)
{
  Outgoing outgoing;
  gboolean initialized = FALSE;

  for (guint i = 0; member_ids[i] != NULL; i++)
    {
      GPtrArray *connections;

      if (g_strcmp0 (member_ids[i], except_user_id) == 0 ||
          (connections = g_hash_table_lookup (self->by_user, member_ids[i])) == NULL)
        continue;
      for (guint j = 0; j < connections->len; j++)
        {
          DevConnection *connection = g_ptr_array_index (connections, j);

          if (g_hash_table_contains (connection->watching, cid))
            continue;
          if (!initialized)
            {
              outgoing_init (&outgoing, event, with_counts);
              initialized = TRUE;
            }
          outgoing_send (self, &outgoing, connection);
        }
    }
  if (initialized)
    outgoing_clear (&outgoing);
}

/* Every connection, whoever it is for. */
void
dev_emit_to_everyone (StrayDevserver *self,
                      JsonObject     *event)
{
  GHashTableIter iter;
  gpointer value;
  Outgoing outgoing;

  outgoing_init (&outgoing, event, FALSE);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    outgoing_send (self, &outgoing, value);
  outgoing_clear (&outgoing);
}

guint
dev_watcher_count (StrayDevserver *self,
                   const char     *cid)
{
  GPtrArray *watchers = watchers_of (self, cid);
  g_autoptr(GHashTable) users = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; watchers != NULL && i < watchers->len; i++)
    g_hash_table_add (users, ((DevConnection *) g_ptr_array_index (watchers, i))->user_id);
  return g_hash_table_size (users);
}

void
dev_watch (StrayDevserver *self,
           DevConnection  *connection,
           const char     *cid)
{
  GPtrArray *watchers;
  g_autoptr(JsonObject) event = NULL;

  if (connection == NULL || g_hash_table_contains (connection->watching, cid))
    return;
  g_hash_table_add (connection->watching, g_strdup (cid));
  watchers = watchers_of (self, cid);
  if (watchers == NULL)
    {
      watchers = g_ptr_array_new ();
      g_hash_table_insert (self->watchers, g_strdup (cid), watchers);
    }
  g_ptr_array_add (watchers, connection);

  event = dev_new_event (self, "user.watching.start", cid);
  dev_set_user (self, event, "user", connection->user_id);
  json_object_set_int_member (event, "watcher_count", dev_watcher_count (self, cid));
  dev_emit_to_watchers (self, cid, event, FALSE);
}

void
dev_unwatch (StrayDevserver *self,
             DevConnection  *connection,
             const char     *cid,
             gboolean        announce)
{
  GPtrArray *watchers = watchers_of (self, cid);
  g_autoptr(JsonObject) event = NULL;

  if (watchers != NULL)
    g_ptr_array_remove (watchers, connection);
  g_hash_table_remove (connection->watching, cid);
  if (!announce || !stray_dev_store_has_channel (self->store, cid))
    return;

  event = dev_new_event (self, "user.watching.stop", cid);
  dev_set_user (self, event, "user", connection->user_id);
  json_object_set_int_member (event, "watcher_count", dev_watcher_count (self, cid));
  dev_emit_to_watchers (self, cid, event, FALSE);
}

void
dev_stop_all_watching (StrayDevserver *self,
                       const char     *cid)
{
  GPtrArray *watchers = watchers_of (self, cid);

  while (watchers != NULL && watchers->len > 0)
    dev_unwatch (self, g_ptr_array_index (watchers, 0), cid, FALSE);
  g_hash_table_remove (self->watchers, cid);
}

void
dev_emit_added_to_channel (StrayDevserver *self,
                           const char     *cid,
                           const char     *user_id)
{
  g_autoptr(JsonObject) event = dev_new_event (self, "notification.added_to_channel", cid);

  /* With its members, as channel.updated has them: the newcomer has not seen the channel. */
  json_object_set_object_member (event, "channel",
                                 dev_channel_with_members (self, cid, user_id));
  json_object_set_object_member (event, "member",
                                 stray_dev_store_member_json (self->store, cid, user_id));
  dev_emit_to_user (self, user_id, event, TRUE);
}

/**
 * stray_devserver_inject:
 * @user_id: whose sockets get the frame
 * @frame: raw bytes, JSON or not, UTF-8 or not, of any size
 *
 * What /_dev/inject does, for tests in this process that need frames larger than a request
 * body may be.
 *
 * Returns: how many sockets it was written to
 */
guint
stray_devserver_inject (StrayDevserver *self,
                        const char     *user_id,
                        const char     *frame,
                        gsize           length)
{
  GPtrArray *connections;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), 0);
  g_return_val_if_fail (user_id != NULL && frame != NULL, 0);

  connections = g_hash_table_lookup (self->by_user, user_id);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    send_raw (g_ptr_array_index (connections, i), frame, length);
  return connections != NULL ? connections->len : 0;
}

/**
 * stray_devserver_send_message:
 * @cid: the channel
 * @user_id: the author, a member
 * @message: text and options as a client sends them
 *
 * Stores the message and tells everyone: message.new to the channel's watchers,
 * notification.message_new to members who do not watch it, each with their own counts.
 *
 * Returns: (transfer none) (nullable): the message as stored
 */
JsonObject *
stray_devserver_send_message (StrayDevserver *self,
                              const char     *cid,
                              const char     *user_id,
                              JsonObject     *message,
                              GError        **error)
{
  JsonObject *stored;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_auto(GStrv) members = NULL;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  stored = stray_dev_store_add_message (self->store, cid, user_id, message, error);
  if (stored == NULL)
    return NULL;
  members = stray_dev_store_member_ids (self->store, cid);

  event = dev_new_event (self, "message.new", cid);
  json_object_set_string_member (event, "message_id", stray_json_string (stored, "id"));
  json_object_set_object_member (event, "message", json_object_ref (stored));
  dev_set_user (self, event, "user", user_id);
  json_object_set_int_member (event, "watcher_count", dev_watcher_count (self, cid));
  json_object_set_int_member (event, "channel_member_count", g_strv_length (members));
  dev_emit_to_watchers (self, cid, event, TRUE);

  notification = dev_new_event (self, "notification.message_new", cid);
  json_object_set_string_member (notification, "message_id", stray_json_string (stored, "id"));
  json_object_set_object_member (notification, "message", json_object_ref (stored));
  json_object_set_object_member (notification, "channel",
                                 stray_dev_store_channel_json (self->store, cid, NULL));
  json_object_set_int_member (notification, "channel_member_count", g_strv_length (members));
  dev_emit_to_members_not_watching (self, cid, (const char * const *) members, user_id,
                                    notification, TRUE);
  dev_emit_thread_message_new (self, cid, stored);
  return stored;
}

/**
 * stray_devserver_create_channel:
 *
 * Creates a channel and tells its members (notification.added_to_channel).
 *
 * Returns: %TRUE if it was created, %FALSE (without error) if it existed
 */
gboolean
stray_devserver_create_channel (StrayDevserver     *self,
                                const char         *type,
                                const char         *id,
                                const char         *created_by_id,
                                const char * const *member_ids,
                                JsonObject         *data,
                                GError            **error)
{
  g_autofree char *cid = g_strconcat (type, ":", id, NULL);

  if (!stray_dev_store_create_channel (self->store, type, id, created_by_id, member_ids, data,
                                       error))
    return FALSE;
  for (guint i = 0; member_ids != NULL && member_ids[i] != NULL; i++)
    if (!g_str_equal (member_ids[i], created_by_id))
      dev_emit_added_to_channel (self, cid, member_ids[i]);
  return TRUE;
}
