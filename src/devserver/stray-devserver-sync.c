/* stray-devserver-sync.c
 *
 * POST /sync, Stream's "Sync Events" (getstream.io/chat/docs/other-rest/sync_events; the JS
 * SDK's client.sync (channel_cids, last_sync_at, options)): the events of the channels named
 * that the user would have received after last_sync_at, oldest first, each as the socket sent
 * it, with the user's unread counts as they were. Any authenticated user may call it, and the
 * server-side client for the user_id it names. Channels the user cannot read (not a member,
 * deleted, unknown) come back as notification.removed_from_channel events, or, with
 * with_inaccessible_cids, listed in inaccessible_cids. `watch` watches the others, as
 * queryChannels does. The limits and the store's log are in stray-dev-store-events.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

static gboolean
is_cid (const char *text)
{
  const char *colon = strchr (text, ':');

  return colon != NULL && colon != text && colon[1] != '\0';
}

static void
append_event (GString        *body,
              const char     *text,
              gsize           length,
              gboolean        with_counts,
              StrayDevUnread  unread)
{
  if (body->str[body->len - 1] != '[')
    g_string_append_c (body, ',');
  if (with_counts)
    {
      g_autofree char *spliced = dev_splice_counts (text, length, unread);

      g_string_append (body, spliced);
    }
  else
    g_string_append_len (body, text, length);
}

gboolean
dev_handle_sync (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gint64 started = g_get_monotonic_time ();
  g_auto(GStrv) cids = stray_json_strv (stray_json_array (request->body, "channel_cids"));
  const char *last_sync_at = stray_json_string (request->body, "last_sync_at");
  const char *user_id = NULL;
  gboolean listed = stray_json_boolean (request->body, "with_inaccessible_cids", FALSE);
  gboolean watch = stray_json_boolean (request->body, "watch", FALSE);
  g_autoptr(GStrvBuilder) readable_builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) inaccessible = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) readable = NULL;
  g_autoptr(GArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) body = NULL;
  gint64 since_us;
  gsize length;

  if (!dev_acting_user_of (request, request->body, "", "Sync", TRUE, &user_id))
    return FALSE;
  if (cids == NULL || cids[0] == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "Sync failed with error: \"channel_cids must be a non-empty list "
                              "of channel cids\"");
  /* Stream counts duplicates against the limit before it drops them. */
  if (g_strv_length (cids) > STRAY_DEV_STORE_SYNC_MAX_CIDS)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "Sync failed with error: \"channel_cids must contain at most %d "
                              "items\"", STRAY_DEV_STORE_SYNC_MAX_CIDS);
  for (guint i = 0; cids[i] != NULL; i++)
    if (!is_cid (cids[i]))
      return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                "Sync failed with error: \"channel_cids[%u] \\\"%s\\\" is not a "
                                "cid (type:id)\"", i, cids[i]);
  since_us = stray_dev_store_parse_time (last_sync_at);
  if (since_us < 0)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "Sync failed with error: \"last_sync_at must be an RFC 3339 "
                              "timestamp\"");

  for (guint i = 0; cids[i] != NULL; i++)
    {
      if (!g_hash_table_add (seen, cids[i]))
        continue;
      if (stray_dev_store_is_member (self->store, cids[i], user_id))
        g_strv_builder_add (readable_builder, cids[i]);
      else
        g_ptr_array_add (inaccessible, cids[i]);
    }
  readable = g_strv_builder_end (readable_builder);

  events = stray_dev_store_events_since (self->store, (const char * const *) readable, user_id,
                                         since_us, &error);
  if (events == NULL)
    return dev_respond_store_error (request, error);
  if (watch)
    for (guint i = 0; readable[i] != NULL; i++)
      dev_watch (self, request->connection, readable[i]);

  body = g_string_new ("{\"events\":[");
  for (guint i = 0; i < events->len; i++)
    {
      StrayDevLoggedEvent *event = &g_array_index (events, StrayDevLoggedEvent, i);

      append_event (body, event->text, event->length, event->with_counts, event->unread);
    }
  if (!listed)
    for (guint i = 0; i < inaccessible->len; i++)
      {
        /* Made now, so after every event kept: still oldest first. */
        g_autoptr(JsonObject) removed = dev_new_event (self, "notification.removed_from_channel",
                                                       g_ptr_array_index (inaccessible, i));
        g_autofree char *text = NULL;

        dev_set_user (self, removed, "user", user_id);
        text = dev_to_json (removed);
        append_event (body, text, strlen (text), TRUE,
                      stray_dev_store_unread (self->store, user_id));
      }
  g_string_append_c (body, ']');
  if (listed)
    {
      g_string_append (body, ",\"inaccessible_cids\":[");
      for (guint i = 0; i < inaccessible->len; i++)
        {
          g_autoptr(JsonNode) cid = json_node_init_string (json_node_alloc (),
                                                           g_ptr_array_index (inaccessible, i));
          g_autofree char *quoted = json_to_string (cid, FALSE);

          g_string_append_printf (body, "%s%s", i > 0 ? "," : "", quoted);
        }
      g_string_append_c (body, ']');
    }
  g_string_append_printf (body, ",\"duration\":\"%.2fms\"}",
                          (g_get_monotonic_time () - started) / 1000.0);

  length = body->len;
  soup_server_message_set_status (request->msg, SOUP_STATUS_CREATED, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_string_free (g_steal_pointer (&body), FALSE), length);
  return TRUE;
}
