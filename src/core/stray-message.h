/* stray-message.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_MESSAGE (stray_message_get_type ())

G_DECLARE_FINAL_TYPE (StrayMessage, stray_message, STRAY, MESSAGE, GObject)

StrayMessage *stray_message_new             (const char   *id,
                                             const char   *user_id,
                                             const char   *author,
                                             const char   *text,
                                             gint64        created_at,
                                             gboolean      deleted);
const char   *stray_message_get_id          (StrayMessage *self);
const char   *stray_message_get_author      (StrayMessage *self);
const char   *stray_message_get_user_id     (StrayMessage *self);
const char   *stray_message_get_text        (StrayMessage *self);
gint64        stray_message_get_created_at  (StrayMessage *self);
gboolean      stray_message_get_deleted     (StrayMessage *self);

void          stray_message_set_edited      (StrayMessage *self,
                                             gboolean      edited);
gboolean      stray_message_get_edited      (StrayMessage *self);
void          stray_message_set_author_image (StrayMessage *self,
                                              const char   *url);
const char   *stray_message_get_author_image (StrayMessage *self);
void          stray_message_set_reply_count (StrayMessage *self,
                                             guint         reply_count);
guint         stray_message_get_reply_count (StrayMessage *self);
void          stray_message_add_attachment  (StrayMessage *self,
                                             const char   *type,
                                             const char   *title);
guint         stray_message_get_n_attachments     (StrayMessage *self);
const char   *stray_message_get_attachment_type   (StrayMessage *self,
                                                   guint         index);
const char   *stray_message_get_attachment_title  (StrayMessage *self,
                                                   guint         index);

char         *stray_message_describe_attachment   (const char   *type,
                                                   const char   *title);

G_END_DECLS
