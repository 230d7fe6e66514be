/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * echo-service --address=ADDRESS: the benchmark's yardstick.  A bare sd-bus
 * service on one sd-event loop, like sluiced, owning org.sluice.BenchEcho and
 * answering
 *
 *  - Echo(sa{sv}) → (sa{sv}) with its input: the cost of a bus round trip
 *    with sluiced's Submit signature and no work behind it (2 messages);
 *  - EchoAnnounce(sa{sv}) → (o): what a service announcing a new object sends,
 *    the same messages sluiced sends for a Submit granted at once (4): an
 *    ObjectManager InterfacesAdded of /org/sluice/BenchEcho/obj/<n> with the
 *    shape and size of a job's (one interface, the job's 22 properties with
 *    their types and similar values), a JobNew-like signal New(tos), then the
 *    reply.  The floor the bus puts under Submit, without sluiced's work.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

#define ECHO_PATH "/org/sluice/BenchEcho"
#define ECHO_INTERFACE "org.sluice.BenchEcho"
#define OBJECT_INTERFACE "org.sluice.BenchEcho.Object"

/* The service's state, reached through the vtable's userdata. */
typedef struct EchoService {
        uint64_t next_id;
} EchoService;

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/*
 * append_object_properties() - a{sv} shaped like a job's: the 22 properties
 * sluiced puts in a new job's InterfacesAdded (checked with dbus-monitor), in
 * its order, with its types and values of the same size.
 */
static int append_object_properties(sd_bus_message *m, uint64_t id, const char *class, const char *sender) {
        uint64_t now = realtime_usec();
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                  "Id", "t", id,
                                  "Class", "s", class,
                                  "Kind", "s", "lease",
                                  "State", "s", "running",
                                  "Result", "s", "",
                                  "ResultDetail", "s", "",
                                  "Priority", "i", (int32_t) 0);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}{sv}", "Resources", "as", 0, "Parameters", "a{ss}", 0);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                  "Owner", "u", (uint32_t) getuid(),
                                  "Submitter", "s", sender ? sender : "",
                                  "Description", "s", "",
                                  "SubmittedAt", "t", now,
                                  "StartedAt", "t", now,
                                  "FinishedAt", "t", (uint64_t) 0,
                                  "Position", "u", (uint32_t) 0,
                                  "WaitReason", "s", "",
                                  "Unit", "s", "",
                                  "InvocationID", "s", "",
                                  "ExitStatus", "i", (int32_t) -1,
                                  "Attempt", "u", (uint32_t) 1,
                                  "LeaseExpiresAt", "t", (uint64_t) 0);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int emit_interfaces_added(sd_bus *bus, const char *path, uint64_t id, const char *class, const char *sender) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_signal(bus, &m, ECHO_PATH, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "o", path);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'e', "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", OBJECT_INTERFACE);
        if (r < 0)
                return r;
        r = append_object_properties(m, id, class, sender);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_send(bus, m, NULL);
}

static int method_echo_announce(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        EchoService *service = userdata;
        sd_bus *bus = sd_bus_message_get_bus(m);
        char path[sizeof(ECHO_PATH "/obj/") + 20];
        const char *class;
        uint64_t id;
        int r;

        r = sd_bus_message_read(m, "s", &class);
        if (r < 0)
                return r;
        id = ++service->next_id;
        snprintf(path, sizeof(path), ECHO_PATH "/obj/%" PRIu64, id);

        r = emit_interfaces_added(bus, path, id, class, sd_bus_message_get_sender(m));
        if (r < 0)
                return r;
        r = sd_bus_emit_signal(bus, ECHO_PATH, ECHO_INTERFACE, "New", "tos", id, path, class);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "o", path);
}


static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_copy(reply, m, true);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable echo_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("Echo", "sa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(options),
                                 "sa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(options), method_echo,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("EchoAnnounce", "sa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(options),
                                 "o", SD_BUS_PARAM(object), method_echo_announce, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("New", "tos", SD_BUS_PARAM(id) SD_BUS_PARAM(object) SD_BUS_PARAM(name), 0),
        SD_BUS_VTABLE_END,
};

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "address", required_argument, NULL, 'a' },
                {},
        };
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        EchoService service = {};
        const char *address = NULL;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c != 'a') {
                        fprintf(stderr, "usage: %s --address=ADDRESS\n", argv[0]);
                        return 2;
                }
                address = optarg;
        }
        if (!address) {
                fprintf(stderr, "usage: %s --address=ADDRESS\n", argv[0]);
                return 2;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, ECHO_PATH, ECHO_INTERFACE, echo_vtable,
                                             &service);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.sluice.BenchEcho", 0);
        if (r >= 0)
                r = sd_event_loop(event);
        if (r < 0) {
                fprintf(stderr, "echo-service: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
