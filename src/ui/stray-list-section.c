/* stray-list-section.c: a headed list above the channels, shown only while it has rows
 *
 * What the invite list and the reminder list share: a heading, a list box named after it for
 * screen readers, a separator below, and the whole hidden while the model is empty.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include "stray-list-section.h"

/**
 * stray_list_section_build:
 * @section: the (vertical) box to fill
 *
 * Returns: (transfer none): the list box, for stray_list_section_follow()
 */
GtkListBox *
stray_list_section_build (GtkBox     *section,
                          const char *heading)
{
  GtkWidget *label = gtk_label_new (heading);
  GtkListBox *list_box = GTK_LIST_BOX (gtk_list_box_new ());

  gtk_orientable_set_orientation (GTK_ORIENTABLE (section), GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_visible (GTK_WIDGET (section), FALSE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (section, label);

  gtk_list_box_set_selection_mode (list_box, GTK_SELECTION_NONE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list_box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  heading, -1);
  gtk_box_append (section, GTK_WIDGET (list_box));
  gtk_box_append (section, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  return list_box;
}

static void
on_items_changed (GListModel         *model,
                  G_GNUC_UNUSED guint position,
                  G_GNUC_UNUSED guint removed,
                  G_GNUC_UNUSED guint added,
                  GtkWidget          *section)
{
  gtk_widget_set_visible (section, g_list_model_get_n_items (model) > 0);
}

/**
 * stray_list_section_follow:
 *
 * Binds @list_box to @model and keeps @section visible only while @model has items, for the
 * section's life.
 */
void
stray_list_section_follow (GtkWidget                  *section,
                           GtkListBox                 *list_box,
                           GListModel                 *model,
                           GtkListBoxCreateWidgetFunc  create_row,
                           gpointer                    user_data)
{
  gtk_list_box_bind_model (list_box, model, create_row, user_data, NULL);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (on_items_changed), section, 0);
  on_items_changed (model, 0, 0, 0, section);
}
