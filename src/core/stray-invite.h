/* stray-invite.h: a pending invite of the user to a channel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define STRAY_TYPE_INVITE (stray_invite_get_type ())

G_DECLARE_FINAL_TYPE (StrayInvite, stray_invite, STRAY, INVITE, GObject)

StrayInvite *stray_invite_new              (const char  *cid,
                                            const char  *channel_name,
                                            const char  *inviter_name);
const char  *stray_invite_get_cid          (StrayInvite *self);
const char  *stray_invite_get_channel_name (StrayInvite *self);
const char  *stray_invite_get_inviter_name (StrayInvite *self);
char        *stray_invite_dup_title        (StrayInvite *self);

G_END_DECLS
