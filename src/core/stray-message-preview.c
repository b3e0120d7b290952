/* stray-message-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-message-preview.h"

#include "stray-message.h"

G_DEFINE_BOXED_TYPE (StrayMessagePreview, stray_message_preview,
                     stray_message_preview_ref, stray_message_preview_unref)

static void
stray_message_preview_clear (gpointer data)
{
  StrayMessagePreview *self = data;

  g_free (self->id);
  g_free (self->text);
  g_free (self->user_id);
  g_free (self->user_name);
  g_free (self->user_image);
  g_free (self->created_at);
  g_strfreev (self->attachments);
}

/**
 * stray_message_preview_new_from_event:
 * @message: a decoded message
 *
 * A deleted message keeps its place as the channel's last message but loses its text.
 *
 * Returns: (transfer full): a new preview
 */
StrayMessagePreview *
stray_message_preview_new_from_event (const StrayEventMessage *message)
{
  StrayMessagePreview *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = g_rc_box_new0 (StrayMessagePreview);
  self->deleted = g_strcmp0 (message->type, "deleted") == 0;
  self->id = g_strdup (message->id);
  self->text = g_strdup (self->deleted || message->text == NULL ? "" : message->text);
  if (message->user != NULL)
    {
      self->user_id = g_strdup (message->user->id);
      self->user_name = g_strdup (message->user->name);
      self->user_image = g_strdup (message->user->image);
    }
  self->created_at = g_strdup (message->created_at);
  self->created_at_us = message->created_at_us;
  if (!self->deleted && message->attachments != NULL)
    self->attachments = g_strdupv ((char **) message->attachments);

  return self;
}

/**
 * stray_message_preview_new_renamed:
 * @self: a preview
 * @user_name: the author's new name
 *
 * Returns: (transfer full): a copy of @self with another author name
 */
StrayMessagePreview *
stray_message_preview_new_renamed (const StrayMessagePreview *self,
                                   const char                *user_name)
{
  StrayMessagePreview *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_rc_box_new0 (StrayMessagePreview);
  copy->id = g_strdup (self->id);
  copy->text = g_strdup (self->text);
  copy->user_id = g_strdup (self->user_id);
  copy->user_name = g_strdup (user_name);
  copy->user_image = g_strdup (self->user_image);
  copy->created_at = g_strdup (self->created_at);
  copy->created_at_us = self->created_at_us;
  copy->deleted = self->deleted;
  copy->attachments = g_strdupv (self->attachments);

  return copy;
}

/**
 * stray_message_preview_dup_gist:
 * @self: a preview
 *
 * What the message says in one phrase: its text, or what was sent when it has no text
 * ("sent a photo", "report.pdf"). A picture sent alone would otherwise show as nothing.
 *
 * Returns: (transfer full): the text, "" for a deleted or empty message
 */
char *
stray_message_preview_dup_gist (const StrayMessagePreview *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if ((self->text == NULL || *self->text == '\0') && self->attachments != NULL &&
      self->attachments[0] != NULL)
    return stray_message_describe_attachment (self->attachments[0], self->attachments[1]);
  return g_strdup (self->text != NULL ? self->text : "");
}

StrayMessagePreview *
stray_message_preview_ref (StrayMessagePreview *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_rc_box_acquire (self);
}

void
stray_message_preview_unref (StrayMessagePreview *self)
{
  g_return_if_fail (self != NULL);

  g_rc_box_release_full (self, stray_message_preview_clear);
}
