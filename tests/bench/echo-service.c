/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * echo-service --address=ADDRESS: the benchmark's yardstick.  A bare sd-bus
 * service on one sd-event loop, like sluiced, owning org.sluice.BenchEcho and
 * answering Echo(sa{sv}) → (sa{sv}) with its input: the cost of a bus round
 * trip with sluiced's Submit signature and no work behind it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"


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
        SD_BUS_VTABLE_END,
};

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "address", required_argument, NULL, 'a' },
                {},
        };
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
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
                r = sd_bus_add_object_vtable(bus, NULL, "/org/sluice/BenchEcho", "org.sluice.BenchEcho",
                                             echo_vtable, NULL);
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
