/* stray-devserver-messages.c
 *
 * The REST calls on what is said in a channel: sending, updating and deleting messages,
 * adding and removing reactions, and events sent to a channel (typing and custom ones).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-devserver-private.h"
#include "stray-event.h"
#include "stray-json.h"

gboolean
dev_handle_send_message (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  JsonObject *message = stray_json_object (request->body, "message");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *user_id;
  JsonObject *stored;

  if (message == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "SendMessage failed: message must be an object");
  if (json_object_has_member (message, "text") && stray_json_string (message, "text") == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "SendMessage failed: message.text must be a string");
  if (!dev_acting_user_of (request, message, "message.", "SendMessage", TRUE, &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;

  stored = stray_devserver_send_message (self, cid, user_id, message, &error);
  if (stored == NULL)
    return dev_respond_store_error (request, error);
  json_object_set_object_member (response, "message", json_object_ref (stored));
  dev_respond_ok (request, response);
  return TRUE;
}

/* The author of a message may change it; the server-side client may change any. */
static JsonObject *
own_message (DevRequest  *request,
             const char  *message_id,
             const char **out_cid)
{
  JsonObject *message = stray_dev_store_lookup_message (request->self->store, message_id,
                                                        out_cid);
  JsonObject *author;

  if (message == NULL)
    {
      dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                         "Message with id '%s' doesn't exist", message_id);
      return NULL;
    }
  author = stray_json_object (message, "user");
  if (request->user_id != NULL &&
      g_strcmp0 (stray_json_string (author, "id"), request->user_id) != 0)
    {
      dev_respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                         "User '%s' may not change message '%s'", request->user_id, message_id);
      return NULL;
    }
  return message;
}

static void
emit_message_event (StrayDevserver *self,
                    const char     *type,
                    const char     *cid,
                    JsonObject     *message,
                    const char     *user_id)
{
  g_autoptr(JsonObject) event = dev_new_event (self, type, cid);

  json_object_set_string_member (event, "message_id", stray_json_string (message, "id"));
  json_object_set_object_member (event, "message", json_object_ref (message));
  if (user_id != NULL)
    dev_set_user (self, event, "user", user_id);
  dev_emit_to_watchers (self, cid, event, FALSE);
}

gboolean
dev_handle_update_message (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *message_id = request->segments[1];
  JsonObject *changes = stray_json_object (request->body, "message");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *cid = NULL;
  const char *user_id;
  JsonObject *message;

  if (changes == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "UpdateMessage failed: message must be an object");
  if (own_message (request, message_id, &cid) == NULL ||
      !dev_acting_user_of (request, changes, "message.", "UpdateMessage", TRUE, &user_id))
    return FALSE;
  message = stray_dev_store_update_message (self->store, message_id, changes, &error);
  if (message == NULL)
    return dev_respond_store_error (request, error);

  emit_message_event (self, "message.updated", cid, message,
                      stray_json_string (stray_json_object (message, "user"), "id"));
  json_object_set_object_member (response, "message", json_object_ref (message));
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_delete_message (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *message_id = request->segments[1];
  gboolean hard = g_strcmp0 (dev_query_param (request, "hard"), "true") == 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *cid = NULL;
  const char *found_cid = NULL;

  if (own_message (request, message_id, &found_cid) == NULL)
    return FALSE;
  cid = g_strdup (found_cid);
  message = stray_dev_store_delete_message (self->store, message_id, hard, &error);
  if (message == NULL)
    return dev_respond_store_error (request, error);

  event = dev_new_event (self, "message.deleted", cid);
  json_object_set_string_member (event, "message_id", message_id);
  json_object_set_object_member (event, "message", json_object_ref (message));
  json_object_set_boolean_member (event, "hard_delete", hard);
  dev_set_user (self, event, "user", stray_json_string (stray_json_object (message, "user"), "id"));
  dev_emit_to_watchers (self, cid, event, FALSE);

  json_object_set_object_member (response, "message", g_steal_pointer (&message));
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_reaction (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gboolean adding = g_str_equal (request->method, "POST");
  const char *message_id = request->segments[1];
  JsonObject *body_reaction = stray_json_object (request->body, "reaction");
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reaction = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) event = NULL;
  const char *cid = NULL;
  JsonObject *message;

  if (stray_dev_store_lookup_message (self->store, message_id, &cid) == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                              "Message with id '%s' doesn't exist", message_id);
  if (adding && body_reaction == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "SendReaction failed: reaction must be an object");
  if (!dev_acting_user_of (request, adding ? body_reaction : NULL, adding ? "reaction." : "",
                           adding ? "SendReaction" : "DeleteReaction", TRUE, &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;

  if (adding)
    message = stray_dev_store_add_reaction (self->store, message_id, user_id,
                                            stray_json_string (body_reaction, "type"),
                                            stray_json_int (body_reaction, "score", 1),
                                            &reaction, &error);
  else
    message = stray_dev_store_delete_reaction (self->store, message_id, user_id,
                                               request->segments[3], &reaction, &error);
  if (message == NULL)
    return dev_respond_store_error (request, error);

  event = dev_new_event (self, adding ? "reaction.new" : "reaction.deleted", cid);
  json_object_set_object_member (event, "message", json_object_ref (message));
  json_object_set_object_member (event, "reaction", json_object_ref (reaction));
  dev_set_user (self, event, "user", user_id);
  dev_set_channel_last_message_at (self, event, cid);
  dev_emit_to_watchers (self, cid, event, FALSE);

  json_object_set_object_member (response, "message", json_object_ref (message));
  json_object_set_object_member (response, "reaction", g_steal_pointer (&reaction));
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_send_event (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  JsonObject *body_event = stray_json_object (request->body, "event");
  const char *type = stray_json_string (body_event, "type");
  const char *user_id = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GList) names = NULL;
  StrayEventType known;

  if (type == NULL || *type == '\0')
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "SendEvent failed: event.type is required");
  known = stray_event_type_from_string (type);
  if (known != STRAY_EVENT_CUSTOM && known != STRAY_EVENT_TYPING_START &&
      known != STRAY_EVENT_TYPING_STOP)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "SendEvent failed: event type \"%s\" is reserved", type);
  if (!dev_acting_user_of (request, body_event, "event.", "SendEvent", TRUE, &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;

  event = dev_new_event (self, type, cid);
  names = json_object_get_members (body_event);
  for (GList *l = names; l != NULL; l = l->next)
    if (!json_object_has_member (event, l->data) && !g_str_equal (l->data, "user") &&
        !g_str_equal (l->data, "user_id"))
      json_object_set_member (event, l->data,
                              json_node_copy (json_object_get_member (body_event, l->data)));
  dev_set_user (self, event, "user", user_id);
  dev_emit_to_watchers (self, cid, event, FALSE);
  json_object_set_object_member (response, "event", g_steal_pointer (&event));
  dev_respond_ok (request, response);
  return TRUE;
}
