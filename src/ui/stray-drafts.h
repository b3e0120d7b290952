/* stray-drafts.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GHashTable *stray_drafts_new     (void);
void        stray_drafts_keep    (GHashTable  *drafts,
                                  const char  *key,
                                  GtkEditable *entry);
void        stray_drafts_restore (GHashTable  *drafts,
                                  const char  *key,
                                  GtkEditable *entry);

G_END_DECLS
