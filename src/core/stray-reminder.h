/* stray-reminder.h: one of the user's message reminders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "stray-event.h"

G_BEGIN_DECLS

#define STRAY_TYPE_REMINDER (stray_reminder_get_type ())

G_DECLARE_FINAL_TYPE (StrayReminder, stray_reminder, STRAY, REMINDER, GObject)

StrayReminder *stray_reminder_new              (const StrayEventReminder *decoded,
                                                const StrayEventMessage  *message);
const char    *stray_reminder_get_message_id   (StrayReminder *self);
const char    *stray_reminder_get_cid          (StrayReminder *self);
const char    *stray_reminder_get_text         (StrayReminder *self);
const char    *stray_reminder_get_author_id    (StrayReminder *self);
const char    *stray_reminder_get_author_name  (StrayReminder *self);
gint64         stray_reminder_get_remind_at    (StrayReminder *self);
gint64         stray_reminder_get_updated_at   (StrayReminder *self);

G_END_DECLS
