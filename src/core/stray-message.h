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

G_END_DECLS
