/* test-model-random.c: the model against a simulated server, under random interleavings
 *
 * A simulated server holds the truth: channels, their members (the user among them), messages,
 * the user's read state and channel mutes. It produces the frames Stream would send (with the
 * user's totals and `created_at`) and the REST answers of a resync (queryChannels pages and
 * GET /unread, as JSON text decoded by stray-rest.c), each computed at the moment the server
 * handles the request. The schedule interleaves at random: live events, answers delivered late
 * (after events newer than them), failed requests, dropped sockets (whatever was in flight is
 * lost) and reconnects (a handshake, then a resync). After quiescence (everything in flight
 * delivered, a last resync completed) every channel's count, the totals and the attention
 * state must equal the truth.
 *
 * Each schedule has its own seed; a failing one is printed with the command that replays it,
 * and becomes a case of regression_seeds[] below.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-session.h"

#define N_SCHEDULES 10000
#define MAX_CHANNELS 8
#define OTHER_USERS 3
/* Small pages, so that a resync takes several answers that events can overtake. */
#define PAGE_SIZE 3
/* queryChannels' message_limit (25 by default, fewer here for speed): the newest messages a
 * channel state lists. */
#define MESSAGE_LIMIT 10
#define ME "me"

/* Regression cases: schedules that failed on the model before issue 14 (each schedule depends
 * on this simulation: a change to it makes new schedules of the same seeds, and the cases are
 * to be found again). An answer overwriting newer events (1139983655), events counted twice
 * on top of an answer that had them (1139983652, 1139983657), a channel that came during a
 * resync dropped at its end (3658551581), a channel deleted during a resync brought back by an
 * older answer (3484634041), a mention missed in a gap (1139983641), a channel deleted while a
 * single channel's fetch was on its way brought back by its older answer (739864091). */
static const guint32 regression_seeds[] = {
  1139983655, 1139983652, 1139983657, 3658551581, 3484634041, 1139983641, 739864091,
};

typedef struct {
  char id[16];
  gint64 created_at;
  int user;                /* 0 is the user, 1.. the others */
  gboolean mentions_me;
} SimMessage;

typedef struct {
  char cid[32];
  gboolean alive;          /* exists, with the user as a member */
  guint member_count;      /* 2: a direct conversation */
  GArray *messages;        /* of SimMessage, oldest first */
  gint64 last_message_at;
  gint64 last_read;        /* the user's */
  guint unread;            /* the user's */
  gboolean attention;      /* an unread message mentions the user, or it is direct */
  gboolean muted;          /* by the user */
} SimChannel;

/* One step of a resync, as the connection runs it: pages, then GET /unread. */
typedef enum {
  REQUEST_NONE,            /* no resync running */
  REQUEST_SENT,            /* the server has not computed the answer yet */
  REQUEST_ANSWERED,        /* the answer is on its way */
} RequestState;

typedef struct {
  GRand *rand;
  StraySession *session;
  SimChannel channels[MAX_CHANNELS];
  guint n_channels;
  gint64 clock;            /* the server's, in µs */
  guint next_message;
  gboolean connected;
  GQueue socket;           /* frames (char *) on their way to the client */
  /* The resync since the last handshake. */
  gboolean sync_running;
  gboolean sync_done;      /* the last handshake's resync completed */
  guint page_after;        /* channels are paged by creation, from this index */
  guint page_start;        /* where the page on its way started, to ask it again */
  gboolean no_failures;    /* the last resync, once the server is quiet */
  gboolean unread_step;    /* pages done, GET /unread next */
  RequestState request;
  char *answer;            /* the computed answer, JSON */
  /* The channels GET /unread named that the model did not know, fetched after the resync. */
  char **fetch_cids;
  RequestState fetch;
  char *fetch_answer;
  gboolean answer_fails;
  GString *log;            /* what happened, for a failing seed */
} Sim;

static void sim_log (Sim        *sim,
                     const char *format,
                     ...) G_GNUC_PRINTF (2, 3);

/* Writes down what happened, when asked to: only to replay a failing schedule (the same seed
 * makes the same schedule), as it costs a third of the run. */
static void
sim_log (Sim        *sim,
         const char *format,
         ...)
{
  va_list args;

  if (sim->log == NULL)
    return;
  va_start (args, format);
  g_string_append_vprintf (sim->log, format, args);
  va_end (args);
}

static gint64
tick (Sim *sim)
{
  sim->clock += g_rand_int_range (sim->rand, 1, 2000);
  return sim->clock;
}

/* An RFC 3339 time of the server's clock: a day's worth of µs is plenty. */
static char *
format_time (gint64 us)
{
  gint64 seconds = us / G_USEC_PER_SEC;

  return g_strdup_printf ("2026-01-01T%02d:%02d:%02d.%06dZ", (int) (seconds / 3600),
                          (int) (seconds / 60 % 60), (int) (seconds % 60),
                          (int) (us % G_USEC_PER_SEC));
}

static const char *
user_id (int user)
{
  static const char *const ids[] = { ME, "u1", "u2", "u3" };

  return ids[user];
}

static void
user_totals (Sim  *sim,
             guint *total,
             guint *channels)
{
  *total = *channels = 0;
  for (guint i = 0; i < sim->n_channels; i++)
    if (sim->channels[i].alive)
      {
        *total += sim->channels[i].unread;
        *channels += sim->channels[i].unread > 0;
      }
}

/* Sends @frame_body (a JSON object's members, without braces) to the user's socket, with
 * the user's totals as Stream adds them to each event. */
static void
send_event (Sim        *sim,
            const char *frame_body)
{
  guint total, unread_channels;

  if (!sim->connected)
    return;
  user_totals (sim, &total, &unread_channels);
  g_queue_push_tail (&sim->socket,
                     g_strdup_printf ("{%s,\"total_unread_count\":%u,\"unread_channels\":%u}",
                                      frame_body, total, unread_channels));
}

static void
channel_json (GString    *out,
              SimChannel *channel)
{
  g_autofree char *last_message_at = format_time (channel->last_message_at);
  const char *id = strchr (channel->cid, ':') + 1;

  g_string_append_printf (out, "{\"cid\":\"%s\",\"id\":\"%s\",\"type\":\"messaging\","
                          "\"member_count\":%u,\"own_capabilities\":[\"read-events\"]",
                          channel->cid, id, channel->member_count);
  if (channel->last_message_at > 0)
    g_string_append_printf (out, ",\"last_message_at\":\"%s\"", last_message_at);
  g_string_append_c (out, '}');
}

static void
message_json (GString    *out,
              SimMessage *message)
{
  g_autofree char *created_at = format_time (message->created_at);

  g_string_append_printf (out, "{\"id\":\"%s\",\"text\":\"text\",\"type\":\"regular\","
                          "\"created_at\":\"%s\",\"user\":{\"id\":\"%s\"},"
                          "\"mentioned_users\":[%s]}",
                          message->id, created_at, user_id (message->user),
                          message->mentions_me ? "{\"id\":\"" ME "\"}" : "");
}

/* ---- what happens on the server ---- */

static void post_message (Sim        *sim,
                          SimChannel *channel,
                          int         user);

static void
create_channel (Sim *sim)
{
  SimChannel *channel = &sim->channels[sim->n_channels];
  g_autoptr(GString) frame = g_string_new (NULL);
  g_autofree char *at = format_time (tick (sim));

  g_snprintf (channel->cid, sizeof channel->cid, "messaging:c%u", sim->n_channels);
  channel->alive = TRUE;
  channel->member_count = g_rand_boolean (sim->rand) ? 2 : 4;
  channel->messages = g_array_new (FALSE, FALSE, sizeof (SimMessage));
  channel->last_read = sim->clock;
  sim->n_channels++;

  g_string_append_printf (frame, "\"type\":\"notification.added_to_channel\",\"cid\":\"%s\","
                          "\"created_at\":\"%s\",\"member\":{\"user_id\":\"" ME "\"},\"channel\":",
                          channel->cid, at);
  channel_json (frame, channel);
  send_event (sim, frame->str);
  sim_log (sim, " create %s/%u", channel->cid, channel->member_count);
  /* Often a channel is made to say something at once. */
  if (g_rand_boolean (sim->rand))
    post_message (sim, channel, g_rand_int_range (sim->rand, 1, OTHER_USERS + 1));
}

static SimChannel *
pick_channel (Sim *sim)
{
  if (sim->n_channels == 0)
    return NULL;
  for (guint tries = 0; tries < 4; tries++)
    {
      SimChannel *channel = &sim->channels[g_rand_int_range (sim->rand, 0, sim->n_channels)];

      if (channel->alive)
        return channel;
    }
  return NULL;
}

static guint
messages_since_read (SimChannel *channel)
{
  guint count = 0;

  for (guint i = channel->messages->len; i > 0; i--)
    {
      if (g_array_index (channel->messages, SimMessage, i - 1).created_at <= channel->last_read)
        break;
      count++;
    }
  return count;
}

static void
post_message (Sim        *sim,
              SimChannel *channel,
              int         user)
{
  SimMessage message = { .user = user };
  g_autoptr(GString) frame = g_string_new (NULL);
  g_autofree char *at = NULL;

  /* Keep every message after the user's last read in the state's list, where mentions can be
   * read from. */
  if (messages_since_read (channel) >= MESSAGE_LIMIT)
    return;
  message.created_at = tick (sim);
  g_snprintf (message.id, sizeof message.id, "m%u", sim->next_message++);
  message.mentions_me = user != 0 && g_rand_int_range (sim->rand, 0, 4) == 0;
  g_array_append_val (channel->messages, message);
  channel->last_message_at = message.created_at;
  if (user != 0 && !channel->muted)
    {
      channel->unread++;
      if (message.mentions_me || channel->member_count == 2)
        channel->attention = TRUE;
    }

  at = format_time (message.created_at);
  g_string_append_printf (frame, "\"type\":\"message.new\",\"cid\":\"%s\",\"created_at\":\"%s\","
                          "\"user\":{\"id\":\"%s\"},\"channel_member_count\":%u,\"message\":",
                          channel->cid, at, user_id (user), channel->member_count);
  message_json (frame, &message);
  send_event (sim, frame->str);
  sim_log (sim, " msg %s/%s%s", channel->cid, user_id (user),
                          message.mentions_me ? "@" : "");
}

/* A channel event of the server's moment @at_us (with the counts after it), from the user
 * when @from_me. */
static void
send_channel_event (Sim        *sim,
                    const char *type,
                    SimChannel *channel,
                    gint64      at_us,
                    gboolean    from_me)
{
  g_autofree char *at = format_time (at_us);
  g_autofree char *frame = g_strdup_printf ("\"type\":\"%s\",\"cid\":\"%s\","
                                            "\"created_at\":\"%s\"%s", type, channel->cid, at,
                                            from_me ? ",\"user\":{\"id\":\"" ME "\"}" : "");

  send_event (sim, frame);
  sim_log (sim, " %s %s", type, channel->cid);
}

/* The user reads the channel on another device. */
static void
read_channel (Sim        *sim,
              SimChannel *channel)
{
  channel->last_read = tick (sim);
  channel->unread = 0;
  channel->attention = FALSE;
  send_channel_event (sim, "message.read", channel, channel->last_read, TRUE);
}

static void
delete_channel (Sim        *sim,
                SimChannel *channel)
{
  gint64 at = tick (sim);

  channel->alive = FALSE;
  channel->unread = 0;
  channel->attention = FALSE;
  send_channel_event (sim, "channel.deleted", channel, at, FALSE);
}

static void
toggle_mute (Sim        *sim,
             SimChannel *channel)
{
  gint64 at = tick (sim);

  channel->muted = !channel->muted;
  send_channel_event (sim, channel->muted ? "channel.muted" : "channel.unmuted", channel, at,
                      TRUE);
}

static void
server_step (Sim *sim)
{
  SimChannel *channel;
  int what = g_rand_int_range (sim->rand, 0, 20);

  if (what == 0 || sim->n_channels < 3)
    {
      if (sim->n_channels < MAX_CHANNELS)
        create_channel (sim);
      return;
    }
  if ((channel = pick_channel (sim)) == NULL)
    return;
  if (what < 12)
    post_message (sim, channel, g_rand_int_range (sim->rand, 1, OTHER_USERS + 1));
  else if (what < 14)
    post_message (sim, channel, 0);
  else if (what < 18)
    read_channel (sim, channel);
  else if (what < 19)
    {
      /* Only with no message after the user's last read: a channel state does not say which
       * of those the server counted (the ones while muted it did not), nor when the mute
       * changed, so a toggle among them would make the attention after a gap unknowable
       * (stray-session-sync.c, state_attention()). */
      if (channel->last_message_at <= channel->last_read)
        toggle_mute (sim, channel);
    }
  else
    delete_channel (sim, channel);
}

/* ---- the resync's answers, computed when the server handles the request ---- */

/* How many fetches of unknown channels the schedules made, to tell that they are exercised. */
static guint n_fetches;

/* One channel's state as queryChannels answers it. */
static void
channel_state_json (GString    *out,
                    SimChannel *channel)
{
  g_autofree char *last_read = format_time (channel->last_read);
  guint first;

  g_string_append (out, "{\"channel\":");
  channel_json (out, channel);
  g_string_append (out, ",\"members\":[{\"user_id\":\"" ME "\",\"user\":{\"id\":\"" ME "\"}}]");
  g_string_append (out, ",\"messages\":[");
  /* The newest messages: those after the user's last read and the one before them (the
   * model reads no further back; a real answer lists up to message_limit). */
  first = channel->messages->len - MIN (channel->messages->len,
                                        messages_since_read (channel) + 1);
  for (guint m = first; m < channel->messages->len; m++)
    {
      if (m > first)
        g_string_append_c (out, ',');
      message_json (out, &g_array_index (channel->messages, SimMessage, m));
    }
  g_string_append_printf (out, "],\"read\":[{\"user\":{\"id\":\"" ME "\"},\"last_read\":\"%s\","
                          "\"unread_messages\":%u}]}", last_read, channel->unread);
}

static char *
channels_page_answer (Sim *sim)
{
  GString *out = g_string_new ("{\"channels\":[");
  guint listed = 0;

  for (guint i = sim->page_after; i < sim->n_channels && listed < PAGE_SIZE; i++)
    {
      SimChannel *channel = &sim->channels[i];

      if (!channel->alive)
        continue;
      if (listed++ > 0)
        g_string_append_c (out, ',');
      channel_state_json (out, channel);
      sim->page_after = i + 1;
    }
  g_string_append (out, "]}");
  /* A short page is the last one. */
  if (listed < PAGE_SIZE)
    sim->page_after = G_MAXUINT;
  return g_string_free (out, FALSE);
}

static char *
unread_answer (Sim *sim)
{
  GString *out = g_string_new (NULL);
  guint total, unread_channels, listed = 0;

  user_totals (sim, &total, &unread_channels);
  g_string_append_printf (out, "{\"total_unread_count\":%u,\"total_unread_threads_count\":0,"
                          "\"channels\":[", total);
  for (guint i = 0; i < sim->n_channels; i++)
    {
      SimChannel *channel = &sim->channels[i];
      g_autofree char *last_read = format_time (channel->last_read);

      if (!channel->alive || channel->unread == 0)
        continue;
      g_string_append_printf (out, "%s{\"channel_id\":\"%s\",\"unread_count\":%u,"
                              "\"last_read\":\"%s\"}", listed++ > 0 ? "," : "",
                              channel->cid, channel->unread, last_read);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

/* ---- the client side ---- */

static void
deliver_frame (Sim *sim)
{
  g_autofree char *frame = g_queue_pop_head (&sim->socket);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);

  g_assert_no_error (error);
  stray_session_apply (sim->session, event);
  sim_log (sim, " <%s", event->type_name);
}

static void
cancel_fetch (Sim *sim)
{
  if (sim->fetch == REQUEST_NONE)
    return;
  sim->fetch = REQUEST_NONE;
  g_clear_pointer (&sim->fetch_cids, g_strfreev);
  g_clear_pointer (&sim->fetch_answer, g_free);
  stray_session_end_fetch (sim->session);
}

static void
cancel_resync (Sim *sim)
{
  sim->sync_running = FALSE;
  sim->request = REQUEST_NONE;
  g_clear_pointer (&sim->answer, g_free);
}

/* After a resync, the connection asks for the channels the model does not know. */
static void
start_fetch (Sim *sim)
{
  g_auto(GStrv) unknown = stray_session_dup_unknown_cids (sim->session);

  if (unknown[0] == NULL || sim->fetch != REQUEST_NONE)
    return;
  stray_session_begin_fetch (sim->session);
  sim->fetch_cids = g_steal_pointer (&unknown);
  sim->fetch = REQUEST_SENT;
  sim_log (sim, "%s", " fetch-sent");
}

/* The fetched channels as queryChannels with a cid filter answers: those the user is in. */
static void
compute_fetch (Sim *sim)
{
  GString *out = g_string_new ("{\"channels\":[");
  guint listed = 0;

  for (guint i = 0; i < sim->n_channels; i++)
    {
      SimChannel *channel = &sim->channels[i];

      if (!channel->alive || !g_strv_contains ((const char * const *) sim->fetch_cids,
                                               channel->cid))
        continue;
      if (listed++ > 0)
        g_string_append_c (out, ',');
      channel_state_json (out, channel);
    }
  g_string_append (out, "]}");
  sim->fetch_answer = g_string_free (out, FALSE);
  sim->fetch = REQUEST_ANSWERED;
  sim_log (sim, "%s", " fetch-computed");
}

static void
deliver_fetch (Sim *sim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = stray_rest_parse (sim->fetch_answer, strlen (sim->fetch_answer),
                                               &error);
  g_autoptr(StrayRestChannelsPage) page = NULL;

  g_assert_no_error (error);
  page = stray_rest_channels_page_decode (root, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < page->n_channels; i++)
    stray_session_sync_channel (sim->session, &page->channels[i]);
  sim_log (sim, "%s", " fetch-delivered");
  n_fetches++;
  cancel_fetch (sim);
}

static void
drop_socket (Sim *sim)
{
  sim->connected = FALSE;
  g_queue_clear_full (&sim->socket, g_free);
  cancel_resync (sim);
  cancel_fetch (sim);
  sim_log (sim, "%s", " drop");
}

/* The handshake, then the resync the connection starts right after it. */
static void
reconnect (Sim *sim)
{
  g_autoptr(GString) mutes = g_string_new (NULL);
  g_autofree char *frame = NULL;
  g_autofree char *at = format_time (tick (sim));
  guint total, unread_channels;

  drop_socket (sim);
  sim->connected = TRUE;
  for (guint i = 0; i < sim->n_channels; i++)
    if (sim->channels[i].alive && sim->channels[i].muted)
      g_string_append_printf (mutes, "%s{\"channel\":{\"cid\":\"%s\"}}", mutes->len > 0 ? "," : "",
                              sim->channels[i].cid);
  user_totals (sim, &total, &unread_channels);
  frame = g_strdup_printf ("{\"type\":\"health.check\",\"cid\":\"*\",\"connection_id\":\"c\","
                           "\"created_at\":\"%s\",\"me\":{\"id\":\"" ME "\",\"name\":\"Me\","
                           "\"total_unread_count\":%u,\"unread_channels\":%u,\"unread_threads\":0,"
                           "\"mutes\":[],\"channel_mutes\":[%s]}}",
                           at, total, unread_channels, mutes->str);
  g_queue_push_tail (&sim->socket, g_steal_pointer (&frame));
  /* The connection applies the handshake and starts the resync at once. */
  deliver_frame (sim);
  stray_session_begin_sync (sim->session);
  sim->sync_running = TRUE;
  sim->sync_done = FALSE;
  sim->page_after = 0;
  sim->unread_step = FALSE;
  sim->request = REQUEST_SENT;
  sim_log (sim, "%s", " reconnect");
}

/* The server handles the pending request: the answer describes this moment. */
static void
compute_answer (Sim *sim)
{
  sim->answer_fails = !sim->no_failures && g_rand_int_range (sim->rand, 0, 12) == 0;
  sim->page_start = sim->page_after;
  sim->answer = sim->unread_step ? unread_answer (sim) : channels_page_answer (sim);
  sim->request = REQUEST_ANSWERED;
  sim_log (sim, "%s", sim->unread_step ? " unread-computed" : " page-computed");
}

static void
deliver_answer (Sim *sim)
{
  g_autofree char *answer = g_steal_pointer (&sim->answer);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (sim->answer_fails)
    {
      /* A failed step: the connection tries it again (the server computes it anew), or
       * gives up until the next handshake. */
      sim_log (sim, "%s", " answer-failed");
      if (g_rand_boolean (sim->rand))
        {
          sim->page_after = sim->page_start;
          sim->request = REQUEST_SENT;
          return;
        }
      cancel_resync (sim);
      return;
    }

  root = stray_rest_parse (answer, strlen (answer), &error);
  g_assert_no_error (error);
  if (sim->unread_step)
    {
      g_autoptr(StrayRestUnread) unread = stray_rest_unread_decode (root, &error);

      g_assert_no_error (error);
      stray_session_end_sync (sim->session, unread);
      cancel_resync (sim);
      sim->sync_done = TRUE;
      start_fetch (sim);
      sim_log (sim, "%s", " unread-delivered");
      return;
    }
  else
    {
      g_autoptr(StrayRestChannelsPage) page = stray_rest_channels_page_decode (root, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->n_channels; i++)
        stray_session_sync_channel (sim->session, &page->channels[i]);
      if (sim->page_after == G_MAXUINT)
        sim->unread_step = TRUE;
      sim->request = REQUEST_SENT;
      sim_log (sim, "%s", " page-delivered");
    }
}

static void
client_step (Sim *sim)
{
  if (sim->fetch != REQUEST_NONE && (sim->request == REQUEST_NONE || g_rand_boolean (sim->rand)))
    {
      if (sim->fetch == REQUEST_SENT)
        compute_fetch (sim);
      else
        deliver_fetch (sim);
    }
  else if (sim->request == REQUEST_SENT)
    compute_answer (sim);
  else if (sim->request == REQUEST_ANSWERED)
    deliver_answer (sim);
}

static gboolean
check_truth (Sim     *sim,
             GString *mismatch)
{
  StrayChannelList *list = stray_session_get_channels (sim->session);
  g_auto(GStrv) unknown = stray_session_dup_unknown_cids (sim->session);
  guint total, unread_channels, alive = 0;

  user_totals (sim, &total, &unread_channels);
  for (guint i = 0; i < sim->n_channels; i++)
    {
      SimChannel *channel = &sim->channels[i];
      StrayChannel *model = stray_channel_list_lookup (list, channel->cid);

      if (!channel->alive)
        {
          if (model != NULL)
            g_string_append_printf (mismatch, " %s: deleted but listed;", channel->cid);
          continue;
        }
      alive++;
      if (model == NULL)
        {
          g_string_append_printf (mismatch, " %s: missing;", channel->cid);
          continue;
        }
      if (stray_channel_get_unread_count (model) != channel->unread)
        g_string_append_printf (mismatch, " %s: unread %u, truth %u;", channel->cid,
                                stray_channel_get_unread_count (model), channel->unread);
      if (stray_channel_get_attention (model) != channel->attention)
        g_string_append_printf (mismatch, " %s: attention %d, truth %d;", channel->cid,
                                stray_channel_get_attention (model), channel->attention);
    }
  if (g_strv_length (unknown) > 0)
    g_string_append_printf (mismatch, " %s still unknown;", unknown[0]);
  if (g_list_model_get_n_items (G_LIST_MODEL (list)) != alive)
    g_string_append_printf (mismatch, " %u channels, truth %u;",
                            g_list_model_get_n_items (G_LIST_MODEL (list)), alive);
  if (stray_session_get_total_unread_count (sim->session) != total)
    g_string_append_printf (mismatch, " total %u, truth %u;",
                            stray_session_get_total_unread_count (sim->session), total);
  if (stray_session_get_unread_channels (sim->session) != unread_channels)
    g_string_append_printf (mismatch, " unread channels %u, truth %u;",
                            stray_session_get_unread_channels (sim->session), unread_channels);
  return mismatch->len == 0;
}

/* Runs one schedule, writing down what happens in @log if given; returns what differs from
 * the truth, or NULL. */
static char *
run_schedule (guint32  seed,
              GString *log)
{
  Sim sim = { 0 };
  guint steps;
  g_autoptr(GString) mismatch = g_string_new (NULL);
  char *result = NULL;

  sim.rand = g_rand_new_with_seed (seed);
  sim.session = stray_session_new ();
  sim.clock = (gint64) 8 * 3600 * G_USEC_PER_SEC;
  sim.log = log;
  g_queue_init (&sim.socket);

  /* What the server had before the user's first connection: channels with history. */
  for (guint i = g_rand_int_range (sim.rand, 0, 12); i > 0; i--)
    server_step (&sim);
  reconnect (&sim);
  steps = g_rand_int_range (sim.rand, 8, 34);
  for (guint i = 0; i < steps; i++)
    {
      int what = g_rand_int_range (sim.rand, 0, 100);

      if (what < 40)
        server_step (&sim);
      else if (what < 65)
        {
          if (!g_queue_is_empty (&sim.socket))
            deliver_frame (&sim);
        }
      else if (what < 92)
        client_step (&sim);
      else if (what < 95)
        drop_socket (&sim);
      else
        reconnect (&sim);
    }

  /* Quiescence: the server is quiet; what is in flight arrives, in any order. */
  if (!sim.connected)
    reconnect (&sim);
  while (!g_queue_is_empty (&sim.socket) || sim.sync_running || sim.fetch != REQUEST_NONE)
    {
      if (!g_queue_is_empty (&sim.socket) &&
          ((!sim.sync_running && sim.fetch == REQUEST_NONE) || g_rand_boolean (sim.rand)))
        deliver_frame (&sim);
      else
        client_step (&sim);
    }
  /* A resync given up on is done again (by the next handshake, or its retry). */
  if (!sim.sync_done)
    {
      sim.no_failures = TRUE;
      reconnect (&sim);
      while (sim.sync_running || sim.fetch != REQUEST_NONE)
        client_step (&sim);
    }

  if (!check_truth (&sim, mismatch))
    result = g_string_free (g_steal_pointer (&mismatch), FALSE);

  g_queue_clear_full (&sim.socket, g_free);
  g_free (sim.answer);
  cancel_fetch (&sim);
  for (guint i = 0; i < sim.n_channels; i++)
    g_array_unref (sim.channels[i].messages);
  g_assert_finalize_object (sim.session);
  g_rand_free (sim.rand);
  return result;
}

/* Runs a schedule again, written down this time, and says how to replay it. */
static void
report_failure (guint32     seed,
                const char *mismatch)
{
  g_autoptr(GString) log = g_string_new (NULL);
  g_autofree char *again = run_schedule (seed, log);

  g_test_message ("seed %" G_GUINT32_FORMAT " differs from the truth:%s", seed, mismatch);
  g_test_message ("  schedule:%s", log->str);
  g_test_message ("replay: STRAY_TEST_SEED=%" G_GUINT32_FORMAT
                  " meson test -C _build --verbose model-random", seed);
  g_test_fail ();
}

static void
test_random_schedules (void)
{
  const char *replay = g_getenv ("STRAY_TEST_SEED");
  guint32 first = (guint32) g_test_rand_int ();
  guint failures = 0;

  if (replay != NULL)
    {
      guint32 seed = (guint32) g_ascii_strtoull (replay, NULL, 10);
      g_autoptr(GString) log = g_string_new (NULL);
      g_autofree char *mismatch = run_schedule (seed, log);

      if (mismatch != NULL)
        report_failure (seed, mismatch);
      else
        g_test_message ("seed %" G_GUINT32_FORMAT " matches the truth; schedule:%s", seed,
                        log->str);
      return;
    }
  for (guint i = 0; i < N_SCHEDULES && failures < 5; i++)
    {
      guint32 seed = first + i;
      g_autofree char *mismatch = run_schedule (seed, NULL);

      if (mismatch != NULL)
        {
          report_failure (seed, mismatch);
          failures++;
        }
    }
  g_test_message ("%u schedules from seed %" G_GUINT32_FORMAT "; %u fetches of unknown channels",
                  N_SCHEDULES, first, n_fetches);
}

static void
test_regression_seeds (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (regression_seeds); i++)
    {
      g_autofree char *mismatch = run_schedule (regression_seeds[i], NULL);

      if (mismatch != NULL)
        report_failure (regression_seeds[i], mismatch);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/model-random/regressions", test_regression_seeds);
  g_test_add_func ("/stray/model-random/schedules", test_random_schedules);

  return g_test_run ();
}
