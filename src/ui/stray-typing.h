/* stray-typing.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-application.h"

G_BEGIN_DECLS

typedef struct _StrayTyping StrayTyping;

StrayTyping *stray_typing_new       (StrayApplication *application);
void         stray_typing_free      (StrayTyping      *self);
void         stray_typing_keystroke (StrayTyping      *self,
                                     const char       *cid);
void         stray_typing_stop      (StrayTyping      *self);

G_END_DECLS
