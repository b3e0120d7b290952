/* stray-badge.h: the tray icon's pixels, composited from artwork the build rendered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  STRAY_BADGE_NOT_SET_UP,   /* no account: greyed, with a distinct mark */
  STRAY_BADGE_OFFLINE,      /* greyed out */
  STRAY_BADGE_IDLE,         /* connected, nothing unread: the plain app icon */
  STRAY_BADGE_UNREAD,       /* unread messages: a count badge */
  STRAY_BADGE_ATTENTION,    /* unread mention or direct message: the badge in an urgent colour */
} StrayBadgeLook;

/* The count only matters for UNREAD and ATTENTION. UNREAD with a count of 0 draws exactly like
 * IDLE; ATTENTION with a count of 0 keeps its red badge, empty. Counts of 100 and more all draw
 * "99+". */

GVariant   *stray_badge_render   (StrayBadgeLook look,
                                  guint          count);
char       *stray_badge_describe (StrayBadgeLook look,
                                  guint          count);
const char *stray_badge_text     (guint          count);

G_END_DECLS
