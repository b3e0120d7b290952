/* stray-channel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include <string.h>

#include "stray-channel.h"
#include "stray-channel-private.h"

struct _StrayChannel
{
  GObject parent_instance;

  char *cid;
  char *channel_type;
  char *id;
  char *name;
  char *image;
  char *members_title;  /* the other members' names, for channels without a name */
  guint member_count;
  guint unread_count;
  StrayMessagePreview *last_message;
  gint64 last_message_at;
  gboolean muted;
  gboolean hidden;
  gboolean frozen;
  gboolean read_events;
  gboolean attention;
  gint64 synced_at;     /* not a property: the session's bookkeeping */
  gint64 read_at;       /* not a property: the session's bookkeeping */
  /* The list the channel is in: told directly, since a signal handler per channel cost a
   * list of 1,000 channels a quarter of a megabyte. */
  StrayChannelObserver observer;
  gpointer observer_data;
};

G_DEFINE_FINAL_TYPE (StrayChannel, stray_channel, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CID,
  PROP_CHANNEL_TYPE,
  PROP_ID,
  PROP_NAME,
  PROP_IMAGE,
  PROP_MEMBER_COUNT,
  PROP_UNREAD_COUNT,
  PROP_LAST_MESSAGE,
  PROP_LAST_MESSAGE_AT,
  PROP_MUTED,
  PROP_HIDDEN,
  PROP_FROZEN,
  PROP_READ_EVENTS,
  PROP_ATTENTION,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
notify (StrayChannel *self,
        guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  if (self->observer != NULL)
    self->observer (self, properties[prop_id], self->observer_data);
}

static void
set_string (StrayChannel *self,
            char        **field,
            const char   *value,
            guint         prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  notify (self, prop_id);
}

static void
set_uint (StrayChannel *self,
          guint        *field,
          guint         value,
          guint         prop_id)
{
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
set_boolean (StrayChannel *self,
             gboolean     *field,
             gboolean      value,
             guint         prop_id)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
stray_channel_set_cid (StrayChannel *self,
                       const char   *cid)
{
  const char *colon;

  g_assert (self->cid == NULL);

  self->cid = g_strdup (cid);
  colon = strchr (cid, ':');
  self->channel_type = g_strndup (cid, colon - cid);
  self->id = g_strdup (colon + 1);
}

static void
stray_channel_finalize (GObject *object)
{
  StrayChannel *self = STRAY_CHANNEL (object);

  g_free (self->cid);
  g_free (self->channel_type);
  g_free (self->id);
  g_free (self->name);
  g_free (self->image);
  g_free (self->members_title);
  g_clear_pointer (&self->last_message, stray_message_preview_unref);

  G_OBJECT_CLASS (stray_channel_parent_class)->finalize (object);
}

static void
stray_channel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  StrayChannel *self = STRAY_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_CID:
      g_value_set_string (value, self->cid);
      break;
    case PROP_CHANNEL_TYPE:
      g_value_set_string (value, self->channel_type);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_IMAGE:
      g_value_set_string (value, self->image);
      break;
    case PROP_TITLE:
      g_value_set_string (value, stray_channel_get_title (self));
      break;
    case PROP_MEMBER_COUNT:
      g_value_set_uint (value, self->member_count);
      break;
    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;
    case PROP_LAST_MESSAGE:
      g_value_set_boxed (value, self->last_message);
      break;
    case PROP_LAST_MESSAGE_AT:
      g_value_set_int64 (value, self->last_message_at);
      break;
    case PROP_MUTED:
      g_value_set_boolean (value, self->muted);
      break;
    case PROP_HIDDEN:
      g_value_set_boolean (value, self->hidden);
      break;
    case PROP_FROZEN:
      g_value_set_boolean (value, self->frozen);
      break;
    case PROP_READ_EVENTS:
      g_value_set_boolean (value, self->read_events);
      break;
    case PROP_ATTENTION:
      g_value_set_boolean (value, self->attention);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_channel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  StrayChannel *self = STRAY_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_CID:
      stray_channel_set_cid (self, g_value_get_string (value));
      break;
    case PROP_NAME:
      stray_channel_set_name (self, g_value_get_string (value));
      break;
    case PROP_IMAGE:
      stray_channel_set_image (self, g_value_get_string (value));
      break;
    case PROP_MEMBER_COUNT:
      stray_channel_set_member_count (self, g_value_get_uint (value));
      break;
    case PROP_UNREAD_COUNT:
      stray_channel_set_unread_count (self, g_value_get_uint (value));
      break;
    case PROP_LAST_MESSAGE:
      stray_channel_set_last_message (self, g_value_get_boxed (value));
      break;
    case PROP_LAST_MESSAGE_AT:
      stray_channel_set_last_message_at (self, g_value_get_int64 (value));
      break;
    case PROP_MUTED:
      stray_channel_set_muted (self, g_value_get_boolean (value));
      break;
    case PROP_HIDDEN:
      stray_channel_set_hidden (self, g_value_get_boolean (value));
      break;
    case PROP_FROZEN:
      stray_channel_set_frozen (self, g_value_get_boolean (value));
      break;
    case PROP_READ_EVENTS:
      stray_channel_set_read_events (self, g_value_get_boolean (value));
      break;
    case PROP_ATTENTION:
      stray_channel_set_attention (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_channel_class_init (StrayChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = stray_channel_finalize;
  object_class->get_property = stray_channel_get_property;
  object_class->set_property = stray_channel_set_property;

  properties[PROP_CID] =
    g_param_spec_string ("cid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHANNEL_TYPE] =
    g_param_spec_string ("channel-type", NULL, NULL, NULL, read_only);
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, read_only);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_IMAGE] =
    g_param_spec_string ("image", NULL, NULL, NULL, flags);
  /* What to call the channel: its name, else its other members' names, else its id. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, read_only);
  properties[PROP_MEMBER_COUNT] =
    g_param_spec_uint ("member-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_LAST_MESSAGE] =
    g_param_spec_boxed ("last-message", NULL, NULL, STRAY_TYPE_MESSAGE_PREVIEW, flags);
  /* Microseconds since the epoch; 0 for a channel without messages. */
  properties[PROP_LAST_MESSAGE_AT] =
    g_param_spec_int64 ("last-message-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_MUTED] =
    g_param_spec_boolean ("muted", NULL, NULL, FALSE, flags);
  properties[PROP_HIDDEN] =
    g_param_spec_boolean ("hidden", NULL, NULL, FALSE, flags);
  properties[PROP_FROZEN] =
    g_param_spec_boolean ("frozen", NULL, NULL, FALSE, flags);
  /* Whether the server keeps read state here (own_capabilities has "read-events"). */
  properties[PROP_READ_EVENTS] =
    g_param_spec_boolean ("read-events", NULL, NULL, TRUE, flags);

  /* Unread messages that mention the user or come in a direct conversation. */
  properties[PROP_ATTENTION] =
    g_param_spec_boolean ("attention", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * StrayChannel::message-changed:
   * @preview: the message as it is now
   *
   * Any message of the channel was edited, deleted or undeleted, not only its last one (which
   * also changes #StrayChannel:last-message): a conversation on screen shows older ones too.
   */
  signals[SIGNAL_MESSAGE_CHANGED] =
    g_signal_new ("message-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1,
                  STRAY_TYPE_MESSAGE_PREVIEW | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
stray_channel_init (StrayChannel *self)
{
  self->read_events = TRUE;
}

/**
 * stray_channel_new:
 * @cid: the channel's "type:id"
 *
 * Returns: (transfer full): a new channel
 */
StrayChannel *
stray_channel_new (const char *cid)
{
  const char *colon;

  g_return_val_if_fail (cid != NULL, NULL);
  colon = strchr (cid, ':');
  g_return_val_if_fail (colon != NULL && colon != cid && colon[1] != '\0', NULL);

  return g_object_new (STRAY_TYPE_CHANNEL, "cid", cid, NULL);
}

const char *
stray_channel_get_cid (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->cid;
}

const char *
stray_channel_get_channel_type (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->channel_type;
}

const char *
stray_channel_get_id (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->id;
}

const char *
stray_channel_get_name (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->name;
}

void
stray_channel_set_name (StrayChannel *self,
                        const char   *name)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;
  set_string (self, &self->name, name, PROP_NAME);
  notify (self, PROP_TITLE);
}

/* An empty name is nothing to show: the title falls back as for no name. */
static gboolean
has_name (StrayChannel *self)
{
  return self->name != NULL && *self->name != '\0';
}

/**
 * stray_channel_set_members_title:
 * @members_title: (nullable): the other members' names, as the server's member list gives them
 */
void
stray_channel_set_members_title (StrayChannel *self,
                                 const char   *members_title)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  if (g_strcmp0 (self->members_title, members_title) == 0)
    return;
  g_free (self->members_title);
  self->members_title = g_strdup (members_title);
  if (!has_name (self))
    notify (self, PROP_TITLE);
}

/**
 * stray_channel_get_title:
 *
 * Returns: what to call the channel for the user: its name; for a channel without one (most
 *   direct messages) the other members' names; else its id. Never %NULL.
 */
const char *
stray_channel_get_title (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  if (has_name (self))
    return self->name;
  if (self->members_title != NULL)
    return self->members_title;
  return self->id;
}

const char *
stray_channel_get_image (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->image;
}

void
stray_channel_set_image (StrayChannel *self,
                         const char   *image)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_string (self, &self->image, image, PROP_IMAGE);
}

guint
stray_channel_get_member_count (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), 0);

  return self->member_count;
}

void
stray_channel_set_member_count (StrayChannel *self,
                                guint         member_count)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_uint (self, &self->member_count, member_count, PROP_MEMBER_COUNT);
}

guint
stray_channel_get_unread_count (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), 0);

  return self->unread_count;
}

void
stray_channel_set_unread_count (StrayChannel *self,
                                guint         unread_count)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_uint (self, &self->unread_count, unread_count, PROP_UNREAD_COUNT);
  /* What is read needs no attention. */
  if (unread_count == 0)
    stray_channel_set_attention (self, FALSE);
}

/**
 * stray_channel_get_last_message:
 *
 * Returns: (transfer none) (nullable): the newest message shown in the channel
 */
StrayMessagePreview *
stray_channel_get_last_message (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), NULL);

  return self->last_message;
}

void
stray_channel_set_last_message (StrayChannel        *self,
                                StrayMessagePreview *last_message)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  if (self->last_message == last_message)
    return;
  g_clear_pointer (&self->last_message, stray_message_preview_unref);
  if (last_message != NULL)
    self->last_message = stray_message_preview_ref (last_message);
  notify (self, PROP_LAST_MESSAGE);
}

gint64
stray_channel_get_last_message_at (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), 0);

  return self->last_message_at;
}

void
stray_channel_set_last_message_at (StrayChannel *self,
                                   gint64        last_message_at)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));
  g_return_if_fail (last_message_at >= 0);

  if (self->last_message_at == last_message_at)
    return;
  self->last_message_at = last_message_at;
  notify (self, PROP_LAST_MESSAGE_AT);
}

gboolean
stray_channel_get_muted (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), FALSE);

  return self->muted;
}

void
stray_channel_set_muted (StrayChannel *self,
                         gboolean      muted)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_boolean (self, &self->muted, muted, PROP_MUTED);
}

gboolean
stray_channel_get_hidden (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), FALSE);

  return self->hidden;
}

void
stray_channel_set_hidden (StrayChannel *self,
                          gboolean      hidden)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_boolean (self, &self->hidden, hidden, PROP_HIDDEN);
}

gboolean
stray_channel_get_frozen (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), FALSE);

  return self->frozen;
}

void
stray_channel_set_frozen (StrayChannel *self,
                          gboolean      frozen)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_boolean (self, &self->frozen, frozen, PROP_FROZEN);
}

gboolean
stray_channel_get_read_events (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), TRUE);

  return self->read_events;
}

void
stray_channel_set_read_events (StrayChannel *self,
                               gboolean      read_events)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_boolean (self, &self->read_events, read_events, PROP_READ_EVENTS);
}

gboolean
stray_channel_get_attention (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), FALSE);

  return self->attention;
}

void
stray_channel_set_attention (StrayChannel *self,
                             gboolean      attention)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  set_boolean (self, &self->attention, attention && self->unread_count > 0, PROP_ATTENTION);
}

/* A conversation between two people, as Stream's distinct messaging channels are. */
gboolean
stray_channel_is_direct (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), FALSE);

  return self->member_count == 2;
}

/**
 * stray_channel_set_observer:
 * @self: a channel
 * @observer: (nullable): called after each property change is notified, or %NULL to stop
 * @user_data: for @observer
 *
 * For the channel list the channel is in, and only for it: a channel has one observer.
 */
void
stray_channel_set_observer (StrayChannel         *self,
                            StrayChannelObserver  observer,
                            gpointer              user_data)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));
  g_return_if_fail (observer == NULL || self->observer == NULL);

  self->observer = observer;
  self->observer_data = user_data;
}

gint64
stray_channel_get_synced_at (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), 0);

  return self->synced_at;
}

void
stray_channel_set_synced_at (StrayChannel *self,
                             gint64        synced_at)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  self->synced_at = synced_at;
}

gint64
stray_channel_get_read_at (StrayChannel *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL (self), 0);

  return self->read_at;
}

void
stray_channel_set_read_at (StrayChannel *self,
                           gint64        read_at)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));

  self->read_at = read_at;
}

void
stray_channel_emit_message_changed (StrayChannel        *self,
                                    StrayMessagePreview *preview)
{
  g_return_if_fail (STRAY_IS_CHANNEL (self));
  g_return_if_fail (preview != NULL);

  g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, preview);
}
