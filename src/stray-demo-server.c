/* stray-demo-server.c: the demo's server, stream-tray-devserver as a child process
 *
 * The daemon does not contain the local server: --demo starts `stream-tray-devserver --listen
 * 127.0.0.1:0 --scenario demo`, reads its "ready URL" line, and connects to it as the demo's
 * user with a development token (the server is told to accept them, so that the daemon signs
 * nothing). The child is asked to stop when this object goes, and the kernel stops it if the
 * daemon dies first (PR_SET_PDEATHSIG), so that no server outlives its demo.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "stray-demo-server.h"
#include "stray-environment.h"

/* How long the server may take to say it listens. */
#define READY_TIMEOUT_SECONDS 15

struct _StrayDemoServer
{
  GObject parent_instance;

  GSubprocess *process;
  char *base_url;
};

G_DEFINE_FINAL_TYPE (StrayDemoServer, stray_demo_server, G_TYPE_OBJECT)

typedef struct {
  StrayDemoServer *server;
  GDataInputStream *output;
  GCancellable *cancellable; /* the read's, cancelled by the caller's or the timeout */
  GCancellable *callers_cancellable;
  gulong cancelled_id;
  GSource *timeout;
  gboolean timed_out;
} Start;

static void
cancel_read (G_GNUC_UNUSED GCancellable *callers_cancellable,
             GCancellable               *read_cancellable)
{
  g_cancellable_cancel (read_cancellable);
}

static void
start_free (Start *start)
{
  if (start->timeout != NULL)
    {
      g_source_destroy (start->timeout);
      g_source_unref (start->timeout);
    }
  g_clear_object (&start->output);
  if (start->callers_cancellable != NULL)
    g_cancellable_disconnect (start->callers_cancellable, start->cancelled_id);
  g_clear_object (&start->callers_cancellable);
  g_clear_object (&start->cancellable);
  g_clear_object (&start->server);
  g_free (start);
}

static pid_t daemon_pid;

/* In the child, between fork and exec: stop when the daemon dies, however it dies. */
static void
stop_with_parent (G_GNUC_UNUSED gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
  /* The daemon may have died before prctl: then this process was adopted already. */
  if (getppid () != daemon_pid)
    _exit (1);
}

/**
 * stray_demo_server_find_executable:
 *
 * Returns: (transfer full): stream-tray-devserver of the build tree the daemon runs from, or
 *   the one installed beside the daemon (wherever the tree was installed or copied to)
 */
char *
stray_demo_server_find_executable (void)
{
  g_autofree char *build_dir = stray_environment_get_build_dir ();
  g_autofree char *self = NULL;
  g_autofree char *directory = NULL;

  if (build_dir != NULL)
    return g_build_filename (build_dir, "src", "devserver", "stream-tray-devserver", NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);
  directory = self != NULL ? g_path_get_dirname (self) : g_strdup (STRAY_BINDIR);
  return g_build_filename (directory, "stream-tray-devserver", NULL);
}

static void
on_ready_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Start *start = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (line == NULL)
    {
      if (start->timed_out)
        g_clear_error (&error);
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     start->timed_out ? "stream-tray-devserver did not say it was ready"
                                      : "stream-tray-devserver stopped before it was ready");
      g_subprocess_force_exit (start->server->process);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!g_str_has_prefix (line, "ready http://"))
    {
      g_subprocess_force_exit (start->server->process);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "stream-tray-devserver said “%s” instead of “ready URL”", line);
      return;
    }
  start->server->base_url = g_strdup (line + strlen ("ready "));
  g_task_return_pointer (task, g_object_ref (start->server), g_object_unref);
}

static gboolean
on_ready_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Start *start = g_task_get_task_data (task);

  g_clear_pointer (&start->timeout, g_source_unref);
  start->timed_out = TRUE;
  g_cancellable_cancel (start->cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * stray_demo_server_start_async:
 * @executable: stream-tray-devserver's path
 *
 * Starts the demo's server and finishes once it listens.
 */
void
stray_demo_server_start_async (const char          *executable,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = g_uuid_string_random ();
  Start *start;

  g_return_if_fail (executable != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_demo_server_start_async);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* A secret of the moment, in the environment rather than on the command line: nobody
   * else on the machine can make server tokens for this demo. */
  g_subprocess_launcher_setenv (launcher, "STREAM_TRAY_DEVSERVER_SECRET", secret, TRUE);
  /* Its request log stays quiet unless the user asked for debug output. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", FALSE);
  daemon_pid = getpid ();
  g_subprocess_launcher_set_child_setup (launcher, stop_with_parent, NULL, NULL);

  start = g_new0 (Start, 1);
  start->server = g_object_new (STRAY_TYPE_DEMO_SERVER, NULL);
  start->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      start->callers_cancellable = g_object_ref (cancellable);
      start->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_read),
                                                   start->cancellable, NULL);
    }
  g_task_set_task_data (task, start, (GDestroyNotify) start_free);
  start->server->process = g_subprocess_launcher_spawn (launcher, &error, executable,
                                                        "--listen", "127.0.0.1:0",
                                                        "--scenario", "demo",
                                                        "--api-key", STRAY_DEMO_SERVER_API_KEY,
                                                        "--allow-dev-tokens", NULL);
  if (start->server->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  start->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (start->server->process));
  start->timeout = g_timeout_source_new_seconds (READY_TIMEOUT_SECONDS);
  g_source_set_callback (start->timeout, on_ready_timeout, task, NULL);
  g_source_attach (start->timeout, g_main_context_get_thread_default ());
  g_data_input_stream_read_line_async (start->output, G_PRIORITY_DEFAULT, start->cancellable,
                                       on_ready_line, g_object_ref (task));
}

/* Returns: (transfer full): the running server, or %NULL with @error set */
StrayDemoServer *
stray_demo_server_start_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* e.g. "http://127.0.0.1:40213" */
const char *
stray_demo_server_get_base_url (StrayDemoServer *self)
{
  g_return_val_if_fail (STRAY_IS_DEMO_SERVER (self), NULL);
  return self->base_url;
}

/* The child process, to watch for its end. */
GSubprocess *
stray_demo_server_get_process (StrayDemoServer *self)
{
  g_return_val_if_fail (STRAY_IS_DEMO_SERVER (self), NULL);
  return self->process;
}

static void
stray_demo_server_dispose (GObject *object)
{
  StrayDemoServer *self = STRAY_DEMO_SERVER (object);

  if (self->process != NULL)
    g_subprocess_send_signal (self->process, SIGTERM);
  g_clear_object (&self->process);

  G_OBJECT_CLASS (stray_demo_server_parent_class)->dispose (object);
}

static void
stray_demo_server_finalize (GObject *object)
{
  StrayDemoServer *self = STRAY_DEMO_SERVER (object);

  g_free (self->base_url);

  G_OBJECT_CLASS (stray_demo_server_parent_class)->finalize (object);
}

static void
stray_demo_server_class_init (StrayDemoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_demo_server_dispose;
  object_class->finalize = stray_demo_server_finalize;
}

static void
stray_demo_server_init (G_GNUC_UNUSED StrayDemoServer *self)
{
}
