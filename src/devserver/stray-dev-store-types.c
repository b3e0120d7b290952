/* stray-dev-store-types.c
 *
 * Channel types: Stream's five built-in ones, and those a server-side client creates, updates
 * and deletes (/channeltypes). A channel's `config` is its type's, and what a type turns off
 * changes its channels: without read events nothing in them counts as unread (the store's
 * counts, and so /unread, `me`, events and read[]), and their members lack the capability.
 *
 * The built-in defaults follow Stream's channel-type documentation (getstream.io/chat/docs,
 * "Channel Types": livestream is the open, light type, url_enrichment "disabled by default
 * for the livestream channel type"; the livestream guide lists read events, typing and connect
 * events as its expensive features). Gaming's values are the ones Stream's older docs table
 * gave; messaging, team and commerce have everything on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

/* The switches a type has, all on for messaging. */
static const char * const features[] = {
  "typing_events", "read_events", "connect_events", "search", "reactions", "replies",
  "quotes", "mutes", "uploads", "url_enrichment", "custom_events", "push_notifications",
  "reminders", "mark_messages_pending", "polls",
};

/* Off unless a type turns them on. */
static const char * const off_by_default[] = {
  "reminders", "mark_messages_pending",
};

/* What the livestream and gaming types turn off (see the top). */
static const char * const light_type_off[] = {
  "typing_events", "read_events", "connect_events", "search", "url_enrichment",
};

/* The capability a member has only while the type's feature is on. */
static const struct {
  const char *feature;
  const char *capability;
} feature_capabilities[] = {
  { "read_events", "read-events" },
  { "typing_events", "typing-events" },
  { "typing_events", "send-typing-events" },
  { "connect_events", "connect-events" },
  { "search", "search-messages" },
  { "reactions", "send-reaction" },
  { "replies", "send-reply" },
  { "quotes", "quote-message" },
  { "uploads", "upload-file" },
  { "custom_events", "send-custom-events" },
  { "mutes", "mute-channel" },
};

static gboolean
strv_has (const char * const *strv,
          gsize               length,
          const char         *name)
{
  for (gsize i = 0; i < length; i++)
    if (g_str_equal (strv[i], name))
      return TRUE;
  return FALSE;
}

/* A copy whose members can be set without changing the original (nested values are shared:
 * they are replaced, never changed in place). */
static JsonObject *
copy_config (JsonObject *config)
{
  JsonObject *copy = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (config);

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (copy, l->data,
                            json_node_copy (json_object_get_member (config, l->data)));
  return copy;
}

static JsonObject *
new_type (StrayDevStore *self,
          const char    *name,
          gboolean       light)
{
  JsonObject *config = json_object_new ();
  g_autofree char *now = stray_dev_store_now (self);

  json_object_set_string_member (config, "name", name);
  for (guint i = 0; i < G_N_ELEMENTS (features); i++)
    json_object_set_boolean_member (
      config, features[i],
      !strv_has (off_by_default, G_N_ELEMENTS (off_by_default), features[i]) &&
      !(light && strv_has (light_type_off, G_N_ELEMENTS (light_type_off), features[i])));
  json_object_set_string_member (config, "message_retention", "infinite");
  json_object_set_int_member (config, "max_message_length", 5000);
  json_object_set_string_member (config, "automod", "disabled");
  json_object_set_string_member (config, "automod_behavior", "flag");
  json_object_set_array_member (config, "commands", json_array_new ());
  /* What Stream's recorded configs carry too (the fixture-shapes test checks them): features
   * the devserver does not have, off; no blocklist. Message reminders it has, off until a
   * type turns them on, as Stream has them (stray-dev-store-reminders.c). */
  json_object_set_boolean_member (config, "user_message_reminders", FALSE);
  json_object_set_boolean_member (config, "shared_locations", FALSE);
  json_object_set_boolean_member (config, "count_messages", FALSE);
  json_object_set_boolean_member (config, "skip_last_msg_update_for_system_msgs", FALSE);
  json_object_set_string_member (config, "blocklist", "");
  json_object_set_string_member (config, "blocklist_behavior", "flag");
  json_object_set_object_member (config, "automod_thresholds", json_object_new ());
  json_object_set_string_member (config, "created_at", now);
  json_object_set_string_member (config, "updated_at", now);
  return config;
}

void
dev_channel_types_init (StrayDevStore *self)
{
  static const char * const full[] = { "messaging", "team", "commerce" };
  static const char * const light[] = { "livestream", "gaming" };

  self->channel_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (full); i++)
    g_hash_table_insert (self->channel_types, g_strdup (full[i]),
                         new_type (self, full[i], FALSE));
  for (guint i = 0; i < G_N_ELEMENTS (light); i++)
    g_hash_table_insert (self->channel_types, g_strdup (light[i]),
                         new_type (self, light[i], TRUE));
}

gboolean
dev_channel_type_exists (StrayDevStore *self,
                         const char    *type)
{
  return type != NULL && g_hash_table_contains (self->channel_types, type);
}

/* Whether @type's @feature is on; an unknown type has none. */
gboolean
dev_channel_type_has (StrayDevStore *self,
                      const char    *type,
                      const char    *feature)
{
  JsonObject *config = type != NULL ? g_hash_table_lookup (self->channel_types, type) : NULL;

  return config != NULL && stray_json_boolean (config, feature, FALSE);
}

/* Whether a member of a channel of @type has @capability as far as the type decides. */
gboolean
dev_channel_type_allows (StrayDevStore *self,
                         const char    *type,
                         const char    *capability)
{
  for (guint i = 0; i < G_N_ELEMENTS (feature_capabilities); i++)
    if (g_str_equal (feature_capabilities[i].capability, capability))
      return dev_channel_type_has (self, type, feature_capabilities[i].feature);
  return TRUE;
}

/**
 * dev_channel_type_config:
 *
 * Returns: (transfer full): `config` as a channel of @type carries it
 */
JsonObject *
dev_channel_type_config (StrayDevStore *self,
                         const char    *type)
{
  JsonObject *config = type != NULL ? g_hash_table_lookup (self->channel_types, type) : NULL;

  return config != NULL ? copy_config (config) : new_type (self, type, FALSE);
}

/* Copies the settings @request gives onto @config, checking their types as Stream does. */
static gboolean
apply_settings (JsonObject  *config,
                JsonObject  *request,
                const char  *call,
                GError     **error)
{
  g_autoptr(GList) names = json_object_get_members (request);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (request, name);

      if (strv_has (features, G_N_ELEMENTS (features), name) ||
          g_str_equal (name, "user_message_reminders"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_BOOLEAN)
            return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                   "%s failed with error: \"%s must be a boolean\"", call, name);
          json_object_set_boolean_member (config, name, json_node_get_boolean (value));
        }
      else if (g_str_equal (name, "max_message_length"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_INT64 ||
              json_node_get_int (value) <= 0)
            return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                   "%s failed with error: \"max_message_length must be a "
                                   "positive number\"", call);
          json_object_set_int_member (config, name, json_node_get_int (value));
        }
      else if (g_str_equal (name, "message_retention") || g_str_equal (name, "automod") ||
               g_str_equal (name, "automod_behavior"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_STRING)
            return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                   "%s failed with error: \"%s must be a string\"", call, name);
          json_object_set_string_member (config, name, json_node_get_string (value));
        }
      /* Permissions, grants, commands and the rest: taken as given, not acted on. */
    }
  return TRUE;
}

/**
 * stray_dev_store_create_channel_type:
 * @request: the body of POST /channeltypes; `name` is required
 *
 * Returns: (transfer full) (nullable): the new type
 */
JsonObject *
stray_dev_store_create_channel_type (StrayDevStore *self,
                                     JsonObject    *request,
                                     GError       **error)
{
  const char *name = stray_json_string (request, "name");
  g_autoptr(JsonObject) config = NULL;

  if (!dev_is_valid_id (name))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "CreateChannelType failed with error: \"name is a required field\"");
      return NULL;
    }
  if (dev_channel_type_exists (self, name))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "CreateChannelType failed with error: \"channel type %s already exists\"",
                      name);
      return NULL;
    }
  config = new_type (self, name, FALSE);
  if (!apply_settings (config, request, "CreateChannelType", error))
    return NULL;
  g_hash_table_insert (self->channel_types, g_strdup (name), json_object_ref (config));
  return copy_config (config);
}

/**
 * stray_dev_store_get_channel_type:
 *
 * Returns: (transfer full) (nullable): the type
 */
JsonObject *
stray_dev_store_get_channel_type (StrayDevStore *self,
                                  const char    *name,
                                  GError       **error)
{
  JsonObject *config = name != NULL ? g_hash_table_lookup (self->channel_types, name) : NULL;

  if (config == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "GetChannelType failed with error: \"channel type %s does not exist\"",
                      name != NULL ? name : "");
      return NULL;
    }
  return copy_config (config);
}

/**
 * stray_dev_store_update_channel_type:
 *
 * Returns: (transfer full) (nullable): the type afterwards
 */
JsonObject *
stray_dev_store_update_channel_type (StrayDevStore *self,
                                     const char    *name,
                                     JsonObject    *request,
                                     GError       **error)
{
  JsonObject *config = name != NULL ? g_hash_table_lookup (self->channel_types, name) : NULL;
  g_autoptr(JsonObject) updated = NULL;
  g_autofree char *now = NULL;

  if (config == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "UpdateChannelType failed with error: \"channel type %s does not exist\"",
                      name != NULL ? name : "");
      return NULL;
    }
  /* All or nothing: a bad setting leaves the type as it was. */
  updated = copy_config (config);
  if (!apply_settings (updated, request, "UpdateChannelType", error))
    return NULL;
  now = stray_dev_store_now (self);
  json_object_set_string_member (updated, "updated_at", now);
  g_hash_table_insert (self->channel_types, g_strdup (name), json_object_ref (updated));
  return copy_config (updated);
}

/**
 * stray_dev_store_list_channel_types:
 *
 * Returns: (transfer full): every type, by name
 */
JsonObject *
stray_dev_store_list_channel_types (StrayDevStore *self)
{
  JsonObject *types = json_object_new ();
  GHashTableIter iter;
  gpointer name, config;

  g_hash_table_iter_init (&iter, self->channel_types);
  while (g_hash_table_iter_next (&iter, &name, &config))
    json_object_set_object_member (types, name, copy_config (config));
  return types;
}

gboolean
stray_dev_store_delete_channel_type (StrayDevStore *self,
                                     const char    *name,
                                     GError       **error)
{
  GHashTableIter iter;
  gpointer channel;

  if (!dev_channel_type_exists (self, name))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                           "DeleteChannelType failed with error: \"channel type %s does not "
                           "exist\"", name != NULL ? name : "");
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &channel))
    if (g_str_equal (((DevChannel *) channel)->type, name))
      return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                             "DeleteChannelType failed with error: \"channel type %s has "
                             "channels, delete them first\"", name);
  g_hash_table_remove (self->channel_types, name);
  return TRUE;
}
