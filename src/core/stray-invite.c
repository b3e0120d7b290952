/* stray-invite.c: a pending invite of the user to a channel
 *
 * Immutable once made: the session replaces an invite that changes, so a list's items-changed
 * is the only signal a view follows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-invite.h"

struct _StrayInvite
{
  GObject parent_instance;

  char *cid;
  char *channel_name; /* NULL when the channel has none */
  char *inviter_name; /* NULL when the server did not say */
};

G_DEFINE_FINAL_TYPE (StrayInvite, stray_invite, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CID,
  PROP_CHANNEL_NAME,
  PROP_INVITER_NAME,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
stray_invite_finalize (GObject *object)
{
  StrayInvite *self = STRAY_INVITE (object);

  g_free (self->cid);
  g_free (self->channel_name);
  g_free (self->inviter_name);

  G_OBJECT_CLASS (stray_invite_parent_class)->finalize (object);
}

static void
stray_invite_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  StrayInvite *self = STRAY_INVITE (object);

  switch (prop_id)
    {
    case PROP_CID:
      g_value_set_string (value, self->cid);
      break;
    case PROP_CHANNEL_NAME:
      g_value_set_string (value, self->channel_name);
      break;
    case PROP_INVITER_NAME:
      g_value_set_string (value, self->inviter_name);
      break;
    case PROP_TITLE:
      g_value_take_string (value, stray_invite_dup_title (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_invite_class_init (StrayInviteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = stray_invite_finalize;
  object_class->get_property = stray_invite_get_property;

  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, read_only);
  properties[PROP_CHANNEL_NAME] = g_param_spec_string ("channel-name", NULL, NULL, NULL,
                                                       read_only);
  properties[PROP_INVITER_NAME] = g_param_spec_string ("inviter-name", NULL, NULL, NULL,
                                                       read_only);
  /* The channel's name, or its id when it has none: what a list shows. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, read_only);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_invite_init (G_GNUC_UNUSED StrayInvite *self)
{
}

/**
 * stray_invite_new:
 * @cid: the channel's cid
 * @channel_name: (nullable): its name
 * @inviter_name: (nullable): who invited the user
 */
StrayInvite *
stray_invite_new (const char *cid,
                  const char *channel_name,
                  const char *inviter_name)
{
  StrayInvite *self;

  g_return_val_if_fail (cid != NULL, NULL);

  self = g_object_new (STRAY_TYPE_INVITE, NULL);
  self->cid = g_strdup (cid);
  self->channel_name = channel_name != NULL && *channel_name != '\0' ? g_strdup (channel_name)
                                                                      : NULL;
  self->inviter_name = inviter_name != NULL && *inviter_name != '\0' ? g_strdup (inviter_name)
                                                                      : NULL;
  return self;
}

const char *
stray_invite_get_cid (StrayInvite *self)
{
  g_return_val_if_fail (STRAY_IS_INVITE (self), NULL);
  return self->cid;
}

const char *
stray_invite_get_channel_name (StrayInvite *self)
{
  g_return_val_if_fail (STRAY_IS_INVITE (self), NULL);
  return self->channel_name;
}

const char *
stray_invite_get_inviter_name (StrayInvite *self)
{
  g_return_val_if_fail (STRAY_IS_INVITE (self), NULL);
  return self->inviter_name;
}

/**
 * stray_invite_dup_title:
 *
 * Returns: (transfer full): the channel's name, or its id (the cid after the colon)
 */
char *
stray_invite_dup_title (StrayInvite *self)
{
  const char *colon;

  g_return_val_if_fail (STRAY_IS_INVITE (self), NULL);
  if (self->channel_name != NULL)
    return g_strdup (self->channel_name);
  colon = strchr (self->cid, ':');
  return g_strdup (colon != NULL ? colon + 1 : self->cid);
}
