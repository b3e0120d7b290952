/* stray-dev-store-users.c
 *
 * The store's users: made on first sight or upserted, online or not, and what each has muted
 * (channels and users, each for a while or until unmuted). `me`, as health.check and
 * notification events carry it, is put together here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store-private.h"
#include "stray-json.h"

static void
dev_mute_free (gpointer data)
{
  DevMute *mute = data;

  g_free (mute->created_at);
  g_free (mute->updated_at);
  g_free (mute->expires);
  g_free (mute);
}

/* A mute from now on, for @duration_us or (0) until undone. */
static DevMute *
dev_mute_new (StrayDevStore *self,
              gint64         duration_us)
{
  DevMute *mute = g_new0 (DevMute, 1);

  mute->created_at = stray_dev_store_now (self);
  mute->updated_at = g_strdup (mute->created_at);
  if (duration_us > 0)
    mute->expires = dev_store_format_time (dev_store_now_us (self) + duration_us);
  return mute;
}

/* Whether @mute still holds; an expired one is removed from @mutes on the way. */
static gboolean
dev_mute_active (StrayDevStore *self,
                 GHashTable    *mutes,
                 const char    *key)
{
  DevMute *mute = g_hash_table_lookup (mutes, key);
  g_autofree char *now = NULL;

  if (mute == NULL)
    return FALSE;
  if (mute->expires == NULL)
    return TRUE;
  now = dev_store_format_time (dev_store_now_us (self));
  if (strcmp (now, mute->expires) < 0)
    return TRUE;
  g_hash_table_remove (mutes, key);
  return FALSE;
}

static gint
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The keys of @mutes that still hold, in order, so that a list reads the same every time; the
 * expired mutes are dropped on the way. */
static GPtrArray *
active_mute_keys (StrayDevStore *self,
                  GHashTable    *mutes)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GPtrArray *active = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  /* Collected first: dropping an expired mute changes the table. */
  g_hash_table_iter_init (&iter, mutes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_ids);
  for (guint i = 0; i < keys->len; i++)
    if (dev_mute_active (self, mutes, g_ptr_array_index (keys, i)))
      g_ptr_array_add (active, g_ptr_array_index (keys, i));
  return active;
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
  user->muted_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dev_mute_free);
  user->channel_mutes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dev_mute_free);
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
  return dev_mute_active (self, user->channel_mutes, cid);
}

/* Whether @user has muted @target_id; a timed mute ends by itself, without an event (Stream
 * leaves a mute's end to the clients: stream-chat-python#31, stream-chat-flutter#1612). */
gboolean
dev_user_mute_active (StrayDevStore *self,
                      DevUser       *user,
                      const char    *target_id)
{
  return target_id != NULL && dev_mute_active (self, user->muted_users, target_id);
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

  if (dev_lookup_channel (self, cid, error) == NULL)
    return FALSE;
  user = dev_ensure_user (self, user_id);
  if (!muted)
    {
      g_hash_table_remove (user->channel_mutes, cid);
      return TRUE;
    }
  g_hash_table_replace (user->channel_mutes, g_strdup (cid),
                        dev_mute_new (self, expires_ms * 1000));
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
  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (me, l->data,
                            json_node_copy (json_object_get_member (user->user, l->data)));
  json_object_set_int_member (me, "total_unread_count", unread.total_unread_count);
  json_object_set_int_member (me, "unread_count", unread.total_unread_count);
  json_object_set_int_member (me, "unread_channels", unread.unread_channels);
  json_object_set_int_member (me, "unread_threads",
                              stray_dev_store_thread_unread (self, user_id).unread_threads);
  json_object_set_boolean_member (me, "invisible", FALSE);
  json_object_set_array_member (me, "devices", json_array_new ());

  json_object_set_array_member (me, "mutes", stray_dev_store_user_mutes (self, user_id));
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
  g_autoptr(GPtrArray) cids = active_mute_keys (self, user->channel_mutes);

  for (guint i = 0; i < cids->len; i++)
    {
      const char *cid = g_ptr_array_index (cids, i);
      DevMute *mute;
      JsonObject *object, *channel;

      if ((channel = stray_dev_store_channel_json (self, cid, user_id)) == NULL)
        continue;
      mute = g_hash_table_lookup (user->channel_mutes, cid);
      object = json_object_new ();
      json_object_set_member (object, "user", dev_user_node (self, user_id));
      json_object_set_object_member (object, "channel", channel);
      json_object_set_string_member (object, "created_at", mute->created_at);
      json_object_set_string_member (object, "updated_at", mute->updated_at);
      if (mute->expires != NULL)
        json_object_set_string_member (object, "expires", mute->expires);
      json_array_add_object_element (mutes, object);
    }
  return mutes;
}

static JsonObject *
user_mute_json (StrayDevStore *self,
                const char    *user_id,
                const char    *target_id,
                DevMute       *mute)
{
  JsonObject *object = json_object_new ();

  json_object_set_member (object, "user", dev_user_node (self, user_id));
  json_object_set_member (object, "target", dev_user_node (self, target_id));
  json_object_set_string_member (object, "created_at", mute->created_at);
  json_object_set_string_member (object, "updated_at", mute->updated_at);
  if (mute->expires != NULL)
    json_object_set_string_member (object, "expires", mute->expires);
  return object;
}

/**
 * stray_dev_store_user_mutes:
 *
 * Returns: (transfer full): the users @user_id has muted, as `me.mutes` (Stream's UserMute:
 *   user, target, created_at, updated_at, expires when timed), the expired ones left out
 */
JsonArray *
stray_dev_store_user_mutes (StrayDevStore *self,
                            const char    *user_id)
{
  DevUser *user = dev_ensure_user (self, user_id);
  JsonArray *mutes = json_array_new ();
  g_autoptr(GPtrArray) targets = active_mute_keys (self, user->muted_users);

  for (guint i = 0; i < targets->len; i++)
    {
      const char *target = g_ptr_array_index (targets, i);

      json_array_add_object_element (mutes,
                                     user_mute_json (self, user_id, target,
                                                     g_hash_table_lookup (user->muted_users,
                                                                          target)));
    }
  return mutes;
}

/**
 * stray_dev_store_mute_user:
 * @timeout_minutes: how long the mute lasts; 0: until unmuted
 *
 * Returns: (transfer full) (nullable): the mute, as Stream's `mute`; %NULL without @error
 *   when @target_id is no user (Stream lists it in non_existing_users)
 */
JsonObject *
stray_dev_store_mute_user (StrayDevStore *self,
                           const char    *user_id,
                           const char    *target_id,
                           gint64         timeout_minutes,
                           GError       **error)
{
  DevUser *user;
  DevMute *mute, *previous;

  if (timeout_minutes < 0)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "MuteUser failed with error: \"timeout must be a positive number of "
                      "minutes\"");
      return NULL;
    }
  if (g_strcmp0 (user_id, target_id) == 0)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "MuteUser failed with error: \"user cannot mute themselves\"");
      return NULL;
    }
  if (dev_lookup_user (self, target_id) == NULL)
    return NULL;

  user = dev_ensure_user (self, user_id);
  mute = dev_mute_new (self, timeout_minutes * 60 * G_USEC_PER_SEC);
  /* Muting again renews the mute: its time and expiry change, not its creation. */
  previous = dev_user_mute_active (self, user, target_id)
             ? g_hash_table_lookup (user->muted_users, target_id) : NULL;
  if (previous != NULL)
    {
      g_free (mute->created_at);
      mute->created_at = g_strdup (previous->created_at);
    }
  g_hash_table_replace (user->muted_users, g_strdup (target_id), mute);
  return user_mute_json (self, user_id, target_id, mute);
}

/* Returns: %FALSE when @target_id is no user (Stream lists it in non_existing_users) */
gboolean
stray_dev_store_unmute_user (StrayDevStore *self,
                             const char    *user_id,
                             const char    *target_id)
{
  if (dev_lookup_user (self, target_id) == NULL)
    return FALSE;
  g_hash_table_remove (dev_ensure_user (self, user_id)->muted_users, target_id);
  return TRUE;
}
