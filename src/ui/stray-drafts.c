/* stray-drafts.c: what the user typed and did not send, per channel or thread
 *
 * As chat apps keep drafts: leaving a channel (for another, for a thread, for the list) keeps
 * its reply box's text, and coming back puts it there again, for as long as the window lives.
 * The channel view keys them by cid, the thread view by the thread's parent message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-drafts.h"

/* Returns: (transfer full): key → text, both strings */
GHashTable *
stray_drafts_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Keeps @entry's text as @key's draft; a blank one is no draft. */
void
stray_drafts_keep (GHashTable  *drafts,
                   const char  *key,
                   GtkEditable *entry)
{
  const char *text = gtk_editable_get_text (entry);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_return_if_fail (drafts != NULL && key != NULL);

  if (*stripped == '\0')
    g_hash_table_remove (drafts, key);
  else
    g_hash_table_replace (drafts, g_strdup (key), g_strdup (text));
}

/* Puts @key's draft, or nothing, in @entry, the cursor at its end. */
void
stray_drafts_restore (GHashTable  *drafts,
                      const char  *key,
                      GtkEditable *entry)
{
  const char *text;

  g_return_if_fail (drafts != NULL);

  text = key != NULL ? g_hash_table_lookup (drafts, key) : NULL;
  gtk_editable_set_text (entry, text != NULL ? text : "");
  gtk_editable_set_position (entry, -1);
}
