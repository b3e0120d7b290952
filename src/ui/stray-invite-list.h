/* stray-invite-list.h: the pending invites at the top of the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define STRAY_TYPE_INVITE_LIST (stray_invite_list_get_type ())

G_DECLARE_FINAL_TYPE (StrayInviteList, stray_invite_list, STRAY, INVITE_LIST, GtkBox)

void stray_invite_list_set_model (StrayInviteList *self,
                                  GListModel      *invites);

G_END_DECLS
