/* stray-dev-store-users.c
 *
 * The store's users: made on first sight or upserted, online or not, and what each has muted
 * (channels, for a while or until unmuted; users). `me`, as health.check and notification
 * events carry it, is put together here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store-private.h"
#include "stray-json.h"

static void
dev_channel_mute_free (gpointer data)
{
  DevChannelMute *mute = data;

  g_free (mute->created_at);
  g_free (mute->expires);
  g_free (mute);
}

void
dev_user_free (gpointer data)
{
  DevUser *user = data;

  json_object_unref (user->user);
  g_hash_table_unref (user->muted_users);
  g_hash_table_unref (user->channel_mutes);
  g_hash_table_unref (user->channels);
  g_free (user);
}

DevUser *
dev_lookup_user (StrayDevStore *self,
                 const char    *user_id)
{
  return user_id != NULL ? g_hash_table_lookup (self->users, user_id) : NULL;
}

DevUser *
dev_ensure_user (StrayDevStore *self,
                 const char    *user_id)
{
  DevUser *user = dev_lookup_user (self, user_id);
  g_autofree char *now = NULL;

  if (user != NULL)
    return user;

  now = stray_dev_store_now (self);
  user = g_new0 (DevUser, 1);
  user->user = json_object_new ();
  json_object_set_string_member (user->user, "id", user_id);
  json_object_set_string_member (user->user, "role", "user");
  json_object_set_string_member (user->user, "created_at", now);
  json_object_set_string_member (user->user, "updated_at", now);
  json_object_set_boolean_member (user->user, "banned", FALSE);
  json_object_set_boolean_member (user->user, "online", FALSE);
  /* What Stream's user objects carry whatever the app set (its recorded payloads). */
  json_object_set_string_member (user->user, "language", "");
  json_object_set_array_member (user->user, "teams", json_array_new ());
  json_object_set_string_member (user->user, "last_active", now);
  user->muted_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  user->channel_mutes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               dev_channel_mute_free);
  user->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->users, g_strdup (user_id), user);
  return user;
}

/**
 * stray_dev_store_upsert_user:
 * @user: the user as a client sends it; its `id` is required
 *
 * Returns: (transfer none) (nullable): the stored user
 */
JsonObject *
stray_dev_store_upsert_user (StrayDevStore *self,
                             JsonObject    *user,
                             GError       **error)
{
  const char *id = stray_json_string (user, "id");
  g_autoptr(GList) members = NULL;
  g_autofree char *now = NULL;
  DevUser *stored;

  if (!dev_is_valid_id (id))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "user.id is required and may contain letters, digits and @_-! only");
      return NULL;
    }

  stored = dev_ensure_user (self, id);
  members = json_object_get_members (user);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      /* The server owns these. */
      if (g_str_equal (name, "id") || g_str_equal (name, "created_at") ||
          g_str_equal (name, "online") || g_str_equal (name, "role"))
        continue;
      json_object_set_member (stored->user, name,
                              json_node_copy (json_object_get_member (user, name)));
    }
  now = stray_dev_store_now (self);
  json_object_set_string_member (stored->user, "updated_at", now);
  return stored->user;
}

/**
 * stray_dev_store_ensure_user:
 *
 * Returns: (transfer none): the user, made on first sight as Stream does for a connecting user
 */
JsonObject *
stray_dev_store_ensure_user (StrayDevStore *self,
                             const char    *user_id)
{
  g_return_val_if_fail (user_id != NULL, NULL);

  return dev_ensure_user (self, user_id)->user;
}

/**
 * stray_dev_store_lookup_user:
 *
 * Returns: (transfer none) (nullable): the user
 */
JsonObject *
stray_dev_store_lookup_user (StrayDevStore *self,
                             const char    *user_id)
{
  DevUser *user = dev_lookup_user (self, user_id);

  return user != NULL ? user->user : NULL;
}

void
stray_dev_store_set_user_online (StrayDevStore *self,
                                 const char    *user_id,
                                 gboolean       online)
{
  DevUser *user = dev_ensure_user (self, user_id);
  g_autofree char *now = stray_dev_store_now (self);

  json_object_set_boolean_member (user->user, "online", online);
  json_object_set_string_member (user->user, "last_active", now);
}

JsonNode *
dev_user_node (StrayDevStore *self,
               const char    *user_id)
{
  return json_node_init_object (json_node_alloc (), stray_dev_store_ensure_user (self, user_id));
}

gboolean
dev_channel_mute_active (StrayDevStore *self,
                         DevUser       *user,
                         const char    *cid)
{
  DevChannelMute *mute = g_hash_table_lookup (user->channel_mutes, cid);
  g_autofree char *now = NULL;

  if (mute == NULL)
    return FALSE;
  if (mute->expires == NULL)
    return TRUE;
  now = stray_dev_store_now (self);
  if (strcmp (now, mute->expires) < 0)
    return TRUE;
  g_hash_table_remove (user->channel_mutes, cid);
  return FALSE;
}

gboolean
stray_dev_store_is_channel_muted (StrayDevStore *self,
                                  const char    *user_id,
                                  const char    *cid)
{
  DevUser *user = dev_lookup_user (self, user_id);

  return user != NULL && dev_channel_mute_active (self, user, cid);
}

gboolean
stray_dev_store_set_channel_muted (StrayDevStore *self,
                                   const char    *user_id,
                                   const char    *cid,
                                   gboolean       muted,
                                   gint64         expires_ms,
                                   GError       **error)
{
  DevUser *user;
  DevChannelMute *mute;

  if (dev_lookup_channel (self, cid, error) == NULL)
    return FALSE;
  user = dev_ensure_user (self, user_id);
  if (!muted)
    {
      g_hash_table_remove (user->channel_mutes, cid);
      return TRUE;
    }

  mute = g_new0 (DevChannelMute, 1);
  mute->created_at = stray_dev_store_now (self);
  if (expires_ms > 0)
    {
      gint64 expires_us = g_get_real_time () + expires_ms * 1000;
      g_autoptr(GDateTime) expires = g_date_time_new_from_unix_utc (expires_us / G_USEC_PER_SEC);
      g_autofree char *date = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%S");

      mute->expires = g_strdup_printf ("%s.%06dZ", date, (int) (expires_us % G_USEC_PER_SEC));
    }
  g_hash_table_replace (user->channel_mutes, g_strdup (cid), mute);
  return TRUE;
}

/**
 * stray_dev_store_own_user:
 *
 * Returns: (transfer full): `me` as health.check and notification events carry it
 */
JsonObject *
stray_dev_store_own_user (StrayDevStore *self,
                          const char    *user_id)
{
  DevUser *user = dev_ensure_user (self, user_id);
  JsonObject *me = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (user->user);
  StrayDevUnread unread = stray_dev_store_unread (self, user_id);
  JsonArray *mutes = json_array_new ();
  GHashTableIter iter;
  gpointer target, created_at;

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (me, l->data,
                            json_node_copy (json_object_get_member (user->user, l->data)));
  json_object_set_int_member (me, "total_unread_count", unread.total_unread_count);
  json_object_set_int_member (me, "unread_count", unread.total_unread_count);
  json_object_set_int_member (me, "unread_channels", unread.unread_channels);
  json_object_set_int_member (me, "unread_threads", 0);
  json_object_set_boolean_member (me, "invisible", FALSE);
  json_object_set_array_member (me, "devices", json_array_new ());

  g_hash_table_iter_init (&iter, user->muted_users);
  while (g_hash_table_iter_next (&iter, &target, &created_at))
    {
      JsonObject *mute = json_object_new ();

      json_object_set_member (mute, "user", dev_user_node (self, user_id));
      json_object_set_member (mute, "target", dev_user_node (self, target));
      json_object_set_string_member (mute, "created_at", created_at);
      json_object_set_string_member (mute, "updated_at", created_at);
      json_array_add_object_element (mutes, mute);
    }
  json_object_set_array_member (me, "mutes", mutes);
  json_object_set_array_member (me, "channel_mutes",
                                stray_dev_store_channel_mutes (self, user_id));
  return me;
}

/**
 * stray_dev_store_channel_mutes:
 *
 * Returns: (transfer full): the user's channel mutes, as `me.channel_mutes`
 */
JsonArray *
stray_dev_store_channel_mutes (StrayDevStore *self,
                               const char    *user_id)
{
  DevUser *user = dev_ensure_user (self, user_id);
  JsonArray *mutes = json_array_new ();
  g_autoptr(GPtrArray) cids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  /* Collected first: an expired mute is dropped on the way. */
  g_hash_table_iter_init (&iter, user->channel_mutes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (cids, key);

  for (guint i = 0; i < cids->len; i++)
    {
      const char *cid = g_ptr_array_index (cids, i);
      DevChannelMute *mute;
      JsonObject *object, *channel;

      if (!dev_channel_mute_active (self, user, cid) ||
          (channel = stray_dev_store_channel_json (self, cid, user_id)) == NULL)
        continue;
      mute = g_hash_table_lookup (user->channel_mutes, cid);
      object = json_object_new ();
      json_object_set_member (object, "user", dev_user_node (self, user_id));
      json_object_set_object_member (object, "channel", channel);
      json_object_set_string_member (object, "created_at", mute->created_at);
      json_object_set_string_member (object, "updated_at", mute->created_at);
      if (mute->expires != NULL)
        json_object_set_string_member (object, "expires", mute->expires);
      json_array_add_object_element (mutes, object);
    }
  return mutes;
}
