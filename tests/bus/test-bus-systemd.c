/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd executor against a mocked systemd: the real sluiced on the bus
 * of a GtDBusQueue that owns org.freedesktop.systemd1.  Every call sluiced
 * makes to "systemd" is popped here in order, checked, and answered as the
 * case needs; the signals (JobRemoved, PropertiesChanged) come from the
 * connection that owns the name, as systemd's do.
 *
 * Only what a real systemd will not do on demand (the system tests cover
 * the rest): a refused StartTransientUnit, a start job that fails, a unit
 * vanishing between signals, systemd leaving the bus and coming back, stops
 * that report Result=success, a re-attached unit whose class is gone.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <libglib-testing/dbus-queue.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

#define SD_NAME "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"
#define SD_JOB_PREFIX "/org/freedesktop/systemd1/job/"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define CLD_EXITED_ 1
#define CLD_KILLED_ 2

/* A failure guard only, no assertion depends on it. */
#define DEADLINE_USEC (90 * G_USEC_PER_SEC)

#define INVOCATION_HEX "0123456789abcdef0011223344556677"

static const char systemd_xml[] =
        "<node>"
        "  <interface name='" SD_MANAGER "'>"
        "    <method name='Subscribe'/>"
        "    <method name='StartTransientUnit'>"
        "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
        "      <arg type='a(sv)' direction='in'/><arg type='a(sa(sv))' direction='in'/>"
        "      <arg type='o' direction='out'/>"
        "    </method>"
        "    <method name='StopUnit'>"
        "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='o' direction='out'/>"
        "    </method>"
        "    <method name='RefUnit'><arg type='s' direction='in'/></method>"
        "    <method name='UnrefUnit'><arg type='s' direction='in'/></method>"
        "    <method name='GetUnit'><arg type='s' direction='in'/><arg type='o' direction='out'/></method>"
        "    <method name='ListUnitsByPatterns'>"
        "      <arg type='as' direction='in'/><arg type='as' direction='in'/>"
        "      <arg type='a(ssssssouso)' direction='out'/>"
        "    </method>"
        "    <signal name='JobRemoved'>"
        "      <arg type='u'/><arg type='o'/><arg type='s'/><arg type='s'/>"
        "    </signal>"
        "  </interface>"
        /* GDBus hands Properties.GetAll to the queue only for interfaces with
         * readable properties and no get_property(). */
        "  <interface name='" SD_UNIT "'>"
        "    <property name='ActiveState' type='s' access='read'/>"
        "  </interface>"
        "  <interface name='" SD_SERVICE "'>"
        "    <property name='Result' type='s' access='read'/>"
        "  </interface>"
        "</node>";

static const char config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class gc]\n"
        "Kind=command\n"
        "ExecStart=/usr/bin/gc-tool --store %{store} --mode=full\n"
        "Parameter.store=[^/]+\n"
        "Sandbox=basic\n"
        "\n"
        "[Class one]\n"
        "Kind=command\n"
        "ExecStart=/usr/bin/gc-tool --one\n"
        "MaxRunning=1\n";

typedef struct Fixture {
        GtDBusQueue *queue;
        GDBusNodeInfo *node;
        BusHarness h;                   /* conn/address only: the bus is the queue's */
        GMainContext *server_context;   /* the mock's thread's context (atomic until set) */
        GDBusConnection *sd_conn;       /* the mock's connection: owns SD_NAME, sends the signals */
        guint name_id;
        GArray *exports;                /* guint export ids */
        guint32 next_job;               /* systemd job ids the mock hands out */
} Fixture;

/* ---- the mock ---- */

/* sd_bus_path_encode(): every byte but [A-Za-z0-9] (and a leading digit) as _xx. */
static char *unit_path(const char *unit) {
        GString *s = g_string_new("/org/freedesktop/systemd1/unit/");

        for (const char *p = unit; *p; p++) {
                if (g_ascii_isalpha(*p) || (g_ascii_isdigit(*p) && p != unit))
                        g_string_append_c(s, *p);
                else
                        g_string_append_printf(s, "_%02x", (unsigned char) *p);
        }
        return g_string_free(s, FALSE);
}

static char *job_path(guint32 id) {
        return g_strdup_printf(SD_JOB_PREFIX "%u", id);
}

/* systemd knows a unit: its object answers GetAll. */
static void export_unit(Fixture *f, const char *unit) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = unit_path(unit);
        guint id;

        id = gt_dbus_queue_export_object(f->queue, path, f->node->interfaces[1], &error);
        g_assert_no_error(error);
        g_array_append_val(f->exports, id);
        id = gt_dbus_queue_export_object(f->queue, path, f->node->interfaces[2], &error);
        g_assert_no_error(error);
        g_array_append_val(f->exports, id);
}

/* Iterate the main context until a message waits in the mock or *done. */
static void wait_for_message_or(Fixture *f, const gboolean *done, const char *what) {
        gint64 deadline = g_get_monotonic_time() + DEADLINE_USEC;

        for (;;) {
                bus_harness_flush();
                if (gt_dbus_queue_get_n_messages(f->queue) > 0 || (done && *done))
                        return;
                if (g_get_monotonic_time() > deadline)
                        g_error("gave up waiting for %s", what);
                g_main_context_iteration(NULL, FALSE);
                g_usleep(1000);   /* the mock runs in its own thread: nothing to wake us */
        }
}

/* The next call sluiced made to systemd: it must be @iface.@member on @path. */
static GDBusMethodInvocation *pop_call(Fixture *f, const char *path, const char *iface, const char *member) {
        g_autofree char *what = g_strdup_printf("sluiced to call %s.%s", iface, member);
        GDBusMethodInvocation *inv = NULL;

        wait_for_message_or(f, NULL, what);
        /* A message is there, so this does not block. */
        g_assert_true(gt_dbus_queue_pop_message(f->queue, &inv));
        g_test_message("systemd got %s.%s on %s", g_dbus_method_invocation_get_interface_name(inv),
                       g_dbus_method_invocation_get_method_name(inv), g_dbus_method_invocation_get_object_path(inv));
        g_assert_cmpstr(g_dbus_method_invocation_get_interface_name(inv), ==, iface);
        g_assert_cmpstr(g_dbus_method_invocation_get_method_name(inv), ==, member);
        g_assert_cmpstr(g_dbus_method_invocation_get_object_path(inv), ==, path);
        if (!f->sd_conn)
                f->sd_conn = g_object_ref(g_dbus_method_invocation_get_connection(inv));
        return inv;
}

static GDBusMethodInvocation *pop_manager(Fixture *f, const char *member) {
        return pop_call(f, SD_PATH, SD_MANAGER, member);
}

/* A manager call whose only argument is @unit (RefUnit, UnrefUnit, GetUnit). */
static GDBusMethodInvocation *pop_unit_call(Fixture *f, const char *member, const char *unit) {
        GDBusMethodInvocation *inv = pop_manager(f, member);
        const char *name;

        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s)", &name);
        g_assert_cmpstr(name, ==, unit);
        return inv;
}

static void reply_empty(GDBusMethodInvocation *inv) {
        g_dbus_method_invocation_return_value(inv, NULL);
}

static void reply_error(GDBusMethodInvocation *inv, const char *name, const char *message) {
        g_dbus_method_invocation_return_dbus_error(inv, name, message);
}

/* Properties.GetAll(@iface) on the unit's object. */
static GDBusMethodInvocation *pop_getall(Fixture *f, const char *unit, const char *iface) {
        g_autofree char *path = unit_path(unit);
        GDBusMethodInvocation *inv = pop_call(f, path, PROPS_IFACE, "GetAll");
        const char *asked;

        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s)", &asked);
        g_assert_cmpstr(asked, ==, iface);
        return inv;
}

static GVariant *invocation_id_value(void) {
        guint8 b[16];

        for (guint i = 0; i < 16; i++)
                b[i] = (guint8) g_ascii_xdigit_value(INVOCATION_HEX[2 * i]) << 4 |
                       (guint8) g_ascii_xdigit_value(INVOCATION_HEX[2 * i + 1]);
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, b, 16, 1);
}

/* The Unit interface's properties sluiced reads. */
static GVariant *unit_props(const char *active, guint32 job_id) {
        g_autofree char *jp = job_id ? job_path(job_id) : g_strdup("/");
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "ActiveState", g_variant_new_string(active));
        g_variant_builder_add(&b, "{sv}", "LoadState", g_variant_new_string("loaded"));
        g_variant_builder_add(&b, "{sv}", "Job", g_variant_new("(uo)", job_id, jp));
        g_variant_builder_add(&b, "{sv}", "InvocationID", invocation_id_value());
        return g_variant_builder_end(&b);
}

/* The Service interface's: how the main process ended. */
static GVariant *service_props(const char *result, gint32 code, gint32 status, const char *const *extra_fields) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "Result", g_variant_new_string(result));
        g_variant_builder_add(&b, "{sv}", "ExecMainCode", g_variant_new_int32(code));
        g_variant_builder_add(&b, "{sv}", "ExecMainStatus", g_variant_new_int32(status));
        if (extra_fields) {
                GVariantBuilder a;

                g_variant_builder_init(&a, G_VARIANT_TYPE("aay"));
                for (const char *const *x = extra_fields; *x; x++)
                        g_variant_builder_add_value(&a, g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, *x,
                                                                                  strlen(*x), 1));
                g_variant_builder_add(&b, "{sv}", "LogExtraFields", g_variant_builder_end(&a));
        }
        return g_variant_builder_end(&b);
}

static void reply_props(GDBusMethodInvocation *inv, GVariant *props) {
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{sv})", props));
}

static void emit(Fixture *f, const char *path, const char *iface, const char *member, GVariant *params) {
        g_autoptr(GError) error = NULL;

        g_dbus_connection_emit_signal(f->sd_conn, NULL, path, iface, member, params, &error);
        g_assert_no_error(error);
}

/* PropertiesChanged, as systemd sends it: the Service one first, then the Unit one. */
static void emit_changed(Fixture *f, const char *unit, const char *iface, GVariant *props) {
        g_autofree char *path = unit_path(unit);

        emit(f, path, PROPS_IFACE, "PropertiesChanged", g_variant_new("(s@a{sv}as)", iface, props, NULL));
}

/*
 * One change of the unit as PID 1 sends it (seen in the container, see
 * docs/design.md, "What PID 1 emits for a transient service"): the Service
 * emission, then the Unit one, each with all its properties.
 */
static void emit_pair(Fixture *f, const char *unit, const char *active, guint32 job_id, const char *result,
                      gint32 code, gint32 status) {
        emit_changed(f, unit, SD_SERVICE, service_props(result, code, status, NULL));
        emit_changed(f, unit, SD_UNIT, unit_props(active, job_id));
}

static void emit_job_removed(Fixture *f, guint32 id, const char *unit, const char *result) {
        g_autofree char *jp = job_path(id);

        emit(f, SD_PATH, SD_MANAGER, "JobRemoved", g_variant_new("(uoss)", id, jp, unit, result));
}

/* ---- sluiced ---- */

/* The state database beside the config, never the system's; never near the real systemd. */
static void spawn_daemon(Fixture *f) {
        bus_harness_spawn_daemon(&f->h, NULL, NULL);
}

static gboolean name_gone(BusHarness *h, gconstpointer data) {
        return !bus_name_has_owner(h, data);
}

/* Runs in the mock's thread: remember its context, for teardown. */
static void capture_server_context(GtDBusQueue *queue, gpointer userdata) {
        Fixture *f = userdata;

        g_atomic_pointer_set(&f->server_context, g_main_context_ref_thread_default());
}

/* A unit a previous sluiced left running, for ListUnitsByPatterns. */
typedef struct LeftUnit {
        const char *unit;
        const char *const *extra_fields;
} LeftUnit;

/*
 * sluiced's start-up conversation with systemd: Subscribe, then the units a
 * previous sluiced left (@unit, exported already, or none), each referenced
 * and read (@service: its Service properties); then sluiced takes its name.
 */
static void answer_start_up(Fixture *f, const char *unit, GVariant *service) {
        GDBusMethodInvocation *inv;
        GVariantBuilder list;
        const char *const *modes, *const *patterns;

        /* Subscribe first, before anything can start... */
        reply_empty(pop_manager(f, "Subscribe"));
        /* ... then the units a previous sluiced left, before the name is taken. */
        inv = pop_manager(f, "ListUnitsByPatterns");
        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(^a&s^a&s)", &modes, &patterns);
        g_assert_cmpuint(g_strv_length((char **) modes), ==, 0);
        g_assert_cmpstrv(patterns, ((const char *const[]) { "sluice-job-*.service", NULL }));
        g_free((gpointer) modes);
        g_free((gpointer) patterns);
        g_variant_builder_init(&list, G_VARIANT_TYPE("a(ssssssouso)"));
        if (unit) {
                g_autofree char *path = unit_path(unit);

                g_variant_builder_add(&list, "(ssssssouso)", unit, "left over", "loaded", "active", "running", "",
                                      path, 0, "", "/");
        }
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a(ssssssouso))", g_variant_builder_end(&list)));

        if (unit) {
                /* Re-attach: reference it, read it, rebuild its job. */
                reply_empty(pop_unit_call(f, "RefUnit", unit));
                reply_props(pop_getall(f, unit, SD_UNIT), unit_props("active", 0));
                reply_props(pop_getall(f, unit, SD_SERVICE), service);
        } else
                g_variant_unref(g_variant_ref_sink(service));
        bus_harness_wait_daemon(&f->h);
        gt_dbus_queue_assert_no_messages(f->queue);
}

static void setup_with(Fixture *f, const LeftUnit *left) {
        g_autoptr(GError) error = NULL;

        f->queue = gt_dbus_queue_new();
        gt_dbus_queue_connect(f->queue, &error);
        g_assert_no_error(error);
        gt_dbus_queue_set_server_func(f->queue, capture_server_context, f);
        while (!g_atomic_pointer_get(&f->server_context))
                g_thread_yield();

        f->node = g_dbus_node_info_new_for_xml(systemd_xml, &error);
        g_assert_no_error(error);
        f->exports = g_array_new(FALSE, FALSE, sizeof(guint));
        gt_dbus_queue_export_object(f->queue, SD_PATH, f->node->interfaces[0], &error);
        g_assert_no_error(error);
        f->name_id = gt_dbus_queue_own_name(f->queue, SD_NAME);
        f->next_job = 100;

        f->h.address = g_strdup(g_getenv("DBUS_SESSION_BUS_ADDRESS"));
        g_assert_nonnull(f->h.address);
        f->h.conn = g_object_ref(gt_dbus_queue_get_client_connection(f->queue));
        f->h.signals = g_ptr_array_new();
        /* gt_dbus_queue_own_name() does not wait for the name. */
        bus_harness_wait_for(&f->h, bus_name_owned, SD_NAME, "the mock to own " SD_NAME);

        f->h.tmpdir = g_dir_make_tmp("sluice-systemd-test-XXXXXX", &error);
        g_assert_no_error(error);
        f->h.config_path = g_build_filename(f->h.tmpdir, "sluiced.conf", NULL);
        bus_harness_write_config(&f->h, config);
        spawn_daemon(f);
        if (left)
                export_unit(f, left->unit);
        answer_start_up(f, left ? left->unit : NULL, service_props("success", 0, 0, left ? left->extra_fields : NULL));
}

static void setup(Fixture *f, gconstpointer data) {
        setup_with(f, data);
}

static void stop_daemon(Fixture *f) {
        bus_harness_stop_daemon(&f->h);
}

/* The config and sluiced's state database (sluice.db, -wal, -shm): plain files. */
static void rm_tmpdir(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                (void) g_remove(p);
        }
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void teardown(Fixture *f, gconstpointer data) {
        /* Kill the daemon before the queue goes: it may wait for the mock. */
        stop_daemon(f);
        gt_dbus_queue_assert_no_messages(f->queue);

        g_array_unref(f->exports);
        g_clear_object(&f->sd_conn);
        g_clear_object(&f->h.conn);
        bus_harness_flush();
        gt_dbus_queue_disconnect(f->queue, TRUE);
        /* As in polkit-mock.c: dispatch what GDBus attached to the mock's
         * context while its connection closed, after the thread's last round. */
        while (g_main_context_iteration(f->server_context, FALSE))
                ;
        gt_dbus_queue_free(f->queue);
        g_main_context_unref(f->server_context);
        g_dbus_node_info_unref(f->node);

        rm_tmpdir(f->h.tmpdir);
        g_free(f->h.config_path);
        g_free(f->h.tmpdir);
        g_free(f->h.address);
        g_ptr_array_unref(f->h.signals);
}

/* ---- jobs ---- */

static char *submit_gc(Fixture *f, const char *store) {
        GVariantDict opts;
        GVariantBuilder params;

        g_variant_builder_init(&params, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&params, "{ss}", "store", store);
        g_variant_dict_init(&opts, NULL);
        g_variant_dict_insert_value(&opts, "parameters", g_variant_builder_end(&params));
        return bus_submit(&f->h, NULL, "gc", g_variant_dict_end(&opts));
}

/* Pop sluiced's StartTransientUnit for @unit; the a(sv) properties in @ret_props (name -> value). */
static GDBusMethodInvocation *pop_start(Fixture *f, const char *unit, GHashTable **ret_props) {
        GDBusMethodInvocation *inv = pop_manager(f, "StartTransientUnit");
        g_autoptr(GVariant) props = NULL, aux = NULL;
        GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
        const char *name, *mode, *key;
        GVariantIter it;
        GVariant *value;

        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s&s@a(sv)@a(sa(sv)))", &name, &mode, &props,
                      &aux);
        g_assert_cmpstr(name, ==, unit);
        g_assert_cmpstr(mode, ==, "fail");
        g_assert_cmpuint(g_variant_n_children(aux), ==, 0);
        g_variant_iter_init(&it, props);
        while (g_variant_iter_next(&it, "(&sv)", &key, &value)) {
                g_assert_false(g_hash_table_contains(h, key));  /* each property once */
                g_hash_table_insert(h, g_strdup(key), value);
        }
        *ret_props = h;
        return inv;
}

/* systemd accepted the start: the unit exists, its start job is @start_job. */
static void accept_start(Fixture *f, GDBusMethodInvocation *inv, const char *unit, guint32 start_job) {
        g_autofree char *jp = job_path(start_job);

        export_unit(f, unit);
        g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", jp));
}

/* Submit a gc job and take its unit to "running"; returns the job path. */
static char *run_to_active(Fixture *f, const char *unit) {
        g_autofree char *path = submit_gc(f, "a");
        g_autoptr(GHashTable) props = NULL;
        GDBusMethodInvocation *start = pop_start(f, unit, &props);
        guint32 start_job = f->next_job++;

        accept_start(f, start, unit, start_job);
        /* PID 1's order: the pair before JobRemoved still names the start job, the
         * one after it does not.  Everything is in the signals: nothing is read. */
        emit_pair(f, unit, "activating", start_job, "success", 0, 0);
        emit_pair(f, unit, "active", start_job, "success", 0, 0);
        emit_job_removed(f, start_job, unit, "done");
        emit_pair(f, unit, "active", 0, "success", 0, 0);
        bus_wait_job_state(&f->h, path, "running");
        return g_steal_pointer(&path);
}

/* The unit has ended as systemd says it: Service values, then the Unit. */
static void emit_end(Fixture *f, const char *unit, const char *result, gint32 code, gint32 status) {
        emit_changed(f, unit, SD_SERVICE, service_props(result, code, status, NULL));
        emit_changed(f, unit, SD_UNIT, unit_props(strcmp(result, "success") == 0 ? "inactive" : "failed", 0));
}

static gint32 job_exit_status(Fixture *f, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "ExitStatus");

        return g_variant_get_int32(v);
}

static void assert_job_end(Fixture *f, const char *path, const char *result, const char *detail, gint32 status) {
        g_autofree char *r = NULL, *d = NULL;

        bus_wait_job_state(&f->h, path, "done");
        r = bus_job_get_string(&f->h, path, "Result");
        d = bus_job_get_string(&f->h, path, "ResultDetail");
        g_assert_cmpstr(r, ==, result);
        g_assert_cmpstr(d, ==, detail);
        g_assert_cmpint(job_exit_status(f, path), ==, status);
}

static char *lookup_string(GHashTable *props, const char *name) {
        GVariant *v = g_hash_table_lookup(props, name);

        g_assert_nonnull(v);
        return g_variant_dup_string(v, NULL);
}

/* ---- cases ---- */

/* The whole conversation of one successful run, and what the unit is told. */
static void test_run_success(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_gc(f, "a b=c;$(x)\n--all");
        g_autoptr(GHashTable) props = NULL;
        g_autofree char *slice = NULL, *collect = NULL, *unit = NULL, *invocation = NULL;
        g_autoptr(GVariant) exec_argv = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);
        const char *exec_path;
        g_autofree const char **exec_flags = NULL;
        GVariant *v;
        GVariantIter it;
        g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);

        g_assert_cmpuint(bus_job_id(path), ==, 1);
        slice = lookup_string(props, "Slice");
        g_assert_cmpstr(slice, ==, "sluice.slice");
        collect = lookup_string(props, "CollectMode");
        g_assert_cmpstr(collect, ==, "inactive-or-failed");
        g_assert_true(g_variant_get_boolean(g_hash_table_lookup(props, "AddRef")));

        /* ExecStartEx: one command, the substituted argv as separate elements, never a
         * shell, and no $VAR expansion by systemd (flag no-env-expand). */
        g_assert_null(g_hash_table_lookup(props, "ExecStart"));
        v = g_hash_table_lookup(props, "ExecStartEx");
        g_assert_nonnull(v);
        g_assert_cmpstr(g_variant_get_type_string(v), ==, "a(sasas)");
        g_assert_cmpuint(g_variant_n_children(v), ==, 1);
        g_variant_get_child(v, 0, "(&s@as^a&s)", &exec_path, &exec_argv, &exec_flags);
        g_assert_cmpstr(exec_path, ==, "/usr/bin/gc-tool");
        {
                g_autofree const char **argv = g_variant_get_strv(exec_argv, NULL);

                g_assert_cmpstrv(argv, ((const char *const[]) { "/usr/bin/gc-tool", "--store",
                                                               "a b=c;$(x)\n--all", "--mode=full", NULL }));
        }
        g_assert_cmpstrv(exec_flags, ((const char *const[]) { "no-env-expand", NULL }));

        /* The job record, SLUICE_JOB_ID first. */
        v = g_hash_table_lookup(props, "LogExtraFields");
        g_assert_nonnull(v);
        g_assert_cmpstr(g_variant_get_type_string(v), ==, "aay");
        g_variant_iter_init(&it, v);
        for (GVariant *child; (child = g_variant_iter_next_value(&it));) {
                gsize n;
                const char *bytes = g_variant_get_fixed_array(child, &n, 1);

                g_ptr_array_add(fields, g_strndup(bytes, n));
                g_variant_unref(child);
        }
        g_assert_cmpuint(fields->len, >, 0);
        g_assert_cmpstr(fields->pdata[0], ==, "SLUICE_JOB_ID=1");
        g_assert_true(g_ptr_array_find_with_equal_func(fields, "SLUICE_CLASS=gc", g_str_equal, NULL));
        g_assert_true(g_ptr_array_find_with_equal_func(fields, "SLUICE_PARAM=store=a b=c;$(x)\n--all", g_str_equal,
                                                       NULL));
        /* Sandbox=basic reached the unit. */
        g_assert_true(g_variant_get_boolean(g_hash_table_lookup(props, "NoNewPrivileges")));

        accept_start(f, start, "sluice-job-1.service", 100);
        emit_pair(f, "sluice-job-1.service", "active", 100, "success", 0, 0);
        emit_job_removed(f, 100, "sluice-job-1.service", "done");
        emit_pair(f, "sluice-job-1.service", "active", 0, "success", 0, 0);
        bus_wait_job_state(&f->h, path, "running");

        emit_end(f, "sluice-job-1.service", "success", CLD_EXITED_, 0);
        /* The result is recorded, then the reference dropped. */
        assert_job_end(f, path, "success", "", 0);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
        unit = bus_job_get_string(&f->h, path, "Unit");
        invocation = bus_job_get_string(&f->h, path, "InvocationID");
        g_assert_cmpstr(unit, ==, "sluice-job-1.service");
        g_assert_cmpstr(invocation, ==, INVOCATION_HEX);
}

/* systemd says no: the job fails with systemd's own words, nothing to unref. */
static void test_start_refused(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_gc(f, "a");
        g_autoptr(GHashTable) props = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);

        reply_error(start, "org.freedesktop.systemd1.UnitExists", "Unit sluice-job-1.service already exists.");
        assert_job_end(f, path, "failed",
                       "systemd refused to start sluice-job-1.service: Unit sluice-job-1.service already exists.", -1);

        /* A bad property is refused the same way; the next job is not held up. */
        {
                g_autofree char *path2 = submit_gc(f, "b");
                g_autoptr(GHashTable) props2 = NULL;

                start = pop_start(f, "sluice-job-2.service", &props2);
                reply_error(start, "org.freedesktop.DBus.Error.InvalidArgs", "Invalid property: ProtectSystem");
                assert_job_end(f, path2, "failed",
                               "systemd refused to start sluice-job-2.service: Invalid property: ProtectSystem", -1);
        }
}

/* The start job fails (Type=exec: the binary could not be executed). */
static void test_start_job_failed(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_gc(f, "a");
        g_autoptr(GHashTable) props = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);

        accept_start(f, start, "sluice-job-1.service", 100);
        /* The pair flushed before JobRemoved says how it failed; JobRemoved ends it (no read). */
        emit_pair(f, "sluice-job-1.service", "failed", 100, "exit-code", CLD_EXITED_, 203);
        emit_job_removed(f, 100, "sluice-job-1.service", "failed");
        assert_job_end(f, path, "failed", "exit status 203", 203);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* The start job fails and the unit never ran: it still says Result=success. */
static void test_start_job_dependency(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_gc(f, "a");
        g_autoptr(GHashTable) props = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);

        accept_start(f, start, "sluice-job-1.service", 100);
        emit_pair(f, "sluice-job-1.service", "inactive", 100, "success", 0, 0);
        emit_job_removed(f, 100, "sluice-job-1.service", "dependency");
        assert_job_end(f, path, "failed", "systemd did not start the unit (start job dependency)", -1);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* The unit is gone when sluiced reads it after the start (the fallback read:
 * an inactive Unit emission with no Service one before it). */
static void test_unit_vanishes_after_start(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_gc(f, "a");
        g_autoptr(GHashTable) props = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);

        accept_start(f, start, "sluice-job-1.service", 100);
        emit_job_removed(f, 100, "sluice-job-1.service", "done");
        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("inactive", 0));
        reply_error(pop_getall(f, "sluice-job-1.service", SD_UNIT), "org.freedesktop.systemd1.NoSuchUnit",
                    "Unit sluice-job-1.service not loaded.");
        reply_error(pop_getall(f, "sluice-job-1.service", SD_SERVICE), "org.freedesktop.DBus.Error.UnknownObject",
                    "Unknown object '/org/freedesktop/systemd1/unit/sluice_2djob_2d1_2eservice'.");
        assert_job_end(f, path, "lost", "the unit vanished from systemd", -1);
}

/* A Unit signal says "inactive" and the unit is gone before sluiced reads how it ended. */
static void test_unit_vanishes_between_signals(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");

        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("inactive", 0));
        reply_error(pop_getall(f, "sluice-job-1.service", SD_UNIT), "org.freedesktop.DBus.Error.UnknownObject",
                    "Unknown object.");
        reply_error(pop_getall(f, "sluice-job-1.service", SD_SERVICE), "org.freedesktop.systemd1.NoSuchUnit",
                    "Unit sluice-job-1.service not loaded.");
        /* Never success from values read while it ran. */
        assert_job_end(f, path, "lost", "the unit vanished from systemd", -1);
}

/* systemd leaves the bus and comes back: sluiced subscribes again, checks
 * its unit, and goes on following it to its true end. */
static void test_systemd_restarts(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        g_autofree char *unit_obj = unit_path("sluice-job-1.service");

        gt_dbus_queue_unown_name(f->queue, f->name_id);
        bus_harness_wait_for(&f->h, name_gone, SD_NAME, "the mock to leave " SD_NAME);
        /* sluiced is still there and its job still runs. */
        bus_wait_job_state(&f->h, path, "running");
        gt_dbus_queue_assert_no_messages(f->queue);

        f->name_id = gt_dbus_queue_own_name(f->queue, SD_NAME);
        bus_harness_wait_for(&f->h, bus_name_owned, SD_NAME, "the mock to own " SD_NAME " again");
        reply_empty(pop_manager(f, "Subscribe"));
        g_dbus_method_invocation_return_value(pop_unit_call(f, "GetUnit", "sluice-job-1.service"),
                                              g_variant_new("(o)", unit_obj));
        reply_props(pop_getall(f, "sluice-job-1.service", SD_UNIT), unit_props("active", 0));
        reply_props(pop_getall(f, "sluice-job-1.service", SD_SERVICE), service_props("success", 0, 0, NULL));
        bus_wait_job_state(&f->h, path, "running");

        /* The signals of the new systemd still reach sluiced. */
        emit_end(f, "sluice-job-1.service", "exit-code", CLD_EXITED_, 3);
        assert_job_end(f, path, "failed", "exit status 3", 3);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* A systemd that comes back without the unit: the job is lost, never hangs. */
static void test_systemd_restarts_without_unit(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");

        gt_dbus_queue_unown_name(f->queue, f->name_id);
        bus_harness_wait_for(&f->h, name_gone, SD_NAME, "the mock to leave " SD_NAME);
        f->name_id = gt_dbus_queue_own_name(f->queue, SD_NAME);
        bus_harness_wait_for(&f->h, bus_name_owned, SD_NAME, "the mock to own " SD_NAME " again");
        reply_empty(pop_manager(f, "Subscribe"));
        reply_error(pop_unit_call(f, "GetUnit", "sluice-job-1.service"), "org.freedesktop.systemd1.NoSuchUnit",
                    "Unit sluice-job-1.service not loaded.");
        assert_job_end(f, path, "lost", "the unit vanished from systemd", -1);
}

/* Cancel: StopUnit, and the SIGTERM that systemd calls a clean exit is a cancel. */
static void test_cancel(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        GDBusMethodInvocation *stop;
        const char *unit, *mode;
        guint32 stop_job = f->next_job++;
        g_autofree char *stop_path = job_path(stop_job);

        r = bus_call(&f->h, NULL, path, SLUICE_JOB_IFACE, "Cancel", NULL, &error);
        g_assert_no_error(error);
        stop = pop_manager(f, "StopUnit");
        g_variant_get(g_dbus_method_invocation_get_parameters(stop), "(&s&s)", &unit, &mode);
        g_assert_cmpstr(unit, ==, "sluice-job-1.service");
        g_assert_cmpstr(mode, ==, "replace");
        g_dbus_method_invocation_return_value(stop, g_variant_new("(o)", stop_path));

        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("deactivating", stop_job));
        emit_changed(f, "sluice-job-1.service", SD_SERVICE, service_props("success", CLD_KILLED_, SIGTERM, NULL));
        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("inactive", 0));
        emit_job_removed(f, stop_job, "sluice-job-1.service", "done");
        assert_job_end(f, path, "cancelled", "cancelled through sluice", SIGTERM);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/*
 * A Cancel() of a running command job is durable before its reply (issue
 * 10): sluiced is SIGKILLed after the reply, before the unit stopped.  The
 * restarted sluiced must find the stop request in its database.  Each case
 * leaves the StopUnit of the first sluiced unanswered: it never reached PID 1.
 */

static GVariant *running_service_props(guint64 exec_main_start);

/* Cancel the running job at @path and SIGKILL sluiced once the reply is in; the StopUnit is left unanswered. */
static void cancel_then_crash(Fixture *f, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        GDBusMethodInvocation *stop;
        int status = 0;

        r = bus_call(&f->h, NULL, path, SLUICE_JOB_IFACE, "Cancel", NULL, &error);
        g_assert_no_error(error);
        /* The reply is in: from here on the cancel must stand. */
        g_assert_cmpint(kill(f->h.pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f->h.pid, &status, 0), ==, f->h.pid);
        g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        g_spawn_close_pid(f->h.pid);
        f->h.pid = 0;
        bus_harness_wait_for(&f->h, name_gone, SLUICE_BUS_NAME, "the killed sluiced to leave the bus");
        /* It had sent its StopUnit; PID 1 never saw it. */
        stop = pop_manager(f, "StopUnit");
        g_dbus_method_invocation_return_dbus_error(stop, "org.freedesktop.DBus.Error.NoReply", "never reached PID 1");
        gt_dbus_queue_assert_no_messages(f->queue);
}

/*
 * The restarted sluiced's conversation up to its re-attach of @unit, found
 * @active with the Service values @service.  Its name is not waited for.
 */
static void answer_reattach(Fixture *f, const char *unit, const char *active, GVariant *service) {
        g_autofree char *path = unit ? unit_path(unit) : NULL;
        GDBusMethodInvocation *inv;
        GVariantBuilder list;

        reply_empty(pop_manager(f, "Subscribe"));
        inv = pop_manager(f, "ListUnitsByPatterns");
        g_variant_builder_init(&list, G_VARIANT_TYPE("a(ssssssouso)"));
        if (unit)
                g_variant_builder_add(&list, "(ssssssouso)", unit, "left over", "loaded", active,
                                      strcmp(active, "active") == 0 ? "running" : "dead", "", path, 0, "", "/");
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a(ssssssouso))", g_variant_builder_end(&list)));
        if (!unit) {
                g_variant_unref(g_variant_ref_sink(service));
                return;
        }
        reply_empty(pop_unit_call(f, "RefUnit", unit));
        reply_props(pop_getall(f, unit, SD_UNIT), unit_props(active, 0));
        reply_props(pop_getall(f, unit, SD_SERVICE), service);
}

/* The unit still runs after the restart: it is stopped again, and the job ends cancelled. */
static void test_cancel_across_crash(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        guint32 stop_job = f->next_job++;
        g_autofree char *stop_path = job_path(stop_job);
        GDBusMethodInvocation *stop;
        const char *unit, *mode;

        cancel_then_crash(f, path);
        spawn_daemon(f);
        answer_reattach(f, "sluice-job-1.service", "active", running_service_props(0));
        bus_harness_wait_daemon(&f->h);
        bus_wait_job_state(&f->h, path, "running");

        /* The command exits 0 as the stop reaches it (a worker that traps SIGTERM). */
        emit_changed(f, "sluice-job-1.service", SD_SERVICE, service_props("success", CLD_EXITED_, 0, NULL));
        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("inactive", 0));
        assert_job_end(f, path, "cancelled", "cancelled through sluice (the stop was requested before sluiced restarted)",
                       0);
        /* The restarted sluiced asked PID 1 again (during its re-attach). */
        stop = pop_manager(f, "StopUnit");
        g_variant_get(g_dbus_method_invocation_get_parameters(stop), "(&s&s)", &unit, &mode);
        g_assert_cmpstr(unit, ==, "sluice-job-1.service");
        g_assert_cmpstr(mode, ==, "replace");
        g_dbus_method_invocation_return_value(stop, g_variant_new("(o)", stop_path));
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* The unit ended while sluiced was down, its command exited 0: still cancelled, no second StopUnit. */
static void test_cancel_across_crash_ended(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");

        cancel_then_crash(f, path);
        spawn_daemon(f);
        answer_reattach(f, "sluice-job-1.service", "inactive", service_props("success", CLD_EXITED_, 0, NULL));
        bus_harness_wait_daemon(&f->h);
        assert_job_end(f, path, "cancelled", "cancelled through sluice (the stop was requested before sluiced restarted)",
                       0);
        /* Nothing left to stop: the next call is the UnrefUnit. */
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* The unit is gone with no result after the restart: cancelled, not lost. */
static void test_cancel_across_crash_gone(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        g_autoptr(GVariant) record = NULL, fields = NULL;
        g_autoptr(GError) error = NULL;
        const char *state = NULL, *result = NULL, *detail = NULL;

        cancel_then_crash(f, path);
        spawn_daemon(f);
        answer_reattach(f, NULL, NULL, service_props("success", 0, 0, NULL));
        bus_harness_wait_daemon(&f->h);
        record = bus_call(&f->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord",
                          g_variant_new("(t)", bus_job_id(path)), &error);
        g_assert_no_error(error);
        fields = g_variant_get_child_value(record, 0);
        g_assert_true(g_variant_lookup(fields, "State", "&s", &state));
        g_assert_true(g_variant_lookup(fields, "Result", "&s", &result));
        g_assert_true(g_variant_lookup(fields, "ResultDetail", "&s", &detail));
        g_assert_cmpstr(state, ==, "done");
        g_assert_cmpstr(result, ==, "cancelled");
        g_assert_cmpstr(detail, ==, "cancelled through sluice (the stop was requested before sluiced restarted; "
                                    "its unit was gone with no result)");
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* Someone else's `systemctl stop`: Result=success, SIGTERM, a stop job sluice did not queue. */
static void test_external_stop(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        guint32 stop_job = f->next_job++;

        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("deactivating", stop_job));
        emit_changed(f, "sluice-job-1.service", SD_SERVICE, service_props("success", CLD_KILLED_, SIGTERM, NULL));
        emit_changed(f, "sluice-job-1.service", SD_UNIT, unit_props("inactive", 0));
        emit_job_removed(f, stop_job, "sluice-job-1.service", "done");
        assert_job_end(f, path, "cancelled", "stopped externally, not through sluice (killed by signal 15 (SIGTERM))",
                       SIGTERM);
        /* sluice stopped nothing: the next call is the UnrefUnit, no StopUnit. */
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* The slot's hand-over (issue 13): with one slot, the end signalled by the
 * pair of PropertiesChanged is enough for the next start; sluiced asks PID 1
 * nothing in between (no GetAll), only the UnrefUnit of the ended unit. */
static void test_next_start_follows_end(Fixture *f, gconstpointer data) {
        g_autofree char *first = bus_submit(&f->h, NULL, "one", NULL);
        g_autofree char *second = bus_submit(&f->h, NULL, "one", NULL);
        g_autoptr(GHashTable) props = NULL, props2 = NULL;
        GDBusMethodInvocation *start = pop_start(f, "sluice-job-1.service", &props);

        accept_start(f, start, "sluice-job-1.service", 100);
        emit_pair(f, "sluice-job-1.service", "active", 100, "success", 0, 0);
        emit_job_removed(f, 100, "sluice-job-1.service", "done");
        emit_pair(f, "sluice-job-1.service", "active", 0, "success", 0, 0);
        bus_wait_job_state(&f->h, second, "queued");
        emit_pair(f, "sluice-job-1.service", "inactive", 0, "success", CLD_EXITED_, 0);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
        start = pop_start(f, "sluice-job-2.service", &props2);
        assert_job_end(f, first, "success", "", 0);
        accept_start(f, start, "sluice-job-2.service", 101);
        bus_wait_job_state(&f->h, second, "running");
}

/* A plain SIGTERM to the worker, no stop job at all: still not a success. */
static void test_external_sigterm(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");

        emit_end(f, "sluice-job-1.service", "success", CLD_KILLED_, SIGTERM);
        assert_job_end(f, path, "cancelled", "stopped externally, not through sluice (killed by signal 15 (SIGTERM))",
                       SIGTERM);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
}

/* Service properties of a running unit whose main process started at @exec_main_start. */
static GVariant *running_service_props(guint64 exec_main_start) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "Result", g_variant_new_string("success"));
        g_variant_builder_add(&b, "{sv}", "ExecMainCode", g_variant_new_int32(0));
        g_variant_builder_add(&b, "{sv}", "ExecMainStatus", g_variant_new_int32(0));
        g_variant_builder_add(&b, "{sv}", "ExecMainStartTimestamp", g_variant_new_uint64(exec_main_start));
        return g_variant_builder_end(&b);
}

static guint64 job_started_at(Fixture *f, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "StartedAt");

        return g_variant_get_uint64(v);
}

/*
 * StartedAt is one value before and after a restart of sluiced: when sluice
 * started the job (stored, and what clients were told), not the unit's
 * ExecMainStartTimestamp, which systemd reports a little later (here 23 ms)
 * and the new sluiced reads when it re-attaches.
 */
static void test_started_at_across_restart(Fixture *f, gconstpointer data) {
        g_autofree char *path = run_to_active(f, "sluice-job-1.service");
        guint64 started = job_started_at(f, path);
        g_autoptr(GVariant) record = NULL, fields = NULL;
        g_autoptr(GError) error = NULL;
        guint64 recorded = 0;

        g_assert_cmpuint(started, >, 0);
        stop_daemon(f);
        gt_dbus_queue_assert_no_messages(f->queue);

        spawn_daemon(f);
        answer_start_up(f, "sluice-job-1.service", running_service_props(started + 23000));
        bus_wait_job_state(&f->h, path, "running");
        g_assert_cmpuint(job_started_at(f, path), ==, started);
        record = bus_call(&f->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord",
                          g_variant_new("(t)", (guint64) 1), &error);
        g_assert_no_error(error);
        fields = g_variant_get_child_value(record, 0);
        g_assert_true(g_variant_lookup(fields, "StartedAt", "t", &recorded));
        g_assert_cmpuint(recorded, ==, started);

        emit_end(f, "sluice-job-1.service", "success", CLD_EXITED_, 0);
        assert_job_end(f, path, "success", "", 0);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-1.service"));
        g_assert_cmpuint(job_started_at(f, path), ==, started);
}

static const char *const retired_fields[] = {
        "SLUICE_JOB_ID=7", "SLUICE_CLASS=retired", "SLUICE_ATTEMPT=2", "SLUICE_SUBMITTED_AT=1700000000000000",
        "SLUICE_OWNER=0", "SLUICE_PRIORITY=3", "SLUICE_PARAM=store=Whatever Goes=\n", NULL,
};
static const LeftUnit retired_unit = { "sluice-job-7.service", retired_fields };

/* A unit left running by a previous sluiced whose class is no longer
 * configured: its job is rebuilt, its id stays taken, its end is recorded. */
static void test_reattach_vanished_class(Fixture *f, gconstpointer data) {
        const char *path7 = SLUICE_JOB_PATH_PREFIX "7";
        g_autofree char *klass = bus_job_get_string(&f->h, path7, "Class");
        g_autofree char *state = bus_job_get_string(&f->h, path7, "State");
        g_autofree char *unit = bus_job_get_string(&f->h, path7, "Unit");
        g_autoptr(GVariant) attempt = bus_get_property(&f->h, path7, SLUICE_JOB_IFACE, "Attempt");
        g_autoptr(GVariant) params = bus_get_property(&f->h, path7, SLUICE_JOB_IFACE, "Parameters");
        g_autoptr(GHashTable) props = NULL;
        g_autofree char *path8 = NULL;
        const char *store = NULL;
        GDBusMethodInvocation *start;

        g_assert_cmpstr(klass, ==, "retired");
        g_assert_cmpstr(state, ==, "running");
        g_assert_cmpstr(unit, ==, "sluice-job-7.service");
        g_assert_cmpuint(g_variant_get_uint32(attempt), ==, 2);
        g_assert_true(g_variant_lookup(params, "store", "&s", &store));
        g_assert_cmpstr(store, ==, "Whatever Goes=\n");

        /* The next job does not take id 7 again. */
        path8 = submit_gc(f, "a");
        g_assert_cmpuint(bus_job_id(path8), ==, 8);
        start = pop_start(f, "sluice-job-8.service", &props);
        reply_error(start, "org.freedesktop.DBus.Error.AccessDenied", "no");
        assert_job_end(f, path8, "failed", "systemd refused to start sluice-job-8.service: no", -1);

        /* Its real end is recorded. */
        emit_end(f, "sluice-job-7.service", "exit-code", CLD_EXITED_, 4);
        assert_job_end(f, path7, "failed", "exit status 4", 4);
        reply_empty(pop_unit_call(f, "UnrefUnit", "sluice-job-7.service"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
        ADD("/bus/systemd/run-success", test_run_success);
        ADD("/bus/systemd/start-refused", test_start_refused);
        ADD("/bus/systemd/start-job-failed", test_start_job_failed);
        ADD("/bus/systemd/start-job-dependency", test_start_job_dependency);
        ADD("/bus/systemd/unit-vanishes-after-start", test_unit_vanishes_after_start);
        ADD("/bus/systemd/unit-vanishes-between-signals", test_unit_vanishes_between_signals);
        ADD("/bus/systemd/systemd-restarts", test_systemd_restarts);
        ADD("/bus/systemd/systemd-restarts-without-unit", test_systemd_restarts_without_unit);
        ADD("/bus/systemd/cancel", test_cancel);
        ADD("/bus/systemd/external-stop", test_external_stop);
        ADD("/bus/systemd/external-sigterm", test_external_sigterm);
        ADD("/bus/systemd/next-start-follows-end", test_next_start_follows_end);
        ADD("/bus/systemd/started-at-across-restart", test_started_at_across_restart);
        ADD("/bus/systemd/cancel-across-crash", test_cancel_across_crash);
        ADD("/bus/systemd/cancel-across-crash-ended", test_cancel_across_crash_ended);
        ADD("/bus/systemd/cancel-across-crash-gone", test_cancel_across_crash_gone);
        g_test_add("/bus/systemd/reattach-vanished-class", Fixture, &retired_unit, setup, test_reattach_vanished_class,
                   teardown);
#undef ADD
        return g_test_run();
}
