/* fuzz-common.h: what the fuzz targets share
 *
 * Each target defines LLVMFuzzerTestOneInput(); libFuzzer calls it in the fuzzing build
 * (-Dfuzzing=true) and fuzz-replay.c calls it on the checked-in inputs in every other build.
 * fuzz-common.c, linked with every target, defines LLVMFuzzerInitialize().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

int  LLVMFuzzerInitialize   (int      *argc,
                             char   ***argv);
int  LLVMFuzzerTestOneInput (const uint8_t *data,
                             size_t         size);

G_END_DECLS
