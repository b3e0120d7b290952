/* stray-dev-store.c
 *
 * Users, channels, members, messages and read state, as Stream keeps them, in memory.
 * Unread bookkeeping follows Stream: a message counts for every member but its author, unless
 * it is silent, shadowed, a reply kept in its thread, or the member muted the channel or the
 * author; sending marks the channel read for the sender; totals are the sum over the user's
 * channels, so that queryChannels' read[], GET /unread, `me` and the events always agree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store.h"
#include "stray-json.h"

typedef struct {
  char *created_at;
  char *expires; /* NULL: until unmuted */
} ChannelMute;

typedef struct {
  JsonObject *user;
  GHashTable *muted_users;   /* target id → created_at */
  GHashTable *channel_mutes; /* cid → ChannelMute */
  GHashTable *channels;      /* set of cids the user is a member of */
} DevUser;

typedef struct {
  char *user_id;
  char *role;
  char *created_at;
  char *updated_at;
  char *last_read;
  char *last_read_message_id;
  guint unread_messages;
  gboolean hidden;
} DevMember;

typedef struct {
  char *cid;
  char *type;
  char *id;
  JsonObject *data; /* name, image and any custom field */
  char *created_by_id;
  char *created_at;
  char *updated_at;
  char *last_message_at;
  char *truncated_at;
  gboolean frozen;
  GPtrArray *members;  /* of DevMember, in the order they joined */
  GHashTable *members_by_id; /* user id → DevMember, borrowed from members */
  GPtrArray *messages; /* of JsonObject, oldest first, thread replies included */
} DevChannel;

struct _StrayDevStore
{
  GObject parent_instance;

  GHashTable *users;    /* id → DevUser */
  GHashTable *channels; /* cid → DevChannel */
  GHashTable *messages; /* id → DevChannel holding it */
  gint64 last_now_us;
};

G_DEFINE_FINAL_TYPE (StrayDevStore, stray_dev_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (stray-dev-store-error-quark, stray_dev_store_error)

/* Stream's built-in capabilities of a channel member, minus what a frozen channel forbids. */
static const char * const member_capabilities[] = {
  "ban-channel-members", "connect-events", "delete-own-message", "flag-message",
  "freeze-channel", "join-channel", "leave-channel", "mute-channel", "pin-message",
  "quote-message", "read-events", "search-messages", "send-custom-events", "send-links",
  "send-message", "send-reaction", "send-reply", "send-typing-events", "typing-events",
  "update-channel", "update-channel-members", "update-own-message", "upload-file",
};

static void
channel_mute_free (gpointer data)
{
  ChannelMute *mute = data;

  g_free (mute->created_at);
  g_free (mute->expires);
  g_free (mute);
}

static void
dev_user_free (gpointer data)
{
  DevUser *user = data;

  json_object_unref (user->user);
  g_hash_table_unref (user->muted_users);
  g_hash_table_unref (user->channel_mutes);
  g_hash_table_unref (user->channels);
  g_free (user);
}

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
  g_free (member);
}

static void
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
  g_free (channel);
}

static void
stray_dev_store_finalize (GObject *object)
{
  StrayDevStore *self = STRAY_DEV_STORE (object);

  g_hash_table_unref (self->messages);
  g_hash_table_unref (self->channels);
  g_hash_table_unref (self->users);

  G_OBJECT_CLASS (stray_dev_store_parent_class)->finalize (object);
}

static void
stray_dev_store_class_init (StrayDevStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stray_dev_store_finalize;
}

static void
stray_dev_store_init (StrayDevStore *self)
{
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dev_user_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dev_channel_free);
  self->messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

StrayDevStore *
stray_dev_store_new (void)
{
  return g_object_new (STRAY_TYPE_DEV_STORE, NULL);
}

/**
 * stray_dev_store_now:
 *
 * Timestamps strictly increase, so that messages sent in the same microsecond still sort.
 *
 * Returns: (transfer full): the current time, RFC 3339 with microseconds
 */
char *
stray_dev_store_now (StrayDevStore *self)
{
  gint64 now_us = MAX (g_get_real_time (), self->last_now_us + 1);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  self->last_now_us = now_us;
  return g_strdup_printf ("%s.%06dZ", seconds, (int) (now_us % G_USEC_PER_SEC));
}

static gboolean
fail (GError            **error,
      StrayDevStoreError  code,
      const char         *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError            **error,
      StrayDevStoreError  code,
      const char         *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, STRAY_DEV_STORE_ERROR, code, "");
  if (error != NULL && *error != NULL)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
  return FALSE;
}

/* ---- users ---- */

static DevUser *
lookup_dev_user (StrayDevStore *self,
                 const char    *user_id)
{
  return user_id != NULL ? g_hash_table_lookup (self->users, user_id) : NULL;
}

static DevUser *
ensure_dev_user (StrayDevStore *self,
                 const char    *user_id)
{
  DevUser *user = lookup_dev_user (self, user_id);
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
  user->muted_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  user->channel_mutes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               channel_mute_free);
  user->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->users, g_strdup (user_id), user);
  return user;
}

static gboolean
is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 255)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("@_-!", *p) == NULL)
      return FALSE;
  return TRUE;
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

  if (!is_valid_id (id))
    {
      fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "user.id is required and may contain letters, digits and @_-! only");
      return NULL;
    }

  stored = ensure_dev_user (self, id);
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

  return ensure_dev_user (self, user_id)->user;
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
  DevUser *user = lookup_dev_user (self, user_id);

  return user != NULL ? user->user : NULL;
}

void
stray_dev_store_set_user_online (StrayDevStore *self,
                                 const char    *user_id,
                                 gboolean       online)
{
  DevUser *user = ensure_dev_user (self, user_id);
  g_autofree char *now = stray_dev_store_now (self);

  json_object_set_boolean_member (user->user, "online", online);
  json_object_set_string_member (user->user, "last_active", now);
}

static JsonNode *
user_node (StrayDevStore *self,
           const char    *user_id)
{
  return json_node_init_object (json_node_alloc (), stray_dev_store_ensure_user (self, user_id));
}

static gboolean
channel_mute_active (StrayDevStore *self,
                     DevUser       *user,
                     const char    *cid)
{
  ChannelMute *mute = g_hash_table_lookup (user->channel_mutes, cid);
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
  DevUser *user = lookup_dev_user (self, user_id);

  return user != NULL && channel_mute_active (self, user, cid);
}

/* ---- channels ---- */

static DevChannel *
lookup_channel (StrayDevStore *self,
                const char    *cid,
                GError       **error)
{
  DevChannel *channel = cid != NULL ? g_hash_table_lookup (self->channels, cid) : NULL;

  if (channel == NULL)
    fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Channel \"%s\" does not exist",
          cid != NULL ? cid : "");
  return channel;
}

static DevMember *
lookup_member (DevChannel *channel,
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
  DevChannel *channel = lookup_channel (self, cid, NULL);

  return channel != NULL && lookup_member (channel, user_id) != NULL;
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
  DevChannel *channel = lookup_channel (self, cid, NULL);
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
  DevUser *user = lookup_dev_user (self, user_id);
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
  DevMember *member = lookup_member (channel, user_id);

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
  g_hash_table_add (ensure_dev_user (self, user_id)->channels, g_strdup (channel->cid));
  return member;
}

static gboolean
is_channel_field (const char *name)
{
  static const char * const own[] = {
    "id", "type", "cid", "created_by", "created_by_id", "created_at", "updated_at",
    "last_message_at", "members", "member_count", "config", "own_capabilities", "frozen",
    "truncated_at", "disabled", "hidden",
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

  if (!is_valid_id (type) || !is_valid_id (id))
    return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "channel type and id are required and may contain letters, digits and @_-!");
  if (!is_valid_id (created_by_id))
    return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "either data.created_by or data.created_by_id must be provided");
  for (guint i = 0; member_ids != NULL && member_ids[i] != NULL; i++)
    if (!is_valid_id (member_ids[i]))
      return fail (error, STRAY_DEV_STORE_ERROR_INPUT, "member id \"%s\" is not valid",
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

  ensure_dev_user (self, created_by_id);
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
  DevChannel *channel = lookup_channel (self, cid, error);

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
  DevChannel *channel = lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; user_ids[i] != NULL; i++)
    if (!is_valid_id (user_ids[i]))
      return fail (error, STRAY_DEV_STORE_ERROR_INPUT, "member id \"%s\" is not valid",
                   user_ids[i]);
  for (guint i = 0; user_ids[i] != NULL; i++)
    add_member (self, channel, user_ids[i], "member");
  return TRUE;
}

gboolean
stray_dev_store_remove_members (StrayDevStore      *self,
                                const char         *cid,
                                const char * const *user_ids,
                                GError            **error)
{
  DevChannel *channel = lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; user_ids[i] != NULL; i++)
    {
      DevMember *member = lookup_member (channel, user_ids[i]);
      DevUser *user = lookup_dev_user (self, user_ids[i]);

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
  DevChannel *channel = lookup_channel (self, cid, error);

  if (channel == NULL)
    return FALSE;
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevUser *user = lookup_dev_user (self, ((DevMember *) g_ptr_array_index (channel->members,
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
  DevChannel *channel = lookup_channel (self, cid, error);

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
  DevChannel *channel = lookup_channel (self, cid, error);
  DevMember *member;

  if (channel == NULL)
    return FALSE;
  member = lookup_member (channel, user_id);
  if (member == NULL)
    return fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                 "user \"%s\" is not a member of channel \"%s\"", user_id, cid);
  member->hidden = hidden;
  if (hidden && clear)
    {
      member->unread_messages = 0;
      g_free (member->last_read);
      member->last_read = stray_dev_store_now (self);
    }
  return TRUE;
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
  ChannelMute *mute;

  if (lookup_channel (self, cid, error) == NULL)
    return FALSE;
  user = ensure_dev_user (self, user_id);
  if (!muted)
    {
      g_hash_table_remove (user->channel_mutes, cid);
      return TRUE;
    }

  mute = g_new0 (ChannelMute, 1);
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

/* ---- messages ---- */

static gboolean
is_thread_only (JsonObject *message)
{
  return stray_json_string (message, "parent_id") != NULL &&
         !stray_json_boolean (message, "show_in_channel", FALSE);
}

static gboolean
counts_for (StrayDevStore *self,
            DevChannel    *channel,
            DevMember     *member,
            JsonObject    *message,
            const char    *author_id)
{
  DevUser *user = lookup_dev_user (self, member->user_id);

  if (g_str_equal (member->user_id, author_id))
    return FALSE;
  if (stray_json_boolean (message, "silent", FALSE) ||
      stray_json_boolean (message, "shadowed", FALSE) ||
      is_thread_only (message) ||
      g_strcmp0 ((stray_json_string (message, "type") ?: ""), "system") == 0)
    return FALSE;
  if (user != NULL && (channel_mute_active (self, user, channel->cid) ||
                       g_hash_table_contains (user->muted_users, author_id)))
    return FALSE;
  return TRUE;
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

/**
 * stray_dev_store_add_message:
 * @cid: the channel
 * @user_id: the author
 * @message: what the client sent: text, and optionally id, parent_id, show_in_channel,
 *   silent, mentioned_users (ids), attachments and custom fields
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
  DevChannel *channel = lookup_channel (self, cid, error);
  g_autoptr(JsonObject) stored = json_object_new ();
  g_autoptr(GList) names = NULL;
  g_autofree char *now = NULL;
  g_autofree char *html = NULL;
  const char *id, *text, *parent_id;
  JsonNode *mentioned;
  DevMember *author;

  if (channel == NULL)
    return NULL;
  author = lookup_member (channel, user_id);
  if (author == NULL)
    {
      fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                 "User '%s' is not allowed to send messages in channel '%s'", user_id, cid);
      return NULL;
    }
  if (channel->frozen)
    {
      fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                 "Channel '%s' is frozen: no messages can be sent", cid);
      return NULL;
    }

  id = stray_json_string (message, "id");
  if (id != NULL && (!is_valid_id (id) || g_hash_table_contains (self->messages, id)))
    {
      fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "message.id \"%s\" is not valid or is already taken", id);
      return NULL;
    }
  text = (stray_json_string (message, "text") ?: "");
  if (strlen (text) > 5000 || !g_utf8_validate (text, -1, NULL))
    {
      fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "message.text must be at most 5000 bytes of UTF-8");
      return NULL;
    }
  html = text_to_html (text);
  parent_id = stray_json_string (message, "parent_id");
  if (parent_id != NULL && !g_hash_table_contains (self->messages, parent_id))
    {
      fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "parent message \"%s\" does not exist", parent_id);
      return NULL;
    }

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
  json_object_set_member (stored, "user", user_node (self, user_id));
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
  set_empty_array (stored, "latest_reactions");
  set_empty_array (stored, "own_reactions");
  set_empty_object (stored, "reaction_counts");
  set_empty_object (stored, "reaction_scores");
  set_empty_object (stored, "reaction_groups");

  /* Mentions arrive as ids (or user objects) and go out as users. */
  {
    JsonArray *users = json_array_new ();

    mentioned = json_object_get_member (message, "mentioned_users");
    if (mentioned != NULL && JSON_NODE_HOLDS_ARRAY (mentioned))
      {
        JsonArray *ids = json_node_get_array (mentioned);

        for (guint i = 0; i < json_array_get_length (ids); i++)
          {
            JsonNode *element = json_array_get_element (ids, i);
            const char *mention = NULL;

            if (JSON_NODE_HOLDS_VALUE (element) &&
                json_node_get_value_type (element) == G_TYPE_STRING)
              mention = json_node_get_string (element);
            else if (JSON_NODE_HOLDS_OBJECT (element))
              mention = stray_json_string (json_node_get_object (element), "id");
            if (is_valid_id (mention))
              json_array_add_element (users, user_node (self, mention));
          }
      }
    json_object_set_array_member (stored, "mentioned_users", users);
  }

  if (parent_id != NULL)
    {
      JsonObject *parent = stray_dev_store_lookup_message (self, parent_id, NULL);

      json_object_set_int_member (parent, "reply_count",
                                  stray_json_int (parent, "reply_count", 0) + 1);
    }

  /* Unread bookkeeping for every member. */
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevMember *member = g_ptr_array_index (channel->members, i);

      if (counts_for (self, channel, member, stored, user_id))
        member->unread_messages++;
      if (!is_thread_only (stored))
        member->hidden = FALSE;
    }
  /* Sending marks the channel read for the sender. */
  author->unread_messages = 0;
  g_free (author->last_read);
  author->last_read = g_strdup (now);
  g_free (author->last_read_message_id);
  author->last_read_message_id = g_strdup (json_object_get_string_member (stored, "id"));

  if (!is_thread_only (stored))
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

static JsonObject *
lookup_message_or_fail (StrayDevStore *self,
                        const char    *message_id,
                        GError       **error)
{
  JsonObject *message = stray_dev_store_lookup_message (self, message_id, NULL);

  if (message == NULL)
    fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Message with id '%s' doesn't exist",
          message_id != NULL ? message_id : "");
  return message;
}

/**
 * stray_dev_store_update_message:
 * @changes: text and custom fields to replace
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
              fail (error, STRAY_DEV_STORE_ERROR_INPUT, "message.text must be a string");
              return NULL;
            }
          html = text_to_html (json_node_get_string (text));
          json_object_set_string_member (message, "text", json_node_get_string (text));
          json_object_set_string_member (message, "html", html);
        }
      else if (!g_str_equal (name, "id") && !g_str_equal (name, "user") &&
               !g_str_equal (name, "user_id") && !g_str_equal (name, "cid") &&
               !g_str_equal (name, "created_at") && !g_str_equal (name, "type"))
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
  json_object_set_member (reaction, "user", user_node (self, user_id));
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
  if (!is_valid_id (type))
    {
      fail (error, STRAY_DEV_STORE_ERROR_INPUT, "reaction.type is required");
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
      fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "reaction \"%s\" by \"%s\" does not exist",
            type != NULL ? type : "", user_id);
      return NULL;
    }
  latest = json_object_get_array_member (message, "latest_reactions");
  *out_reaction = json_object_ref (json_array_get_object_element (latest, (guint) existing));
  json_array_remove_element (latest, (guint) existing);
  recount_reactions (message);
  return message;
}

/* ---- read state ---- */

static DevMember *
lookup_member_or_fail (StrayDevStore *self,
                       const char    *cid,
                       const char    *user_id,
                       DevChannel   **out_channel,
                       GError       **error)
{
  DevChannel *channel = lookup_channel (self, cid, error);
  DevMember *member;

  if (channel == NULL)
    return NULL;
  member = lookup_member (channel, user_id);
  if (member == NULL)
    fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
          "user \"%s\" is not a member of channel \"%s\"", user_id, cid);
  if (out_channel != NULL)
    *out_channel = channel;
  return member;
}

static JsonObject *
read_json (StrayDevStore *self,
           DevMember     *member)
{
  JsonObject *read = json_object_new ();

  json_object_set_member (read, "user", user_node (self, member->user_id));
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

      if (!is_thread_only (message))
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
      fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND, "Message with id '%s' doesn't exist",
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
  return read_json (self, member);
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
      fail (error, STRAY_DEV_STORE_ERROR_INPUT, "message_id is required");
      return NULL;
    }
  for (position = 0; position < channel->messages->len; position++)
    if (g_str_equal (json_object_get_string_member (g_ptr_array_index (channel->messages,
                                                                       position), "id"),
                     message_id))
      break;
  if (position == channel->messages->len)
    {
      fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
            "Message with id '%s' doesn't exist in channel '%s'", message_id, cid);
      return NULL;
    }

  for (guint i = 0; i < channel->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i);

      if (is_thread_only (message))
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

  read = read_json (self, member);
  json_object_set_string_member (read, "first_unread_message_id", message_id);
  return read;
}

guint
stray_dev_store_channel_unread (StrayDevStore *self,
                                const char    *cid,
                                const char    *user_id)
{
  DevChannel *channel = lookup_channel (self, cid, NULL);
  DevMember *member = channel != NULL ? lookup_member (channel, user_id) : NULL;

  return member != NULL ? member->unread_messages : 0;
}

StrayDevUnread
stray_dev_store_unread (StrayDevStore *self,
                        const char    *user_id)
{
  StrayDevUnread unread = { 0, 0 };
  DevUser *user = lookup_dev_user (self, user_id);
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
      DevChannel *channel = lookup_channel (self, cids[i], NULL);
      DevMember *member = lookup_member (channel, user_id);
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
  json_object_set_int_member (response, "total_unread_threads_count", 0);
  json_object_set_array_member (response, "channels", channels);
  json_object_set_array_member (response, "channel_type", channel_types);
  json_object_set_array_member (response, "threads", json_array_new ());
  return response;
}

/* ---- what clients are sent ---- */

static JsonObject *
config_json (const char *type)
{
  static const char * const enabled[] = {
    "typing_events", "read_events", "connect_events", "search", "reactions", "replies",
    "quotes", "mutes", "uploads", "url_enrichment", "custom_events", "push_notifications",
  };
  JsonObject *config = json_object_new ();

  json_object_set_string_member (config, "name", type);
  for (guint i = 0; i < G_N_ELEMENTS (enabled); i++)
    json_object_set_boolean_member (config, enabled[i], TRUE);
  json_object_set_boolean_member (config, "reminders", FALSE);
  json_object_set_string_member (config, "message_retention", "infinite");
  json_object_set_int_member (config, "max_message_length", 5000);
  json_object_set_string_member (config, "automod", "disabled");
  json_object_set_string_member (config, "automod_behavior", "flag");
  json_object_set_array_member (config, "commands", json_array_new ());
  return config;
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
  DevChannel *channel = lookup_channel (self, cid, NULL);
  DevMember *member;
  JsonObject *object;
  JsonArray *capabilities;
  g_autoptr(GList) names = NULL;

  if (channel == NULL)
    return NULL;
  member = user_id != NULL ? lookup_member (channel, user_id) : NULL;

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
  json_object_set_member (object, "created_by", user_node (self, channel->created_by_id));
  json_object_set_boolean_member (object, "frozen", channel->frozen);
  json_object_set_boolean_member (object, "disabled", FALSE);
  json_object_set_int_member (object, "member_count", channel->members->len);
  json_object_set_object_member (object, "config", config_json (channel->type));

  capabilities = json_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (member_capabilities); i++)
    {
      /* Non-members of a channel may read it, not write to it. */
      if (member == NULL && g_strcmp0 (member_capabilities[i], "read-events") != 0 &&
          g_strcmp0 (member_capabilities[i], "join-channel") != 0)
        continue;
      if (channel->frozen && g_str_has_prefix (member_capabilities[i], "send-"))
        continue;
      json_array_add_string_element (capabilities, member_capabilities[i]);
    }
  json_object_set_array_member (object, "own_capabilities", capabilities);
  if (member != NULL && member->hidden)
    json_object_set_boolean_member (object, "hidden", TRUE);
  return object;
}

static JsonObject *
member_json (StrayDevStore *self,
             DevMember     *member)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "user_id", member->user_id);
  json_object_set_member (object, "user", user_node (self, member->user_id));
  json_object_set_string_member (object, "created_at", member->created_at);
  json_object_set_string_member (object, "updated_at", member->updated_at);
  json_object_set_boolean_member (object, "banned", FALSE);
  json_object_set_boolean_member (object, "shadow_banned", FALSE);
  json_object_set_string_member (object, "role", member->role);
  json_object_set_string_member (object, "channel_role", g_str_equal (member->role, "owner")
                                                          ? "channel_moderator"
                                                          : "channel_member");
  json_object_set_boolean_member (object, "notifications_muted", FALSE);
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
  DevChannel *channel = lookup_channel (self, cid, NULL);
  DevMember *member = channel != NULL ? lookup_member (channel, user_id) : NULL;

  return member != NULL ? member_json (self, member) : NULL;
}

/**
 * stray_dev_store_channel_state:
 * @user_id: (nullable): whose membership, capabilities and read state to show
 *
 * Returns: (transfer full) (nullable): one entry of queryChannels' `channels`
 */
JsonObject *
stray_dev_store_channel_state (StrayDevStore *self,
                               const char    *cid,
                               const char    *user_id,
                               guint          message_limit,
                               guint          watcher_count)
{
  DevChannel *channel = lookup_channel (self, cid, NULL);
  JsonObject *state;
  JsonArray *messages, *members, *reads;
  DevMember *own = NULL;
  guint first = 0, timeline = 0;

  if (channel == NULL)
    return NULL;

  state = json_object_new ();
  json_object_set_object_member (state, "channel",
                                 stray_dev_store_channel_json (self, cid, user_id));

  /* The newest message_limit messages of the timeline, oldest first. */
  messages = json_array_new ();
  for (guint i = channel->messages->len; i > 0 && timeline < message_limit; i--)
    if (!is_thread_only (g_ptr_array_index (channel->messages, i - 1)))
      {
        timeline++;
        first = i - 1;
      }
  for (guint i = first; timeline > 0 && i < channel->messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (channel->messages, i);

      if (!is_thread_only (message))
        json_array_add_object_element (messages, json_object_ref (message));
    }
  json_object_set_array_member (state, "messages", messages);
  json_object_set_array_member (state, "pinned_messages", json_array_new ());

  members = json_array_new ();
  reads = json_array_new ();
  for (guint i = 0; i < channel->members->len; i++)
    {
      DevMember *member = g_ptr_array_index (channel->members, i);

      json_array_add_object_element (members, member_json (self, member));
      json_array_add_object_element (reads, read_json (self, member));
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

/**
 * stray_dev_store_own_user:
 *
 * Returns: (transfer full): `me` as health.check and notification events carry it
 */
JsonObject *
stray_dev_store_own_user (StrayDevStore *self,
                          const char    *user_id)
{
  DevUser *user = ensure_dev_user (self, user_id);
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

      json_object_set_member (mute, "user", user_node (self, user_id));
      json_object_set_member (mute, "target", user_node (self, target));
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
  DevUser *user = ensure_dev_user (self, user_id);
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
      ChannelMute *mute;
      JsonObject *object, *channel;

      if (!channel_mute_active (self, user, cid) ||
          (channel = stray_dev_store_channel_json (self, cid, user_id)) == NULL)
        continue;
      mute = g_hash_table_lookup (user->channel_mutes, cid);
      object = json_object_new ();
      json_object_set_member (object, "user", user_node (self, user_id));
      json_object_set_object_member (object, "channel", channel);
      json_object_set_string_member (object, "created_at", mute->created_at);
      json_object_set_string_member (object, "updated_at", mute->created_at);
      if (mute->expires != NULL)
        json_object_set_string_member (object, "expires", mute->expires);
      json_array_add_object_element (mutes, object);
    }
  return mutes;
}

/* ---- queryChannels ---- */

static gboolean filter_matches (StrayDevStore *self,
                                DevChannel    *channel,
                                JsonObject    *filter,
                                gboolean      *mentions_hidden,
                                GError       **error);

/* The value of @field of @channel as filters compare it; NULL when it has none. */
static JsonNode *
channel_field (DevChannel *channel,
               const char *field)
{
  if (g_str_equal (field, "cid"))
    return json_node_init_string (json_node_alloc (), channel->cid);
  if (g_str_equal (field, "type"))
    return json_node_init_string (json_node_alloc (), channel->type);
  if (g_str_equal (field, "id"))
    return json_node_init_string (json_node_alloc (), channel->id);
  if (g_str_equal (field, "frozen"))
    return json_node_init_boolean (json_node_alloc (), channel->frozen);
  if (json_object_has_member (channel->data, field))
    return json_node_copy (json_object_get_member (channel->data, field));
  return NULL;
}

static gboolean
value_in (JsonNode  *value,
          JsonArray *candidates)
{
  for (guint i = 0; i < json_array_get_length (candidates); i++)
    if (json_node_equal (value, json_array_get_element (candidates, i)))
      return TRUE;
  return FALSE;
}

static gboolean
members_match (DevChannel *channel,
               JsonNode   *condition,
               GError    **error)
{
  JsonArray *wanted = NULL;

  if (JSON_NODE_HOLDS_OBJECT (condition))
    {
      JsonObject *operators = json_node_get_object (condition);
      JsonNode *in = json_object_get_member (operators, "$in");

      if (in == NULL || !JSON_NODE_HOLDS_ARRAY (in) || json_object_get_size (operators) != 1)
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: members filter supports only $in");
      wanted = json_node_get_array (in);
      for (guint i = 0; i < json_array_get_length (wanted); i++)
        {
          JsonNode *id = json_array_get_element (wanted, i);

          if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING &&
              lookup_member (channel, json_node_get_string (id)) != NULL)
            return TRUE;
        }
      return FALSE;
    }
  if (JSON_NODE_HOLDS_ARRAY (condition))
    {
      /* Exact set of members. */
      wanted = json_node_get_array (condition);
      if (json_array_get_length (wanted) != channel->members->len)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (wanted); i++)
        {
          JsonNode *id = json_array_get_element (wanted, i);

          if (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_STRING ||
              lookup_member (channel, json_node_get_string (id)) == NULL)
            return FALSE;
        }
      return TRUE;
    }
  return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
               "QueryChannels failed: members filter must be {$in: […]} or a list");
}

static gboolean
field_matches (DevChannel *channel,
               const char *field,
               JsonNode   *condition,
               GError    **error)
{
  g_autoptr(JsonNode) value = NULL;

  if (g_str_equal (field, "members"))
    return members_match (channel, condition, error);

  value = channel_field (channel, field);
  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return value != NULL && json_node_equal (value, condition);

  {
    JsonObject *operators = json_node_get_object (condition);
    g_autoptr(GList) names = json_object_get_members (operators);

    for (GList *l = names; l != NULL; l = l->next)
      {
        JsonNode *operand = json_object_get_member (operators, l->data);

        if (g_str_equal (l->data, "$eq"))
          {
            if (value == NULL || !json_node_equal (value, operand))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$ne"))
          {
            if (value != NULL && json_node_equal (value, operand))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$in") || g_str_equal (l->data, "$nin"))
          {
            gboolean in;

            if (!JSON_NODE_HOLDS_ARRAY (operand))
              return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "QueryChannels failed: %s needs a list", (char *) l->data);
            in = value != NULL && value_in (value, json_node_get_array (operand));
            if (in != g_str_equal (l->data, "$in"))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$exists"))
          {
            if ((value != NULL) != json_node_get_boolean (operand))
              return FALSE;
          }
        else
          return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                       "QueryChannels failed: operator %s is not supported",
                       (char *) l->data);
      }
  }
  return TRUE;
}

static gboolean
filter_list_matches (StrayDevStore *self,
                     DevChannel    *channel,
                     JsonNode      *list,
                     gboolean       any,
                     gboolean      *mentions_hidden,
                     GError       **error)
{
  JsonArray *filters;

  if (!JSON_NODE_HOLDS_ARRAY (list))
    return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                 "QueryChannels failed: $and and $or need a list of filters");
  filters = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (filters); i++)
    {
      JsonNode *element = json_array_get_element (filters, i);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: a filter must be an object");
      matches = filter_matches (self, channel, json_node_get_object (element), mentions_hidden,
                                &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (matches == any)
        return any;
    }
  return !any;
}

static gboolean
filter_matches (StrayDevStore *self,
                DevChannel    *channel,
                JsonObject    *filter,
                gboolean      *mentions_hidden,
                GError       **error)
{
  g_autoptr(GList) names = json_object_get_members (filter);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *condition = json_object_get_member (filter, name);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (g_str_equal (name, "$and") || g_str_equal (name, "$or"))
        matches = filter_list_matches (self, channel, condition, g_str_equal (name, "$or"),
                                       mentions_hidden, &local_error);
      else if (g_str_equal (name, "hidden"))
        {
          /* Checked per member by the caller; naming it lets hidden channels through. */
          *mentions_hidden = TRUE;
          continue;
        }
      else if (name[0] == '$')
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: operator %s is not supported", name);
      else
        matches = field_matches (channel, name, condition, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!matches)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  JsonArray *sort;
} SortContext;

static const char *
sort_value (DevChannel *channel,
            const char *field)
{
  if (g_str_equal (field, "created_at"))
    return channel->created_at;
  if (g_str_equal (field, "updated_at"))
    return channel->updated_at;
  if (g_str_equal (field, "cid"))
    return channel->cid;
  /* last_message_at, and last_updated: a channel without messages sorts by its creation. */
  return channel->last_message_at != NULL ? channel->last_message_at : channel->created_at;
}

static gint
compare_channels (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  DevChannel *left = *(DevChannel **) a, *right = *(DevChannel **) b;
  JsonArray *sort = user_data;

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonObject *key = json_array_get_object_element (sort, i);
      const char *field = stray_json_string (key, "field") ?: "last_message_at";
      gint64 direction = stray_json_int (key, "direction", -1);
      int order = g_strcmp0 (sort_value (left, field), sort_value (right, field));

      if (order != 0)
        return direction < 0 ? -order : order;
    }
  if (sort == NULL || json_array_get_length (sort) == 0)
    {
      int order = g_strcmp0 (sort_value (left, "last_updated"),
                             sort_value (right, "last_updated"));

      if (order != 0)
        return -order;
    }
  return g_strcmp0 (left->cid, right->cid);
}

static gboolean
validate_sort (JsonArray *sort,
               GError   **error)
{
  static const char * const fields[] = {
    "last_message_at", "last_updated", "created_at", "updated_at", "cid",
  };

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonNode *element = json_array_get_element (sort, i);
      JsonObject *key;
      const char *field;
      JsonNode *direction;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: sort must be a list of {field, direction}");
      key = json_node_get_object (element);
      field = stray_json_string (key, "field");
      direction = json_object_get_member (key, "direction");
      if (field == NULL || !g_strv_contains (fields, field))
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: cannot sort by \"%s\"", field ? field : "");
      if (direction != NULL && (!JSON_NODE_HOLDS_VALUE (direction) ||
                                json_node_get_value_type (direction) != G_TYPE_INT64))
        return fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                     "QueryChannels failed: sort direction must be 1 or -1");
    }
  return TRUE;
}

/**
 * stray_dev_store_query_channels:
 * @user_id: whose view: hidden channels of theirs are left out unless the filter names hidden
 * @filter: filter_conditions
 * @sort: (nullable): sort keys
 *
 * Returns: (transfer full) (element-type utf8) (nullable): the matching cids, in order
 */
GPtrArray *
stray_dev_store_query_channels (StrayDevStore *self,
                                const char    *user_id,
                                JsonObject    *filter,
                                JsonArray     *sort,
                                guint          limit,
                                guint          offset,
                                GError       **error)
{
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  GPtrArray *cids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  if (!validate_sort (sort, error))
    {
      g_ptr_array_unref (cids);
      return NULL;
    }

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevChannel *channel = value;
      DevMember *member = user_id != NULL ? lookup_member (channel, user_id) : NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean mentions_hidden = FALSE;

      if (!filter_matches (self, channel, filter, &mentions_hidden, &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              g_ptr_array_unref (cids);
              return NULL;
            }
          continue;
        }
      if (member != NULL && member->hidden &&
          !(mentions_hidden && stray_json_boolean (filter, "hidden", FALSE)))
        continue;
      g_ptr_array_add (matching, channel);
    }

  g_ptr_array_sort_with_data (matching, compare_channels, sort);
  for (guint i = offset; i < matching->len && cids->len < limit; i++)
    g_ptr_array_add (cids, g_strdup (((DevChannel *) g_ptr_array_index (matching, i))->cid));
  return cids;
}
