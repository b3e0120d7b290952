/* stray-devserver-users.c
 *
 * The REST calls on users: the server-side client's upsert of users, muting and unmuting
 * channels (moderation/mute/channel) and users (moderation/mute), with the events each
 * causes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

gboolean
dev_handle_upsert_users (DevRequest *request)
{
  StrayDevserver *self = request->self;
  JsonObject *users = stray_json_object (request->body, "users");
  g_autoptr(JsonObject) response = json_object_new ();
  JsonObject *stored_users = json_object_new ();
  g_autoptr(GList) ids = NULL;

  json_object_set_object_member (response, "users", stored_users);
  if (!dev_require_server (request))
    return FALSE;
  if (users == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "UpdateUsers failed: users must be an object keyed by user id");

  ids = json_object_get_members (users);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      JsonObject *user = stray_json_object (users, l->data);
      g_autoptr(GError) error = NULL;
      JsonObject *stored;

      if (user == NULL || g_strcmp0 (stray_json_string (user, "id"), l->data) != 0)
        return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                  "UpdateUsers failed: users.%s must be a user whose id is %s",
                                  (char *) l->data, (char *) l->data);
      stored = stray_dev_store_upsert_user (self->store, user, &error);
      if (stored == NULL)
        return dev_respond_store_error (request, error);
      json_object_set_object_member (stored_users, l->data, json_object_ref (stored));
    }

  for (GList *l = ids; l != NULL; l = l->next)
    {
      g_autoptr(JsonObject) event = dev_new_event (self, "user.updated", NULL);

      /* Everyone connected hears of it: this small server keeps no presence lists. */
      dev_set_user (self, event, "user", l->data);
      dev_emit_to_everyone (self, event);
    }
  dev_respond_ok (request, response);
  return TRUE;
}

static void
emit_mutes_updated (StrayDevserver *self,
                    const char     *user_id,
                    const char     *cid,
                    gboolean        muted)
{
  g_autoptr(JsonObject) updated = dev_new_event (self, "notification.channel_mutes_updated", NULL);
  g_autoptr(JsonObject) event = dev_new_event (self, muted ? "channel.muted" : "channel.unmuted",
                                               cid);

  json_object_set_object_member (updated, "me", stray_dev_store_own_user (self->store, user_id));
  dev_emit_to_user (self, user_id, updated, FALSE);
  dev_set_user (self, event, "user", user_id);
  dev_emit_to_user (self, user_id, event, FALSE);
}

gboolean
dev_handle_mute_channel (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gboolean muted = g_str_equal (request->segments[1], "mute");
  const char *user_id = dev_acting_user (request, stray_json_string (request->body, "user_id"));
  const char *single = stray_json_string (request->body, "channel_cid");
  g_auto(GStrv) cids = single != NULL ? g_strdupv ((char *[]) { (char *) single, NULL })
                                      : stray_json_strv (stray_json_array (request->body,
                                                                            "channel_cids"));
  gint64 expiration = stray_json_int (request->body, "expiration", 0);
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (cids == NULL || cids[0] == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "channel_cid or channel_cids is required");
  if (expiration < 0)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "expiration must be a positive number of milliseconds");
  for (guint i = 0; cids[i] != NULL; i++)
    if (!dev_require_member (request, cids[i], user_id))
      return FALSE;

  for (guint i = 0; cids[i] != NULL; i++)
    {
      if (!stray_dev_store_set_channel_muted (self->store, user_id, cids[i], muted, expiration,
                                              &error))
        return dev_respond_store_error (request, error);
      emit_mutes_updated (self, user_id, cids[i], muted);
    }

  if (muted)
    {
      JsonArray *mutes = stray_dev_store_channel_mutes (self->store, user_id);

      for (guint i = 0; i < json_array_get_length (mutes); i++)
        {
          JsonObject *mute = json_array_get_object_element (mutes, i);

          if (g_strcmp0 (stray_json_string (stray_json_object (mute, "channel"), "cid"),
                         cids[0]) == 0)
            json_object_set_object_member (response, "channel_mute", json_object_ref (mute));
        }
      json_object_set_array_member (response, "channel_mutes", mutes);
      json_object_set_object_member (response, "own_user",
                                     stray_dev_store_own_user (self->store, user_id));
    }
  dev_respond_ok (request, response);
  return TRUE;
}

/* The targets of a user mute: `target_id`, or several in `target_ids`. */
static GStrv
mute_targets (JsonObject *body)
{
  const char *single = stray_json_string (body, "target_id");

  if (single != NULL)
    return g_strdupv ((char *[]) { (char *) single, NULL });
  return stray_json_strv (stray_json_array (body, "target_ids"));
}

/* POST /moderation/mute and /moderation/unmute: the muter hears notification.mutes_updated
 * with the new `me.mutes` (what the SDK's client.mutedUsers follows). */
gboolean
dev_handle_mute_users (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gboolean muting = g_str_equal (request->segments[1], "mute");
  const char *user_id = dev_acting_user (request, stray_json_string (request->body, "user_id"));
  g_auto(GStrv) targets = mute_targets (request->body);
  gint64 timeout = stray_json_int (request->body, "timeout", 0);
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) event = NULL;
  JsonArray *mutes = json_array_new ();
  JsonArray *missing = json_array_new ();

  json_object_set_array_member (response, "mutes", mutes);
  json_object_set_array_member (response, "non_existing_users", missing);
  if (user_id == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "%s failed with error: \"user_id is a required field\"",
                              muting ? "MuteUser" : "UnmuteUser");
  if (targets == NULL || targets[0] == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "%s failed with error: \"either target_id or target_ids is "
                              "required\"", muting ? "MuteUser" : "UnmuteUser");

  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonObject *mute;

      if (!muting)
        {
          if (!stray_dev_store_unmute_user (self->store, user_id, targets[i]))
            json_array_add_string_element (missing, targets[i]);
          continue;
        }
      mute = stray_dev_store_mute_user (self->store, user_id, targets[i], timeout, &error);
      if (error != NULL)
        return dev_respond_store_error (request, error);
      if (mute == NULL)
        json_array_add_string_element (missing, targets[i]);
      else
        json_array_add_object_element (mutes, mute);
    }

  event = dev_new_event (self, "notification.mutes_updated", NULL);
  json_object_set_object_member (event, "me", stray_dev_store_own_user (self->store, user_id));
  dev_emit_to_user (self, user_id, event, FALSE);

  if (muting)
    {
      /* One target: `mute`, as the SDK's MuteUserResponse has it; several: `mutes`. */
      if (targets[1] == NULL && json_array_get_length (mutes) == 1)
        json_object_set_object_member (response, "mute",
                                       json_object_ref (json_array_get_object_element (mutes,
                                                                                       0)));
      json_object_set_object_member (response, "own_user",
                                     stray_dev_store_own_user (self->store, user_id));
    }
  else
    json_object_remove_member (response, "mutes");
  dev_respond_ok (request, response);
  return TRUE;
}
