/* stray-websocket-limit.c
 *
 * libsoup 3.2 limits a WebSocket's frames one by one (max-incoming-payload-size), not its
 * messages: a message sent as continuation fragments grows without bound in its buffer
 * (max-total-message-size came with libsoup 3.6), and it has no hook to count them on a
 * connection it made itself. So the stream the SoupWebsocketConnection reads from is this
 * one: it passes the bytes through unchanged, reads the frame headers as they go by (FIN and
 * opcode, the 7, 16 or 64-bit length, the mask) and counts each message's payload, its
 * fragments together. A message past the limit fails the read before libsoup sees the frame
 * that crossed it, and libsoup closes the connection with that error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-websocket"

#include "config.h"

#include <string.h>

#include "stray-websocket-limit.h"

/* The longest frame header: 2 bytes, a 64-bit length, a mask. */
#define MAX_HEADER_SIZE 14

struct _StrayWebsocketLimitStream
{
  GInputStream parent_instance;

  GIOStream *base;               /* closed with this stream */
  GInputStream *base_input;
  GBytes *pending;               /* read before the stream was made: returned first */
  gsize pending_offset;
  guint64 max_message_size;

  guint8 header[MAX_HEADER_SIZE];
  guint header_length;           /* of the header being read */
  guint header_size;             /* what it will have, once its second byte is known */
  guint64 payload_left;          /* of the current frame */
  guint64 message_size;          /* of the current message, its fragments so far */
  GError *failure;               /* once over the limit, every read fails */
};

static void stray_websocket_limit_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StrayWebsocketLimitStream, stray_websocket_limit_stream,
                               G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      stray_websocket_limit_stream_pollable_init))

/* A whole header read: the frame's payload counted into its message. */
static gboolean
take_header (StrayWebsocketLimitStream  *self,
             GError                    **error)
{
  const guint8 *header = self->header;
  guint8 opcode = header[0] & 0x0f;
  guint8 short_length = header[1] & 0x7f;
  guint64 length = short_length;

  if (short_length == 126)
    length = ((guint64) header[2] << 8) | header[3];
  else if (short_length == 127)
    {
      length = 0;
      for (guint i = 2; i < 10; i++)
        length = (length << 8) | header[i];
    }
  self->payload_left = length;

  /* Control frames (close, ping, pong) sit between fragments and are not part of the
   * message; libsoup holds them to 125 bytes. */
  if (opcode & 0x08)
    return TRUE;
  /* Any other opcode than a continuation starts a message. */
  if (opcode != 0)
    self->message_size = 0;
  if (length > self->max_message_size - self->message_size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "a WebSocket message of more than %" G_GUINT64_FORMAT " bytes (its "
                   "fragments together)", self->max_message_size);
      return FALSE;
    }
  self->message_size += length;
  return TRUE;
}

/* Follows the frames through bytes on their way to the reader. */
static gboolean
count_bytes (StrayWebsocketLimitStream  *self,
             const guint8               *data,
             gsize                       length,
             GError                    **error)
{
  gsize at = 0;

  while (at < length)
    {
      if (self->payload_left > 0)
        {
          guint64 skipped = MIN (self->payload_left, length - at);

          self->payload_left -= skipped;
          at += skipped;
          continue;
        }
      self->header[self->header_length++] = data[at++];
      if (self->header_length == 2)
        {
          guint8 short_length = self->header[1] & 0x7f;

          self->header_size = 2 + (short_length == 126 ? 2 : short_length == 127 ? 8 : 0) +
                              ((self->header[1] & 0x80) ? 4 : 0);
        }
      if (self->header_length < 2 || self->header_length < self->header_size)
        continue;
      self->header_length = 0;
      if (!take_header (self, error))
        return FALSE;
    }
  return TRUE;
}

/* What every read does after the base stream's: count, or fail for good. */
static gssize
counted (StrayWebsocketLimitStream  *self,
         void                       *buffer,
         gssize                      n_read,
         GError                    **error)
{
  if (n_read <= 0)
    return n_read;
  if (!count_bytes (self, buffer, (gsize) n_read, &self->failure))
    {
      g_debug ("%s: dropping the connection", self->failure->message);
      g_propagate_error (error, g_error_copy (self->failure));
      return -1;
    }
  return n_read;
}

/* What a read gives before asking the base stream: the failure again once there was one, or
 * bytes read before the stream was made. Returns FALSE when the base stream is to be read. */
static gboolean
read_held (StrayWebsocketLimitStream  *self,
           void                       *buffer,
           gsize                       count,
           gssize                     *n_read,
           GError                    **error)
{
  gsize size;
  const guint8 *data;

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      *n_read = -1;
      return TRUE;
    }
  if (self->pending == NULL)
    return FALSE;
  data = g_bytes_get_data (self->pending, &size);
  *n_read = (gssize) MIN (count, size - self->pending_offset);
  memcpy (buffer, data + self->pending_offset, (gsize) *n_read);
  self->pending_offset += (gsize) *n_read;
  if (self->pending_offset == size)
    g_clear_pointer (&self->pending, g_bytes_unref);
  return TRUE;
}

static gssize
stray_websocket_limit_stream_read (GInputStream  *stream,
                                   void          *buffer,
                                   gsize          count,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);
  gssize n_read;

  if (!read_held (self, buffer, count, &n_read, error))
    n_read = g_input_stream_read (self->base_input, buffer, count, cancellable, error);
  return counted (self, buffer, n_read, error);
}

static gssize
stray_websocket_limit_stream_read_nonblocking (GPollableInputStream  *stream,
                                               void                  *buffer,
                                               gsize                  count,
                                               GError               **error)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);
  gssize n_read;

  if (!read_held (self, buffer, count, &n_read, error))
    n_read = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base_input),
                                                       buffer, count, NULL, error);
  return counted (self, buffer, n_read, error);
}

static gboolean
stray_websocket_limit_stream_can_poll (GPollableInputStream *stream)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);

  return g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_input));
}

static gboolean
stray_websocket_limit_stream_is_readable (GPollableInputStream *stream)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);

  return self->pending != NULL || self->failure != NULL ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base_input));
}

static GSource *
stray_websocket_limit_stream_create_source (GPollableInputStream *stream,
                                            GCancellable         *cancellable)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);
  g_autoptr(GSource) base_source = NULL;

  /* What is held already is readable at once. */
  if (self->pending != NULL || self->failure != NULL)
    base_source = g_timeout_source_new (0);
  else
    base_source = g_pollable_input_stream_create_source (
      G_POLLABLE_INPUT_STREAM (self->base_input), NULL);
  return g_pollable_source_new_full (stream, base_source, cancellable);
}

/* Closing it closes the connection under it. */
static gboolean
stray_websocket_limit_stream_close (GInputStream  *stream,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);

  return g_io_stream_close (self->base, cancellable, error);
}

static void
on_base_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
stray_websocket_limit_stream_close_async (GInputStream        *stream,
                                          int                  io_priority,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (stream);
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, stray_websocket_limit_stream_close_async);
  g_io_stream_close_async (self->base, io_priority, cancellable, on_base_closed, task);
}

static gboolean
stray_websocket_limit_stream_close_finish (G_GNUC_UNUSED GInputStream *stream,
                                           GAsyncResult               *result,
                                           GError                    **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
stray_websocket_limit_stream_finalize (GObject *object)
{
  StrayWebsocketLimitStream *self = STRAY_WEBSOCKET_LIMIT_STREAM (object);

  g_clear_object (&self->base);
  g_clear_pointer (&self->pending, g_bytes_unref);
  g_clear_error (&self->failure);

  G_OBJECT_CLASS (stray_websocket_limit_stream_parent_class)->finalize (object);
}

static void
stray_websocket_limit_stream_class_init (StrayWebsocketLimitStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = stray_websocket_limit_stream_finalize;
  input_class->read_fn = stray_websocket_limit_stream_read;
  input_class->close_fn = stray_websocket_limit_stream_close;
  input_class->close_async = stray_websocket_limit_stream_close_async;
  input_class->close_finish = stray_websocket_limit_stream_close_finish;
}

static void
stray_websocket_limit_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = stray_websocket_limit_stream_can_poll;
  iface->is_readable = stray_websocket_limit_stream_is_readable;
  iface->create_source = stray_websocket_limit_stream_create_source;
  iface->read_nonblocking = stray_websocket_limit_stream_read_nonblocking;
}

static void
stray_websocket_limit_stream_init (G_GNUC_UNUSED StrayWebsocketLimitStream *self)
{
}

/**
 * stray_websocket_limit_wrap:
 * @base: a connection on which the WebSocket handshake is done; its input must be pollable
 * @already_read: (nullable): bytes read from @base past the handshake, the first frames'
 * @max_message_size: the most a message may hold, fragments together
 *
 * Returns: (transfer full): a stream for soup_websocket_connection_new() that reads @base's
 *   input through the count and writes to @base's output; closing it closes @base
 */
GIOStream *
stray_websocket_limit_wrap (GIOStream *base,
                            GBytes    *already_read,
                            guint64    max_message_size)
{
  g_autoptr(StrayWebsocketLimitStream) input = NULL;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)), NULL);

  input = g_object_new (STRAY_TYPE_WEBSOCKET_LIMIT_STREAM, NULL);
  input->base = g_object_ref (base);
  input->base_input = g_io_stream_get_input_stream (base);
  input->max_message_size = max_message_size;
  if (already_read != NULL && g_bytes_get_size (already_read) > 0)
    input->pending = g_bytes_ref (already_read);
  return g_simple_io_stream_new (G_INPUT_STREAM (input), g_io_stream_get_output_stream (base));
}
