/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "log.h"
#include "scheduler.h"
#include "sluice-bus-names.h"


typedef struct Holder Holder;
typedef struct SystemdExecutor SystemdExecutor;
typedef struct PolkitRegistry PolkitRegistry;
typedef struct BusCreds BusCreds;
typedef struct JobLink JobLink;
typedef struct Store Store;
typedef struct Schedules Schedules;
typedef struct Alerts Alerts;
typedef struct Metrics Metrics;
typedef struct DaemonCluster DaemonCluster;

/* Manager properties whose changes are coalesced into one PropertiesChanged. */
typedef enum {
        MANAGER_PROP_DISCIPLINE  = 1u << 0,
        MANAGER_PROP_MAX_RUNNING = 1u << 1,
        MANAGER_PROP_PAUSED      = 1u << 2,
        MANAGER_PROP_QUEUED      = 1u << 3,
        MANAGER_PROP_RUNNING     = 1u << 4,
        MANAGER_PROP_CLASSES     = 1u << 5,
        MANAGER_PROP_SCHEDULES   = 1u << 6,
        MANAGER_PROP_ALERTS      = 1u << 7,
        MANAGER_PROP_COUNTS      = 1u << 8,     /* a per-class/resource/user count moved: ClassDetails, Limits */
        MANAGER_PROP_CONFIG      = 1u << 9,     /* a config was applied: every config-derived property */
        MANAGER_PROP_CLUSTER     = 1u << 10,    /* the fleet's view changed: Cluster, ClusterState */
} ManagerPropMask;

/*
 * The daemon's whole state: no globals.  One sd-event loop, one bus
 * connection, one scheduler; the bus faces (bus-manager.c, bus-job.c) and
 * the lease bookkeeping (lease.c) hang off it.
 */
typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        Scheduler *scheduler;
        SystemdExecutor *systemd;       /* command jobs: transient units (executor-systemd.c) */
        Logger log;

        char *config_path;              /* NULL: the compiled-in default path */
        SluiceConfig *files_config;     /* what the files say, before overrides (manager-config.c) */
        GPtrArray *stored_overrides;    /* StoreOverride*: UpdateConfig(persist=true), storing order */
        GPtrArray *runtime_overrides;   /* StoreOverride*: persist=false, until restart; value NULL:
                                         * a stored override set aside by UnsetConfig(persist=false) */

        Store *store;                   /* the state database (store.c, manager-store.c); NULL before manager_open_store() */
        GHashTable *store_dirty;        /* uint64 id -> Job* (borrowed): changed since the last commit */
        bool store_paused_dirty;        /* paused scopes changed since the last commit */
        bool store_restoring;           /* jobs coming back from the store need no writing */
        bool store_restored;            /* recovery_restore_from_store() succeeded: commits may run */
        uint64_t stored_next_id;        /* the next id as last committed */
        usec_t start_monotonic;

        Schedules *schedules;           /* [Schedule] timers (schedules.c) */
        Alerts *alerts;                 /* [Alert] and notifier jobs (alerts.c) */
        Metrics *metrics;               /* Statistics counters (metrics.c) */
        DaemonCluster *cluster;         /* [Cluster]: the cluster module and its glue (cluster.c); NULL without */

        GHashTable *jobs;               /* uint64 id -> JobLink* (owned): every job the scheduler has */
        GHashTable *holders;            /* unique bus name -> Holder* (owned) */
        GHashTable *waiting_senders;    /* unique bus name -> number of its pending Wait() calls */
        BusCreds *creds;                /* callers' uids, known or being looked up (bus-creds.c) */
        GQueue announce;                /* of JobLink*: JOB_NEW seen, InterfacesAdded not yet sent */
        GQueue held_replies;            /* of HeldReply*: answers sent after the commit that records their change (held-replies.c) */
        GPtrArray *store_removed;       /* of Job* (owned copies): removed before their change was committed */
        GPtrArray *stops_pending;       /* of StoreStop* (owned): stops asked of PID 1 since the last commit (manager-store.c) */
        PolkitRegistry *polkit;         /* calls waiting for polkit, and their answers (polkit-query.c) */
        bool no_root_bypass;            /* --no-root-bypass: uid 0 asks polkit too (tests) */
        int64_t clock_offset_usec;      /* tests only (test-clock.c): manager_now() = real clock + this */

        sd_event_source *post_source;   /* defer: the post step (post-step.c), once per iteration */
        sd_event_source *timer_source;  /* CLOCK_REALTIME: scheduler_run_timers() */
        sd_event_source *sigterm_source, *sigint_source, *sighup_source;

        bool dispatch_pending;
        ManagerPropMask props_dirty;
        unsigned last_queued, last_running;     /* for STATUS= and property changes */
        uint64_t last_counts_serial;            /* scheduler_counts_serial() when last announced */
        bool status_sent;
        bool shutting_down;
} Manager;

Manager *manager_new(void);
void manager_free(Manager *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Manager, manager_free)

int manager_load_config(Manager *m, const char *config_path);
int manager_connect_bus(Manager *m, const char *address);
int manager_startup(Manager *m);
int manager_run(Manager *m);

/* Now, as the core wants it: CLOCK_REALTIME usec of this loop iteration. */
usec_t manager_now(Manager *m);

/* Something changed: run dispatch, re-arm the timer and flush emissions at
 * the end of this loop iteration. */
void manager_schedule_post(Manager *m);
void manager_mark_dirty(Manager *m, ManagerPropMask mask);
/* Send InterfacesAdded/JobNew for the jobs queued since the last call. */
void manager_flush_announce(Manager *m);

/* Reload the config files (Reload(), SIGHUP). */
bool manager_reload(Manager *m, GError **error);
/* Install a new validated config. */
void manager_apply_config(Manager *m, SluiceConfig *cfg);

JobLink *manager_get_link(Manager *m, uint64_t id);
