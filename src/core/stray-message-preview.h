/* stray-message-preview.h: the one message a channel remembers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "stray-event.h"

G_BEGIN_DECLS

/* Immutable once made: a change is a new preview, so a notify always means a new value. */
typedef struct {
  char *id;
  char *text;
  char *user_id;
  char *user_name;
  char *user_image;   /* the author's picture's address; NULL: none */
  char *created_at;
  gint64 created_at_us;
  gboolean deleted;
  char **attachments; /* pairs of type and name, as StrayEventMessage's; NULL: none */
} StrayMessagePreview;

#define STRAY_TYPE_MESSAGE_PREVIEW (stray_message_preview_get_type ())

GType                stray_message_preview_get_type        (void) G_GNUC_CONST;
StrayMessagePreview *stray_message_preview_new_from_event  (const StrayEventMessage *message);
StrayMessagePreview *stray_message_preview_new_renamed     (const StrayMessagePreview *self,
                                                            const char                *user_name);
char                *stray_message_preview_dup_gist        (const StrayMessagePreview *self);
StrayMessagePreview *stray_message_preview_ref             (StrayMessagePreview       *self);
void                 stray_message_preview_unref           (StrayMessagePreview       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayMessagePreview, stray_message_preview_unref)

G_END_DECLS
