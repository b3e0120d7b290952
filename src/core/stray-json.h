/* stray-json.h: reading members of untrusted JSON objects
 *
 * json-glib's *_with_default getters return NULL or 0 (and warn) when a member has another
 * type; these return the default instead, quietly, so hostile input cannot get past them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

const char *stray_json_string  (JsonObject *object,
                                const char *name);
gboolean    stray_json_boolean (JsonObject *object,
                                const char *name,
                                gboolean    fallback);
gint64      stray_json_int     (JsonObject *object,
                                const char *name,
                                gint64      fallback);
JsonObject *stray_json_object  (JsonObject *object,
                                const char *name);
JsonArray  *stray_json_array   (JsonObject *object,
                                const char *name);
GStrv       stray_json_strv    (JsonArray  *array);

gboolean    stray_json_root_holds    (JsonParser   *parser,
                                      JsonNodeType  type);
gboolean    stray_json_check_nesting (const char *data,
                                      gsize       length,
                                      guint       max_depth,
                                      gsize      *out_offset);

G_END_DECLS
