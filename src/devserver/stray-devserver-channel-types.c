/* stray-devserver-channel-types.c
 *
 * The server-side channel-type calls, as the SDKs' createChannelType, getChannelType,
 * updateChannelType, listChannelTypes and deleteChannelType make them (POST, GET, PUT and
 * DELETE on /channeltypes[/{name}]). The types themselves are the store's
 * (stray-dev-store-types.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-devserver-private.h"

/* Answers @type, or the store's @error when it is %NULL. */
static gboolean
respond_type (DevRequest *request,
              JsonObject *type,
              GError     *error)
{
  g_autoptr(JsonObject) owned = type;

  if (type == NULL)
    return dev_respond_store_error (request, error);
  dev_respond_ok (request, type);
  return TRUE;
}

gboolean
dev_handle_channel_types (DevRequest *request)
{
  StrayDevStore *store = request->self->store;
  const char *name = request->segments[1];
  g_autoptr(GError) error = NULL;
  JsonObject *type;

  if (!dev_require_server (request))
    return FALSE;

  if (name == NULL)
    {
      g_autoptr(JsonObject) response = NULL;

      if (g_str_equal (request->method, "POST"))
        {
          type = stray_dev_store_create_channel_type (store, request->body, &error);
          return respond_type (request, type, error);
        }
      response = json_object_new ();
      json_object_set_object_member (response, "channel_types",
                                     stray_dev_store_list_channel_types (store));
      dev_respond_ok (request, response);
      return TRUE;
    }

  if (g_str_equal (request->method, "GET"))
    {
      type = stray_dev_store_get_channel_type (store, name, &error);
      return respond_type (request, type, error);
    }
  if (g_str_equal (request->method, "PUT"))
    {
      type = stray_dev_store_update_channel_type (store, name, request->body, &error);
      return respond_type (request, type, error);
    }
  if (!stray_dev_store_delete_channel_type (store, name, &error))
    return dev_respond_store_error (request, error);
  dev_respond_ok (request, NULL);
  return TRUE;
}
