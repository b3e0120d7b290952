/* stray-message.c: one message of a channel, as the window shows it
 *
 * Messages are fetched when a channel is opened in the window and dropped when it closes;
 * the model keeps only each channel's last message (StrayMessagePreview).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include <glib/gi18n.h>

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
  gboolean edited;          /* its text changed after it was sent */
  GPtrArray *attachments;   /* of char *: type, title (or NULL), type, title, …; NULL: none */
  guint reply_count;        /* replies in its thread */
  char *author_image;       /* the author's picture's address, as the server gave it */
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
  g_free (self->author_image);
  g_free (self->text);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);

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

/* Stream marks a message whose text was edited with message_text_updated_at; its updated_at
 * also moves for reactions and replies, so it says nothing about edits. */
void
stray_message_set_edited (StrayMessage *self,
                          gboolean      edited)
{
  g_return_if_fail (STRAY_IS_MESSAGE (self));
  self->edited = edited;
}

gboolean
stray_message_get_edited (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), FALSE);
  return self->edited;
}

/* The author's picture, as the server named it: untrusted, for StrayAvatarCache to fetch. */
void
stray_message_set_author_image (StrayMessage *self,
                                const char   *url)
{
  g_return_if_fail (STRAY_IS_MESSAGE (self));

  g_free (self->author_image);
  self->author_image = g_strdup (url != NULL && *url != '\0' ? url : NULL);
}

/* Returns: (nullable): the address of the author's picture */
const char *
stray_message_get_author_image (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), NULL);
  return self->author_image;
}

/* Stream's reply_count: the replies in the thread this message begins. */
void
stray_message_set_reply_count (StrayMessage *self,
                               guint         reply_count)
{
  g_return_if_fail (STRAY_IS_MESSAGE (self));
  self->reply_count = reply_count;
}

guint
stray_message_get_reply_count (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), 0);
  return self->reply_count;
}

/**
 * stray_message_add_attachment:
 * @type: (nullable): Stream's attachment type: "image", "file", "video", "audio", "giphy", …
 * @title: (nullable): its name as the sender gave it (a file's title, an image's fallback)
 */
void
stray_message_add_attachment (StrayMessage *self,
                              const char   *type,
                              const char   *title)
{
  g_return_if_fail (STRAY_IS_MESSAGE (self));

  if (self->attachments == NULL)
    self->attachments = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->attachments, g_strdup (type != NULL ? type : ""));
  g_ptr_array_add (self->attachments, g_strdup (title));
}

guint
stray_message_get_n_attachments (StrayMessage *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE (self), 0);
  return self->attachments != NULL ? self->attachments->len / 2 : 0;
}

/* Returns: the attachment's type, "" when the server gave none */
const char *
stray_message_get_attachment_type (StrayMessage *self,
                                   guint         index)
{
  g_return_val_if_fail (index < stray_message_get_n_attachments (self), NULL);
  return g_ptr_array_index (self->attachments, index * 2);
}

/* Returns: (nullable): the attachment's name */
const char *
stray_message_get_attachment_title (StrayMessage *self,
                                    guint         index)
{
  g_return_val_if_fail (index < stray_message_get_n_attachments (self), NULL);
  return g_ptr_array_index (self->attachments, index * 2 + 1);
}

/**
 * stray_message_describe_attachment:
 * @type: (nullable): Stream's attachment type
 * @title: (nullable): its name
 *
 * Returns: (transfer full): what a reader would call it: "sent a photo", "report.pdf", …
 */
char *
stray_message_describe_attachment (const char *type,
                                   const char *title)
{
  /* Stream's attachment types (stream-chat-js's Attachment): a picture is a photo whatever
   * its file was called; a file is its name. */
  if (g_strcmp0 (type, "image") == 0)
    return g_strdup (_("sent a photo"));
  if (g_strcmp0 (type, "giphy") == 0)
    return g_strdup (_("sent a GIF"));
  if (title != NULL && *title != '\0')
    return g_strdup (title);
  if (g_strcmp0 (type, "video") == 0)
    return g_strdup (_("sent a video"));
  if (g_strcmp0 (type, "audio") == 0 || g_strcmp0 (type, "voiceRecording") == 0)
    return g_strdup (_("sent an audio clip"));
  return g_strdup (_("sent a file"));
}
