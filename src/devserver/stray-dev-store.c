/* stray-dev-store.c
 *
 * Users, channels, members, messages and read state, as Stream keeps them, in memory.
 * Unread bookkeeping follows Stream: a message counts for every member but its author, unless
 * it is silent, shadowed, a reply kept in its thread, or the member muted the channel or the
 * author; sending marks the channel read for the sender; totals are the sum over the user's
 * channels, so that queryChannels' read[], GET /unread, `me` and the events always agree.
 *
 * This file is the object: its tables, its clock, its errors and the ids it accepts. The
 * records and what is done with them are in files named after them
 * (stray-dev-store-private.h lists them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store-private.h"

G_DEFINE_FINAL_TYPE (StrayDevStore, stray_dev_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (stray-dev-store-error-quark, stray_dev_store_error)

static void
stray_dev_store_finalize (GObject *object)
{
  StrayDevStore *self = STRAY_DEV_STORE (object);

  g_hash_table_unref (self->threads);
  g_hash_table_unref (self->messages);
  g_hash_table_unref (self->channels);
  g_hash_table_unref (self->channel_types);
  g_hash_table_unref (self->users);
  g_clear_pointer (&self->reminders, g_hash_table_unref);

  G_OBJECT_CLASS (stray_dev_store_parent_class)->finalize (object);
}

static void
stray_dev_store_class_init (StrayDevStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stray_dev_store_finalize;
}

static void
stray_dev_store_init (StrayDevStore *self)
{
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dev_user_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dev_channel_free);
  self->messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->threads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dev_thread_free);
  dev_channel_types_init (self);
}

StrayDevStore *
stray_dev_store_new (void)
{
  return g_object_new (STRAY_TYPE_DEV_STORE, NULL);
}

/**
 * stray_dev_store_now:
 *
 * Timestamps strictly increase, so that messages sent in the same microsecond still sort.
 *
 * Returns: (transfer full): the current time, RFC 3339 with microseconds
 */
char *
stray_dev_store_now (StrayDevStore *self)
{
  gint64 now_us = MAX (dev_store_now_us (self), self->last_now_us + 1);

  self->last_now_us = now_us;
  return dev_store_format_time (now_us);
}

/* The store's time in µs since the epoch, without the strict increase. */
gint64
dev_store_now_us (StrayDevStore *self)
{
  return g_get_real_time () + self->clock_offset_us;
}

/**
 * dev_store_format_time:
 *
 * Returns: (transfer full): @time_us as RFC 3339 with microseconds, as Stream writes times
 */
char *
dev_store_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", seconds, (int) (time_us % G_USEC_PER_SEC));
}

/**
 * stray_dev_store_advance_clock:
 *
 * Moves the store's clock @seconds ahead, so that a test sees timed mutes end without waiting.
 */
void
stray_dev_store_advance_clock (StrayDevStore *self,
                               gint64         seconds)
{
  g_return_if_fail (seconds >= 0);

  self->clock_offset_us += seconds * G_USEC_PER_SEC;
}

gboolean
dev_store_fail (GError            **error,
                StrayDevStoreError  code,
                const char         *format,
                ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, STRAY_DEV_STORE_ERROR, code, "");
  if (error != NULL && *error != NULL)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
  return FALSE;
}

gboolean
dev_is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 255)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("@_-!", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Whether @user_id may name a user, as Stream's ids may (letters, digits and @_-!). */
gboolean
stray_dev_store_is_valid_user_id (const char *user_id)
{
  return dev_is_valid_id (user_id);
}
