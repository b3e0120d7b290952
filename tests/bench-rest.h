/* bench-rest.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

char        *stray_bench_to_json  (JsonObject   *object);
SoupMessage *stray_bench_new_call (const char   *base_url,
                                   const char   *api_key,
                                   const char   *path,
                                   const char   *user_id,
                                   const char   *connection_id,
                                   const char   *token,
                                   GBytes       *body);
JsonObject  *stray_bench_call     (SoupSession  *session,
                                   const char   *base_url,
                                   const char   *api_key,
                                   const char   *path,
                                   const char   *user_id,
                                   const char   *connection_id,
                                   const char   *token,
                                   JsonObject   *body,
                                   guint         seconds,
                                   GError      **error);

GSubprocess *stray_bench_spawn_devserver (const char  *path,
                                          const char  *secret,
                                          const char  *api_key,
                                          const char  *scenario,
                                          char       **base_url,
                                          GError     **error);

gboolean     stray_bench_sent_finish (SoupSession   *session,
                                      GAsyncResult  *result,
                                      GError       **error);

G_END_DECLS
