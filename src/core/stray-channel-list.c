/* stray-channel-list.c
 *
 * Channels sorted by last-message-at, newest first, ties broken by cid so that the order is
 * total and a channel's position can be found by binary search. Each channel's slot keeps the
 * key it was sorted by, because when notify::last-message-at arrives the old value is gone.
 * The list also keeps the sum of its channels' unread counts (and how many have any), which is
 * the session's total once synced: kept as counts change, so that reading it costs nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include <string.h>

#include "stray-channel-list.h"
#include "stray-channel-private.h"

typedef struct {
  StrayChannel *channel;
  gint64 sorted_at;
  guint summed_unread; /* the unread count in the list's sums */
} Slot;

struct _StrayChannelList
{
  GObject parent_instance;

  GPtrArray *slots;    /* of Slot, in list order */
  GHashTable *by_cid;  /* cid → Slot, owning it */
  guint unread_total;
  guint unread_channels;
};

enum {
  PROP_0,
  PROP_UNREAD_TOTAL,
  PROP_UNREAD_CHANNELS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void stray_channel_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StrayChannelList, stray_channel_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      stray_channel_list_model_init))

static void on_channel_changed (StrayChannel *channel,
                                GParamSpec   *pspec,
                                gpointer      user_data);

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  stray_channel_set_observer (slot->channel, NULL, NULL);
  g_object_unref (slot->channel);
  g_free (slot);
}

static GType
stray_channel_list_get_item_type (G_GNUC_UNUSED GListModel *model)
{
  return STRAY_TYPE_CHANNEL;
}

static guint
stray_channel_list_get_n_items (GListModel *model)
{
  return STRAY_CHANNEL_LIST (model)->slots->len;
}

static gpointer
stray_channel_list_get_item (GListModel *model,
                             guint       position)
{
  StrayChannelList *self = STRAY_CHANNEL_LIST (model);
  StrayChannel *channel = stray_channel_list_peek (self, position);

  return channel != NULL ? g_object_ref (channel) : NULL;
}

static void
stray_channel_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = stray_channel_list_get_item_type;
  iface->get_n_items = stray_channel_list_get_n_items;
  iface->get_item = stray_channel_list_get_item;
}

/* The first position whose slot does not sort before (@at, @cid). */
static guint
lower_bound (StrayChannelList *self,
             gint64            at,
             const char       *cid)
{
  guint low = 0, high = self->slots->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      Slot *slot = g_ptr_array_index (self->slots, middle);
      gboolean before;

      if (slot->sorted_at != at)
        before = slot->sorted_at > at;
      else
        before = strcmp (stray_channel_get_cid (slot->channel), cid) < 0;

      if (before)
        low = middle + 1;
      else
        high = middle;
    }
  return low;
}

static guint
find_slot (StrayChannelList *self,
           Slot             *slot)
{
  guint position = lower_bound (self, slot->sorted_at, stray_channel_get_cid (slot->channel));

  g_assert (position < self->slots->len && g_ptr_array_index (self->slots, position) == slot);
  return position;
}

/* Moves @slot's part of the sums to @unread. */
static void
sum_unread (StrayChannelList *self,
            Slot             *slot,
            guint             unread)
{
  guint old_channels = self->unread_channels;
  guint old_total = self->unread_total;

  self->unread_total = self->unread_total - slot->summed_unread + unread;
  self->unread_channels = self->unread_channels - (slot->summed_unread > 0) + (unread > 0);
  slot->summed_unread = unread;
  if (self->unread_total != old_total)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_TOTAL]);
  if (self->unread_channels != old_channels)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_CHANNELS]);
}

static void
stray_channel_list_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  StrayChannelList *self = STRAY_CHANNEL_LIST (object);

  switch (prop_id)
    {
    case PROP_UNREAD_TOTAL:
      g_value_set_uint (value, self->unread_total);
      break;
    case PROP_UNREAD_CHANNELS:
      g_value_set_uint (value, self->unread_channels);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_channel_list_dispose (GObject *object)
{
  StrayChannelList *self = STRAY_CHANNEL_LIST (object);

  g_ptr_array_set_size (self->slots, 0);
  g_hash_table_remove_all (self->by_cid);
  self->unread_total = self->unread_channels = 0;

  G_OBJECT_CLASS (stray_channel_list_parent_class)->dispose (object);
}

static void
stray_channel_list_finalize (GObject *object)
{
  StrayChannelList *self = STRAY_CHANNEL_LIST (object);

  g_ptr_array_unref (self->slots);
  g_hash_table_unref (self->by_cid);

  G_OBJECT_CLASS (stray_channel_list_parent_class)->finalize (object);
}

static void
stray_channel_list_class_init (StrayChannelListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = stray_channel_list_dispose;
  object_class->finalize = stray_channel_list_finalize;
  object_class->get_property = stray_channel_list_get_property;

  /* The sum of the channels' unread counts, and how many channels have unread messages. */
  properties[PROP_UNREAD_TOTAL] =
    g_param_spec_uint ("unread-total", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_UNREAD_CHANNELS] =
    g_param_spec_uint ("unread-channels", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_channel_list_init (StrayChannelList *self)
{
  self->slots = g_ptr_array_new ();
  /* Keys are the channels' own cid strings, which live as long as the slot. */
  self->by_cid = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, slot_free);
}

StrayChannelList *
stray_channel_list_new (void)
{
  return g_object_new (STRAY_TYPE_CHANNEL_LIST, NULL);
}

/**
 * stray_channel_list_lookup:
 * @self: a channel list
 * @cid: a channel's "type:id"
 *
 * Returns: (transfer none) (nullable): the channel with that cid
 */
StrayChannel *
stray_channel_list_lookup (StrayChannelList *self,
                           const char       *cid)
{
  Slot *slot;

  g_return_val_if_fail (STRAY_IS_CHANNEL_LIST (self), NULL);
  g_return_val_if_fail (cid != NULL, NULL);

  slot = g_hash_table_lookup (self->by_cid, cid);
  return slot != NULL ? slot->channel : NULL;
}

/**
 * stray_channel_list_peek:
 * @self: a channel list
 * @position: a position in the list
 *
 * Like g_list_model_get_item() without the reference, for walking the list from C.
 *
 * Returns: (transfer none) (nullable): the channel at @position
 */
StrayChannel *
stray_channel_list_peek (StrayChannelList *self,
                         guint             position)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL_LIST (self), NULL);

  if (position >= self->slots->len)
    return NULL;
  return ((Slot *) g_ptr_array_index (self->slots, position))->channel;
}

/**
 * stray_channel_list_add:
 * @self: a channel list
 * @channel: a channel whose cid is not in the list yet
 *
 * Adds @channel at its place in the order; the list follows its last-message-at from then on.
 */
void
stray_channel_list_add (StrayChannelList *self,
                        StrayChannel     *channel)
{
  Slot *slot;
  guint position;

  g_return_if_fail (STRAY_IS_CHANNEL_LIST (self));
  g_return_if_fail (STRAY_IS_CHANNEL (channel));
  g_return_if_fail (!g_hash_table_contains (self->by_cid, stray_channel_get_cid (channel)));

  slot = g_new0 (Slot, 1);
  slot->channel = g_object_ref (channel);
  slot->sorted_at = stray_channel_get_last_message_at (channel);
  g_hash_table_insert (self->by_cid, (gpointer) stray_channel_get_cid (channel), slot);

  position = lower_bound (self, slot->sorted_at, stray_channel_get_cid (channel));
  g_ptr_array_insert (self->slots, position, slot);
  /* The channel tells the list of its changes directly (one signal handler per channel cost
   * a quarter of a megabyte with 1,000); the slot stops it when it goes. */
  stray_channel_set_observer (channel, on_channel_changed, self);

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  sum_unread (self, slot, stray_channel_get_unread_count (channel));
}

/**
 * stray_channel_list_remove:
 * @self: a channel list
 * @cid: a channel's "type:id"
 *
 * Returns: whether a channel was removed
 */
gboolean
stray_channel_list_remove (StrayChannelList *self,
                           const char       *cid)
{
  Slot *slot;
  guint position;

  g_return_val_if_fail (STRAY_IS_CHANNEL_LIST (self), FALSE);
  g_return_val_if_fail (cid != NULL, FALSE);

  slot = g_hash_table_lookup (self->by_cid, cid);
  if (slot == NULL)
    return FALSE;

  position = find_slot (self, slot);
  sum_unread (self, slot, 0);
  g_ptr_array_remove_index (self->slots, position);
  g_hash_table_remove (self->by_cid, cid);

  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}

/* Views filter on these (a list hides hidden channels, a search matches titles), and a
 * filter model only looks at an item again when the list says it changed. */
static void
report_changed (StrayChannelList *self,
                Slot             *slot)
{
  guint position = find_slot (self, slot);

  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
move_slot (StrayChannelList *self,
           Slot             *slot)
{
  StrayChannel *channel = slot->channel;
  guint old_position, new_position, first, count;

  old_position = find_slot (self, slot);
  g_ptr_array_remove_index (self->slots, old_position);
  slot->sorted_at = stray_channel_get_last_message_at (channel);
  new_position = lower_bound (self, slot->sorted_at, stray_channel_get_cid (channel));
  g_ptr_array_insert (self->slots, new_position, slot);

  if (new_position == old_position)
    return;

  /* One change covering the span the channel moved across keeps views to one update. */
  first = MIN (old_position, new_position);
  count = MAX (old_position, new_position) - first + 1;
  g_list_model_items_changed (G_LIST_MODEL (self), first, count, count);
}

static void
on_channel_changed (StrayChannel *channel,
                    GParamSpec   *pspec,
                    gpointer      user_data)
{
  StrayChannelList *self = user_data;
  const char *name = g_param_spec_get_name (pspec);
  Slot *slot = g_hash_table_lookup (self->by_cid, stray_channel_get_cid (channel));

  g_assert (slot != NULL && slot->channel == channel);

  if (g_str_equal (name, "last-message-at"))
    move_slot (self, slot);
  else if (g_str_equal (name, "hidden") || g_str_equal (name, "title"))
    report_changed (self, slot);
  else if (g_str_equal (name, "unread-count"))
    sum_unread (self, slot, stray_channel_get_unread_count (channel));
}

guint
stray_channel_list_get_unread_total (StrayChannelList *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL_LIST (self), 0);

  return self->unread_total;
}

guint
stray_channel_list_get_unread_channels (StrayChannelList *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL_LIST (self), 0);

  return self->unread_channels;
}
