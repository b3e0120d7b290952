/* stray-decode-private.h: typed fields out of untrusted JSON, for frames and REST answers alike
 *
 * Every reader refuses a member of another type with a message that names the field (its
 * @scope, then its name), and reads an absent or null member as unset. Strings point into the
 * parsed tree, which the caller keeps alive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-event.h"

G_BEGIN_DECLS

JsonNode   *stray_decode_parse          (const char         *what,
                                         const char         *text,
                                         gsize               length,
                                         gsize               max_size,
                                         GError            **error);

const char *stray_decode_describe_node  (JsonNode           *node);
gboolean    stray_decode_is_value_of    (JsonNode           *node,
                                         GType               type);
gboolean    stray_decode_wrong_type     (GError            **error,
                                         const char         *scope,
                                         const char         *name,
                                         const char         *expected,
                                         JsonNode           *node);
gboolean    stray_decode_missing        (GError            **error,
                                         const char         *scope,
                                         const char         *name);

gboolean    stray_decode_string         (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         const char        **out,
                                         GError            **error);
gboolean    stray_decode_count          (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         gint32             *out,
                                         GError            **error);
gboolean    stray_decode_bool           (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         gboolean           *out,
                                         gboolean           *present,
                                         GError            **error);
gboolean    stray_decode_timestamp      (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         const char        **out_text,
                                         gint64             *out_us,
                                         GError            **error);
gboolean    stray_decode_object         (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         JsonObject        **out,
                                         GError            **error);
gboolean    stray_decode_array          (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         JsonArray         **out,
                                         GError            **error);
JsonObject *stray_decode_element        (JsonArray          *array,
                                         guint               index,
                                         const char         *scope,
                                         GError            **error);

gboolean    stray_decode_user           (JsonObject         *object,
                                         const char         *scope,
                                         StrayEventUser     *user,
                                         GError            **error);
gboolean    stray_decode_user_member    (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         const char         *user_scope,
                                         StrayEventUser     *storage,
                                         const StrayEventUser **out,
                                         GError            **error);
gboolean    stray_decode_id_list        (JsonObject         *object,
                                         const char         *scope,
                                         const char         *name,
                                         const char         *inner,
                                         const char         *key,
                                         GPtrArray         **storage,
                                         const char * const **out,
                                         GError            **error);
gboolean    stray_decode_channel        (JsonObject         *object,
                                         const char         *scope,
                                         StrayEventChannel  *channel,
                                         GError            **error);
gboolean    stray_decode_message        (JsonObject         *object,
                                         const char         *scope,
                                         const char         *user_scope,
                                         StrayEventMessage  *message,
                                         StrayEventUser     *user_storage,
                                         GPtrArray         **mentions_storage,
                                         GPtrArray         **attachments_storage,
                                         GError            **error);
gboolean    stray_decode_member         (JsonObject         *object,
                                         const char         *scope,
                                         const char         *user_scope,
                                         StrayEventMember   *member,
                                         StrayEventUser     *user_storage,
                                         GError            **error);
gboolean    stray_decode_reminder       (JsonObject         *object,
                                         const char         *scope,
                                         const char         *message_scope,
                                         const char         *message_user_scope,
                                         StrayEventReminder *reminder,
                                         StrayEventMessage  *message_storage,
                                         StrayEventUser     *message_user_storage,
                                         GPtrArray         **mentions_storage,
                                         GPtrArray         **attachments_storage,
                                         GError            **error);

G_END_DECLS
