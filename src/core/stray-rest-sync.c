/* stray-rest-sync.c: POST /sync's answer, decoded
 *
 * Each of `events` is an event as the socket would have sent it, so each is decoded by the
 * frames' own decoder (stray_event_decode) and then goes through the same path as a live one.
 * An event the decoder refuses is left out, as a refused frame is, rather than failing the
 * whole answer. `inaccessible_cids` lists the channels the user may no longer read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-rest"

#include "config.h"

#include <string.h>

#include "stray-decode-private.h"
#include "stray-rest.h"

typedef struct {
  StrayRestSync pub;
  GPtrArray *events;        /* of StrayEvent */
  GPtrArray *inaccessible;  /* of char *, NULL-terminated */
} SyncBox;

/**
 * stray_rest_sync_decode:
 * @root: a POST /sync answer, parsed
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL with @error set
 */
StrayRestSync *
stray_rest_sync_decode (JsonNode  *root,
                        GError   **error)
{
  g_autoptr(StrayRestSync) sync = NULL;
  SyncBox *box;
  JsonObject *object;
  JsonArray *events = NULL;
  JsonArray *inaccessible = NULL;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  object = json_node_get_object (root);
  box = g_new0 (SyncBox, 1);
  sync = &box->pub;
  box->events = g_ptr_array_new_with_free_func ((GDestroyNotify) stray_event_unref);
  box->inaccessible = g_ptr_array_new_with_free_func (g_free);

  if (!stray_decode_array (object, NULL, "events", &events, error) ||
      !stray_decode_array (object, NULL, "inaccessible_cids", &inaccessible, error))
    return NULL;
  if (events == NULL)
    {
      stray_decode_missing (error, NULL, "events");
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      g_autofree char *text = json_to_string (node, FALSE);
      g_autoptr(GError) refused = NULL;
      StrayEvent *event = stray_event_decode (text, strlen (text), &refused);

      if (event == NULL)
        {
          /* The reason only, never the event: it could hold anything. */
          g_debug ("/sync: event %u refused: %s", i, refused->message);
          continue;
        }
      g_ptr_array_add (box->events, event);
    }
  for (guint i = 0; inaccessible != NULL && i < json_array_get_length (inaccessible); i++)
    {
      JsonNode *node = json_array_get_element (inaccessible, i);

      if (!stray_decode_is_value_of (node, G_TYPE_STRING))
        {
          stray_decode_wrong_type (error, "inaccessible_cids", "element", "a string", node);
          return NULL;
        }
      g_ptr_array_add (box->inaccessible, g_strdup (json_node_get_string (node)));
    }
  g_ptr_array_add (box->inaccessible, NULL);

  sync->events = (const StrayEvent * const *) box->events->pdata;
  sync->n_events = box->events->len;
  sync->inaccessible_cids = (const char * const *) box->inaccessible->pdata;
  sync->n_inaccessible_cids = box->inaccessible->len - 1;
  return g_steal_pointer (&sync);
}

void
stray_rest_sync_free (StrayRestSync *sync)
{
  SyncBox *box = (SyncBox *) sync;

  if (sync == NULL)
    return;
  g_ptr_array_unref (box->events);
  g_ptr_array_unref (box->inaccessible);
  g_free (box);
}
