/* stray-devserver-invites.c
 *
 * Stream's channel invites: `invites` in a channel's creation or update makes members with a
 * pending invite, whom notification.invited tells; accept_invite and reject_invite in an
 * update answer it (stream-chat-js' Channel.acceptInvite/rejectInvite post them to
 * /channels/{type}/{id}), which notification.invite_accepted/invite_rejected tell the invitee's
 * devices and member.updated the channel's watchers. Shapes: the asyncapi catalogue's
 * Notification*Invite*Event (channel, member, user) and Member (invited, invite_accepted_at,
 * invite_rejected_at). A pending invite counts no unread messages (Stream's Invites docs).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

/**
 * dev_channel_with_members:
 * @user_id: (nullable): whose view of the channel
 *
 * The channel object with its members in it, as Stream sends it in channel.updated and the
 * notifications that bring a channel to someone who has not seen it yet.
 *
 * Returns: (transfer full): the channel
 */
JsonObject *
dev_channel_with_members (StrayDevserver *self,
                          const char     *cid,
                          const char     *user_id)
{
  JsonObject *channel = stray_dev_store_channel_json (self->store, cid, user_id);
  g_autoptr(JsonObject) state = stray_dev_store_channel_state (self->store, cid, NULL, 0, NULL, 0);

  json_object_set_member (channel, "members",
                          json_node_copy (json_object_get_member (state, "members")));
  return channel;
}

static void
emit_invite_event (StrayDevserver *self,
                   const char     *type,
                   const char     *cid,
                   const char     *user_id)
{
  g_autoptr(JsonObject) event = dev_new_event (self, type, cid);

  json_object_set_object_member (event, "channel",
                                 dev_channel_with_members (self, cid, user_id));
  json_object_set_object_member (event, "member",
                                 stray_dev_store_member_json (self->store, cid, user_id));
  dev_set_user (self, event, "user", user_id);
  dev_emit_to_user (self, user_id, event, TRUE);
}

static void
emit_member_event (StrayDevserver *self,
                   const char     *type,
                   const char     *cid,
                   const char     *user_id)
{
  g_autoptr(JsonObject) event = dev_new_event (self, type, cid);

  json_object_set_object_member (event, "member",
                                 stray_dev_store_member_json (self->store, cid, user_id));
  dev_set_user (self, event, "user", user_id);
  dev_set_channel_last_message_at (self, event, cid);
  dev_emit_to_watchers (self, cid, event, FALSE);
}

/**
 * stray_devserver_invite_members:
 * @user_ids: who to invite
 *
 * Invites @user_ids to @cid: those not yet members become members with a pending invite;
 * the channel's watchers see member.added and each invitee notification.invited.
 */
gboolean
stray_devserver_invite_members (StrayDevserver     *self,
                    const char         *cid,
                    const char * const *user_ids,
                    GError            **error)
{
  g_auto(GStrv) invited = stray_dev_store_invite_members (self->store, cid, user_ids, error);

  if (invited == NULL)
    return FALSE;
  for (guint i = 0; invited[i] != NULL; i++)
    {
      emit_member_event (self, "member.added", cid, invited[i]);
      emit_invite_event (self, "notification.invited", cid, invited[i]);
    }
  return TRUE;
}

/**
 * dev_handle_invite_answer:
 * @accept: %TRUE for accept_invite, %FALSE for reject_invite
 *
 * The update call that answers the acting user's invite; an optional `message` is posted
 * by them once they accepted (Stream's "Nick joined this channel!").
 */
gboolean
dev_handle_invite_answer (DevRequest *request,
                          const char *cid,
                          gboolean    accept)
{
  StrayDevserver *self = request->self;
  JsonObject *message = stray_json_object (request->body, "message");
  const char *call = accept ? "AcceptInvite" : "RejectInvite";
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) state = NULL;

  if (!dev_acting_user_of (request, request->body, "", call, TRUE, &user_id))
    return FALSE;
  if (!stray_dev_store_answer_invite (self->store, cid, user_id, accept, &error))
    return dev_respond_store_error (request, error);

  emit_member_event (self, "member.updated", cid, user_id);
  emit_invite_event (self, accept ? "notification.invite_accepted"
                                  : "notification.invite_rejected", cid, user_id);
  if (accept && message != NULL)
    {
      JsonObject *stored = stray_devserver_send_message (self, cid, user_id, message, NULL);

      if (stored != NULL)
        json_object_set_object_member (response, "message", json_object_ref (stored));
    }

  json_object_set_object_member (response, "channel",
                                 stray_dev_store_channel_json (self->store, cid, user_id));
  state = stray_dev_store_channel_state (self->store, cid, user_id, 0, NULL, 0);
  json_object_set_member (response, "members",
                          json_node_copy (json_object_get_member (state, "members")));
  dev_respond_ok (request, response);
  return TRUE;
}
