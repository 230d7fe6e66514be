/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "i18n.h"
#include "manager.h"
#include "test-clock.h"
#include "history-retention.h"
#include "manager-store.h"

typedef struct Options {
        char *config_path;
        char *bus_address;
        char *state_dir;
        bool no_root_bypass;
} Options;

static void options_clear(Options *o) {
        g_clear_pointer(&o->config_path, g_free);
        g_clear_pointer(&o->bus_address, g_free);
        g_clear_pointer(&o->state_dir, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static void help(void) {
        printf(_("Usage: %s [OPTIONS...]\n"
                 "\n"
                 "The sluice job scheduler daemon: owns org.sluice.Scheduler1 on the system bus.\n"
                 "\n"
                 "  -h --help                 Show this help\n"
                 "     --version              Show the version\n"
                 "     --config=PATH          Configuration file (default: %s, plus PATH.d/*.conf)\n"
                 "     --bus-address=ADDRESS  Connect to this bus instead of the system bus\n"
                 "     --state-dir=DIR        Keep the state database here (default: %s)\n"
                 "     --no-root-bypass       Ask polkit for uid 0 too (for tests)\n"),
               program_invocation_short_name, SLUICE_DEFAULT_CONFIG_PATH, SLUICE_DEFAULT_STATE_DIR);
}

/* Return: 1 to go on, 0 to exit successfully (--help, --version), -EINVAL on bad usage. */
static int parse_argv(int argc, char *argv[], Options *o) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CONFIG,
                ARG_BUS_ADDRESS,
                ARG_NO_ROOT_BYPASS,
                ARG_STATE_DIR,
        };
        static const struct option long_options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "config",      required_argument, NULL, ARG_CONFIG      },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "no-root-bypass", no_argument,    NULL, ARG_NO_ROOT_BYPASS },
                { "state-dir",   required_argument, NULL, ARG_STATE_DIR   },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sluiced %s\n", SLUICE_VERSION);
                        return 0;
                case ARG_CONFIG:
                        if (optarg[0] == '\0') {
                                fprintf(stderr, _("%s: --config: the path must not be empty\n"),
                                        program_invocation_short_name);
                                return -EINVAL;
                        }
                        g_free(o->config_path);
                        o->config_path = g_strdup(optarg);
                        break;
                case ARG_BUS_ADDRESS:
                        if (optarg[0] == '\0') {
                                fprintf(stderr, _("%s: --bus-address: the address must not be empty\n"),
                                        program_invocation_short_name);
                                return -EINVAL;
                        }
                        g_free(o->bus_address);
                        o->bus_address = g_strdup(optarg);
                        break;
                case ARG_STATE_DIR:
                        if (optarg[0] == '\0') {
                                fprintf(stderr, _("%s: --state-dir: the directory must not be empty\n"),
                                        program_invocation_short_name);
                                return -EINVAL;
                        }
                        g_free(o->state_dir);
                        o->state_dir = g_strdup(optarg);
                        break;
                case ARG_NO_ROOT_BYPASS:
                        o->no_root_bypass = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        g_assert_not_reached();
                }
        }
        if (optind < argc) {
                fprintf(stderr, _("%s: unexpected argument \"%s\"\n"), program_invocation_short_name, argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        g_auto(Options) opts = {};
        g_autoptr(Manager) m = NULL;
        sigset_t mask;
        int r;

        sluice_i18n_init();

        r = parse_argv(argc, argv, &opts);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Signals arrive through sd-event signal sources only. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                perror("sigprocmask");
                return EXIT_FAILURE;
        }

        m = manager_new();
        m->no_root_bypass = opts.no_root_bypass;
        r = manager_load_config(m, opts.config_path);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_open_store(m, opts.state_dir ?: SLUICE_DEFAULT_STATE_DIR);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_connect_bus(m, opts.bus_address);
        if (r >= 0)
                r = test_clock_setup(m);        /* only with SLUICE_TEST_CLOCK_OFFSET_USEC set */
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_startup(m);
        if (r >= 0)
                r = history_retention_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
