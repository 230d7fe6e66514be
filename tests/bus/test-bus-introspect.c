/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XML in dbus/ is the source of truth: the manager object and a job
 * object expose exactly those interfaces (plus the standard
 * org.freedesktop.DBus.* ones) — same methods with the same arguments, same
 * properties with the same types, access and change signalling, same signals.
 */
#include <string.h>

#include "bus-harness.h"

#define EMITS_CHANGED "org.freedesktop.DBus.Property.EmitsChangedSignal"

static GDBusNodeInfo *load_xml(const char *file) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        const char *dir = g_getenv("SLUICE_DBUS_DIR");
        GDBusNodeInfo *node;

        g_assert_nonnull(dir);
        path = g_build_filename(dir, file, NULL);
        g_file_get_contents(path, &xml, NULL, &error);
        g_assert_no_error(error);
        node = g_dbus_node_info_new_for_xml(xml, &error);
        g_assert_no_error(error);
        return node;
}

static GDBusNodeInfo *introspect(BusHarness *h, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        const char *xml;
        GDBusNodeInfo *node;

        r = bus_call(h, NULL, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(&s)", &xml);
        node = g_dbus_node_info_new_for_xml(xml, &error);
        g_assert_no_error(error);
        return node;
}

static void compare_args(const char *what, GDBusArgInfo **want, GDBusArgInfo **got) {
        guint nw = 0, ng = 0;

        for (; want && want[nw]; nw++)
                ;
        for (; got && got[ng]; ng++)
                ;
        if (nw != ng)
                g_error("%s: %u arguments in the XML, %u exposed", what, nw, ng);
        for (guint i = 0; i < nw; i++) {
                if (g_strcmp0(want[i]->name, got[i]->name) != 0)
                        g_error("%s: argument %u is \"%s\" in the XML, \"%s\" exposed", what, i, want[i]->name,
                                got[i]->name ? got[i]->name : "(no name)");
                if (!g_str_equal(want[i]->signature, got[i]->signature))
                        g_error("%s: argument %s is %s in the XML, %s exposed", what, want[i]->name,
                                want[i]->signature, got[i]->signature);
        }
}

static guint count(gpointer *v) {
        guint n = 0;

        for (; v && v[n]; n++)
                ;
        return n;
}

/* The effective EmitsChangedSignal of a property: its own annotation, else
 * the interface's, else "true" (the D-Bus specification's default). */
static const char *emits_changed(GDBusInterfaceInfo *iface, GDBusPropertyInfo *prop) {
        const char *v = g_dbus_annotation_info_lookup(prop->annotations, EMITS_CHANGED);

        if (!v)
                v = g_dbus_annotation_info_lookup(iface->annotations, EMITS_CHANGED);
        return v ? v : "true";
}

static void compare_interface(GDBusInterfaceInfo *want, GDBusInterfaceInfo *got) {
        g_assert_cmpuint(count((gpointer *) want->methods), ==, count((gpointer *) got->methods));
        for (guint i = 0; want->methods && want->methods[i]; i++) {
                GDBusMethodInfo *m = want->methods[i];
                GDBusMethodInfo *g = g_dbus_interface_info_lookup_method(got, m->name);
                g_autofree char *in = g_strdup_printf("%s.%s (in)", want->name, m->name);
                g_autofree char *out = g_strdup_printf("%s.%s (out)", want->name, m->name);

                if (!g)
                        g_error("method %s.%s is not exposed", want->name, m->name);
                compare_args(in, m->in_args, g->in_args);
                compare_args(out, m->out_args, g->out_args);
                /* sd-bus marks methods callers of other uids may not call. */
                if (g_dbus_annotation_info_lookup(g->annotations, "org.freedesktop.systemd1.Privileged"))
                        g_error("method %s.%s is privileged: unprivileged callers are refused", want->name,
                                m->name);
        }

        g_assert_cmpuint(count((gpointer *) want->properties), ==, count((gpointer *) got->properties));
        for (guint i = 0; want->properties && want->properties[i]; i++) {
                GDBusPropertyInfo *p = want->properties[i];
                GDBusPropertyInfo *g = g_dbus_interface_info_lookup_property(got, p->name);

                if (!g)
                        g_error("property %s.%s is not exposed", want->name, p->name);
                if (!g_str_equal(p->signature, g->signature))
                        g_error("property %s.%s is %s in the XML, %s exposed", want->name, p->name, p->signature,
                                g->signature);
                if (p->flags != g->flags)
                        g_error("property %s.%s: access differs", want->name, p->name);
                if (!g_str_equal(emits_changed(want, p), emits_changed(got, g)))
                        g_error("property %s.%s: EmitsChangedSignal is %s in the XML, %s exposed", want->name,
                                p->name, emits_changed(want, p), emits_changed(got, g));
        }

        g_assert_cmpuint(count((gpointer *) want->signals), ==, count((gpointer *) got->signals));
        for (guint i = 0; want->signals && want->signals[i]; i++) {
                GDBusSignalInfo *s = want->signals[i];
                GDBusSignalInfo *g = g_dbus_interface_info_lookup_signal(got, s->name);
                g_autofree char *what = g_strdup_printf("signal %s.%s", want->name, s->name);

                if (!g)
                        g_error("signal %s.%s is not exposed", want->name, s->name);
                compare_args(what, s->args, g->args);
        }
}

/* got exposes exactly want's interface, beside standard ones. */
static void compare_node(GDBusNodeInfo *want, GDBusNodeInfo *got, const char *const *standard_required) {
        g_assert_nonnull(want->interfaces);
        g_assert_nonnull(want->interfaces[0]);
        g_assert_null(want->interfaces[1]);

        for (guint i = 0; got->interfaces && got->interfaces[i]; i++) {
                const char *name = got->interfaces[i]->name;

                if (g_str_has_prefix(name, "org.freedesktop.DBus."))
                        continue;
                if (!g_str_equal(name, want->interfaces[0]->name))
                        g_error("an interface not in dbus/ is exposed: %s", name);
        }
        for (const char *const *s = standard_required; *s; s++)
                if (!g_dbus_node_info_lookup_interface(got, *s))
                        g_error("standard interface %s is missing", *s);

        {
                GDBusInterfaceInfo *g = g_dbus_node_info_lookup_interface(got, want->interfaces[0]->name);

                if (!g)
                        g_error("interface %s is not exposed", want->interfaces[0]->name);
                compare_interface(want->interfaces[0], g);
        }
}

static gboolean has_child_node(GDBusNodeInfo *node, const char *name) {
        for (guint i = 0; node->nodes && node->nodes[i]; i++)
                if (g_str_equal(node->nodes[i]->path, name))
                        return TRUE;
        return FALSE;
}

static void test_introspect(void) {
        static const char *const manager_std[] = {
                "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Properties",
                "org.freedesktop.DBus.Peer", "org.freedesktop.DBus.ObjectManager", NULL,
        };
        static const char *const job_std[] = {
                "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Properties",
                "org.freedesktop.DBus.Peer", NULL,
        };
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GDBusNodeInfo) manager_xml = load_xml("org.sluice.Scheduler1.xml");
        g_autoptr(GDBusNodeInfo) job_xml = load_xml("org.sluice.Scheduler1.Job.xml");
        g_autoptr(GDBusNodeInfo) manager = NULL;
        g_autoptr(GDBusNodeInfo) job = NULL;
        g_autoptr(GDBusNodeInfo) job_dir = NULL;
        g_autofree char *path = NULL;
        g_autofree char *leaf = NULL;

        path = bus_submit(h, NULL, "slot", NULL);

        manager = introspect(h, SLUICE_MANAGER_PATH);
        compare_node(manager_xml, manager, manager_std);
        g_assert_true(has_child_node(manager, "job"));

        /* The job objects can be found by walking the tree. */
        job_dir = introspect(h, SLUICE_MANAGER_PATH "/job");
        leaf = g_strdup(path + strlen(SLUICE_JOB_PATH_PREFIX));
        g_assert_true(has_child_node(job_dir, leaf));

        job = introspect(h, path);
        compare_node(job_xml, job, job_std);
        g_assert_null(g_dbus_node_info_lookup_interface(job, SLUICE_MANAGER_IFACE));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/introspect/matches-xml", test_introspect);

        return g_test_run();
}
