/* stray-message.c: one message of a channel, as the window shows it
 *
 * Messages are fetched when a channel is opened in the window and dropped when it closes;
 * the model keeps only each channel's last message (StrayMessagePreview).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include "stray-message.h"

struct _StrayMessage
{
  GObject parent_instance;

  char *id;
  char *user_id;
  char *author;
  char *text;
  gint64 created_at; /* µs since the epoch; 0 when unknown */
  gboolean deleted;
};

G_DEFINE_FINAL_TYPE (StrayMessage, stray_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_AUTHOR,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
stray_message_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  StrayMessage *self = STRAY_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_AUTHOR:
      g_value_set_string (value, self->author);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_message_finalize (GObject *object)
{
  StrayMessage *self = STRAY_MESSAGE (object);

  g_free (self->id);
  g_free (self->user_id);
  g_free (self->author);
  g_free (self->text);

  G_OBJECT_CLASS (stray_message_parent_class)->finalize (object);
}

static void
stray_message_class_init (StrayMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = stray_message_get_property;
  object_class->finalize = stray_message_finalize;

  properties[PROP_AUTHOR] =
    g_param_spec_string ("author", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_message_init (G_GNUC_UNUSED StrayMessage *self)
{
}

/* A message of a channel query (stray-rest.h), or one that arrived while its channel is on
 * screen, from the channel's preview. */
StrayMessage *
stray_message_new (const char *id,
                   const char *user_id,
                   const char *author,
                   const char *text,
                   gint64      created_at,
                   gboolean    deleted)
{
  StrayMessage *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (STRAY_TYPE_MESSAGE, NULL);
  self->id = g_strdup (id);
  self->user_id = g_strdup (user_id);
  self->author = g_strdup (author != NULL ? author : user_id);
  self->text = g_strdup (text != NULL ? text : "");
  self->created_at = created_at;
  self->deleted = deleted;
  return self;
}

const char *
stray_message_get_id (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), NULL);
  return self->id;
}

const char *
stray_message_get_author (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), NULL);
  return self->author;
}

const char *
stray_message_get_user_id (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), NULL);
  return self->user_id;
}

const char *
stray_message_get_text (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), NULL);
  return self->text;
}

gint64
stray_message_get_created_at (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), 0);
  return self->created_at;
}

gboolean
stray_message_get_deleted (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), FALSE);
  return self->deleted;
}
