/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "job.h"

/*
 * The configuration model: /etc/sluice/sluiced.conf, then
 * /etc/sluice/sluiced.conf.d/ (*.conf, in lexical order, later wins), parsed
 * with GKeyFile.  When the main file does not exist the embedded default
 * (data/sluiced.conf, compiled in) takes its place; drop-ins still apply.
 *
 * A SluiceConfig is immutable once built and reference counted: the
 * scheduler holds one; Reload()/UpdateConfig() build a new one and swap it
 * in only when it validated whole.
 *
 * Every error is SLUICE_ERROR_INVALID_CONFIG with a message naming the file
 * (when there is one), the section, the key and the bad value, e.g.
 *   /etc/sluice/sluiced.conf: [Class gc] MaxRunning: "two" is not a number
 */

typedef enum {
        DISCIPLINE_FIFO,
        DISCIPLINE_PRIORITY,
        DISCIPLINE_FAIR,
        _DISCIPLINE_MAX,
} Discipline;

const char *discipline_to_string(Discipline d);
int discipline_from_string(const char *s);      /* -1 if unknown */

#define SLUICE_PRIORITY_MIN (-1000)
#define SLUICE_PRIORITY_MAX 1000

typedef struct ParameterDecl {
        char *name;
        char *pattern;          /* as written; matched against the whole value */
        GRegex *regex;          /* compiled, anchored */
} ParameterDecl;

typedef enum {
        DUPLICATES_QUEUE,               /* Duplicates=queue: queue it anyway (default) */
        DUPLICATES_REJECT,              /* refuse with org.sluice.Error.Duplicate */
        DUPLICATES_REPLACE,             /* cancel the queued/running duplicate, queue the new one */
        DUPLICATES_CANCEL_QUEUED,       /* cancel queued duplicates (running ones go on), queue the new one */
        _DUPLICATES_MAX,
} DuplicatesPolicy;

const char *duplicates_policy_to_string(DuplicatesPolicy p);
int duplicates_policy_from_string(const char *s);       /* -1 if unknown */

typedef enum {
        SANDBOX_NONE,           /* Sandbox=none: only what the other keys say */
        SANDBOX_BASIC,          /* default: NoNewPrivileges, PrivateTmp, ProtectSystem=full,
                                 * ProtectHome=read-only, ProtectKernel*, ProtectControlGroups,
                                 * RestrictSUIDSGID, LockPersonality, RestrictRealtime */
        SANDBOX_STRICT,         /* basic + ProtectSystem=strict (writable: ReadWritePaths=),
                                 * ProtectHome=yes, PrivateDevices, ProtectClock, ProtectHostname,
                                 * RestrictNamespaces, SystemCallArchitectures=native */
        _SANDBOX_MAX,
} SandboxPreset;

const char *sandbox_preset_to_string(SandboxPreset p);
int sandbox_preset_from_string(const char *s);          /* -1 if unknown */

typedef struct ClassConfig {
        char *name;
        char *description;      /* may be NULL */
        JobKind kind;           /* Kind=lease|command (default lease) */
        int32_t priority;       /* Priority= default for jobs (0) */
        uint32_t max_running;   /* MaxRunning= (0 = unlimited) */
        char **resources;       /* Resources= templates, may contain %{param} */
        GPtrArray *parameters;  /* of ParameterDecl*: Parameter.NAME=REGEX */
        usec_t max_wait_usec;   /* MaxWaitSec= (0 = none) */
        usec_t runtime_max_usec;/* RuntimeMaxSec= (0 = none; command only) */
        char **exec_start;      /* ExecStart= template argv, command only; NULL for leases */

        /* Unit properties of command jobs (transient units); 0/NULL = unset. */
        char *user;             /* User= */
        char *group;            /* Group= */
        bool dynamic_user;      /* DynamicUser= (no) */
        char *working_directory;/* WorkingDirectory= (absolute path) */
        char **environment;     /* Environment= KEY=VALUE, whitespace separated, each KEY once
                                 * (a later one replaced an earlier one); never NULL */
        uint64_t cpu_weight;    /* CPUWeight= 1..10000 */
        uint64_t io_weight;     /* IOWeight= 1..10000 */
        uint64_t memory_max;    /* MemoryMax= bytes (K/M/G/T suffixes, base 1024; "infinity" = 0) */
        uint64_t tasks_max;     /* TasksMax= (UINT64_MAX: "infinity", as systemd's property says it) */
        SandboxPreset sandbox;  /* Sandbox= none|basic|strict (basic) */
        char **read_write_paths;/* ReadWritePaths= absolute paths (for Sandbox=strict), each may start
                                 * with "-" (ignored when missing, as systemd reads it); never NULL */
        char **load_credentials;/* LoadCredential= ID:PATH, whitespace separated, each ID once: systemd
                                 * credentials, the way to hand a job a secret; never NULL */

        /* Retries and duplicates (command jobs). */
        uint32_t retry;                 /* Retry= extra attempts after a failed one (0) */
        usec_t retry_delay_usec;        /* RetryDelaySec= before the 1st retry (30s) */
        double retry_backoff;           /* RetryBackoff= multiplier per further retry (1.0; 1.0..100) */
        DuplicatesPolicy duplicates;    /* Duplicates= (queue) */

        /* Quotas (any kind). */
        bool has_max_queued_per_user;   /* MaxQueuedPerUser= is set for this class */
        uint32_t max_queued_per_user;   /* MaxQueuedPerUser= (unset: [Scheduler]'s applies; 0 = unlimited):
                                         * queued jobs of this class one user may have, instead of the
                                         * global quota */

        /* Notifications: a job of this class that ends success / not success starts one job of
         * the named notifier class (a command class) with SLUICE_JOB_* in its environment. */
        char *on_success;               /* OnSuccess= notifier class, NULL = none */
        char *on_failure;               /* OnFailure= notifier class (failed, timeout, abandoned, lost;
                                         * not cancelled), NULL = none */
} ClassConfig;

typedef enum {
        RESOURCE_SCOPE_HOST,    /* Scope=host: MaxRunning= counts this host's jobs (default) */
        RESOURCE_SCOPE_CLUSTER, /* Scope=cluster: MaxRunning= counts the fleet's (docs/cluster.md) */
} ResourceScope;

typedef struct ResourceConfig {
        char *key;              /* "datastore:a", or "datastore:*" for every value of datastore */
        uint32_t max_running;   /* MaxRunning= (0 = unlimited) */
        ResourceScope scope;    /* Scope= host|cluster (host); cluster needs [Cluster] */
} ResourceConfig;

/* [Cluster]: the etcd fleet this host is part of (docs/cluster.md). */
typedef enum {
        CLUSTER_ON_LEASE_LOST_KEEP,     /* OnLeaseLost=keep: jobs go on, an alert says the limit may be exceeded */
        CLUSTER_ON_LEASE_LOST_STOP,     /* OnLeaseLost=stop: the running cluster jobs are stopped */
} ClusterOnLeaseLost;

typedef struct ClusterConfig {
        char **endpoints;               /* Endpoints= http(s) URLs, at least one, never NULL */
        char *ca_file;                  /* CAFile= absolute path, NULL: system CAs */
        char *cert_file;                /* CertFile= (with KeyFile=), NULL: none */
        char *key_file;                 /* KeyFile= */
        char *user;                     /* User= (with PasswordFile=), NULL: no authentication */
        char *password_file;            /* PasswordFile= absolute path, read by sluiced */
        char *host_name;                /* HostName= [A-Za-z0-9_.@+-]{1,64}; NULL: sluiced uses the hostname */
        char *prefix;                   /* Prefix= ("/sluice") */
        uint32_t lease_ttl_sec;         /* LeaseTTLSec= 2..86400 (10) */
        ClusterOnLeaseLost on_lease_lost;/* OnLeaseLost= keep|stop (keep) */
        char *endpoints_error;          /* Endpoints= was bad ("t.conf: [Cluster] Endpoints: etcd endpoint
                                         * \"ftp://x\": not an http:// or https:// URL"): not a config error
                                         * (issue 14: sluiced still serves host scope); sluiced logs it and
                                         * cluster jobs wait with it.  NULL when the endpoints are good. */
} ClusterConfig;

/* [Schedule NAME]: enqueue a job of a class on calendar events. */
typedef enum {
        CATCH_UP_ONCE,          /* CatchUp=once: one job for any number of missed elapses (default) */
        CATCH_UP_ALL,           /* CatchUp=all: one job per missed elapse */
        CATCH_UP_NONE,          /* CatchUp=none: missed elapses are dropped (and logged) */
        _CATCH_UP_MAX,
} CatchUpPolicy;

const char *catch_up_policy_to_string(CatchUpPolicy p);
int catch_up_policy_from_string(const char *s);         /* -1 if unknown */

typedef enum {
        OVERLAP_SKIP,           /* Overlap=skip: the previous run is queued/running: skip this elapse (default) */
        OVERLAP_QUEUE,          /* Overlap=queue: enqueue anyway */
        OVERLAP_REPLACE,        /* Overlap=replace: cancel the previous run, enqueue the new one */
        _OVERLAP_MAX,
} OverlapPolicy;

const char *overlap_policy_to_string(OverlapPolicy p);
int overlap_policy_from_string(const char *s);          /* -1 if unknown */

typedef struct CalendarSpec CalendarSpec;

typedef struct ScheduleConfig {
        char *name;
        char *description;              /* Description=, may be NULL */
        char *class_name;               /* Class= (required; must exist) */
        GHashTable *parameters;         /* Parameters= NAME=VALUE ...: char* -> char*, owned; never NULL;
                                         * checked against the class's declarations */
        char **on_calendar;             /* OnCalendar= expressions as written (";"-separated list, >= 1) */
        GPtrArray *calendars;           /* of CalendarSpec*, parsed from on_calendar, same order */
        bool has_priority;
        int32_t priority;               /* Priority= (the class's default when unset) */
        usec_t randomized_delay_usec;   /* RandomizedDelaySec= (0) */
        bool persistent;                /* Persistent= (no): catch up elapses missed while sluiced was down */
        CatchUpPolicy catch_up;         /* CatchUp= (once) */
        usec_t catch_up_within_usec;    /* CatchUpWithinSec= (0 = no bound): older misses are dropped */
        OverlapPolicy overlap;          /* Overlap= (skip) */
} ScheduleConfig;

/* [Alert NAME]: raise an alert when expected work does not happen. */
typedef enum {
        ALERT_SEVERITY_INFO,
        ALERT_SEVERITY_WARNING,         /* default */
        ALERT_SEVERITY_CRITICAL,
        _ALERT_SEVERITY_MAX,
} AlertSeverity;

const char *alert_severity_to_string(AlertSeverity s);
int alert_severity_from_string(const char *s);          /* -1 if unknown */

typedef struct AlertConfig {
        char *name;
        char *description;              /* Description=, may be NULL (used in the message) */
        char *class_name;               /* Class= (required; must exist) */
        usec_t within_usec;             /* Within= (0 = off): no successful job of the class within this */
        bool on_failure;                /* OnFailure= (no): a job of the class ended failed/timeout/lost/abandoned;
                                         * cleared by the next success */
        usec_t max_wait_usec;           /* MaxWaitSec= (0 = off): a job of the class waited longer than this
                                         * in the queue; cleared when none waits that long */
        AlertSeverity severity;         /* Severity= info|warning|critical (warning) */
        char *notify_class;             /* Notify= command class run when raised (NULL = none) */
} AlertConfig;

typedef enum {
        FAIR_BY_OWNER,          /* FairKey=owner */
        FAIR_BY_RESOURCE,       /* FairKey=resource:KEY */
} FairBy;

typedef struct SluiceConfig {
        gint ref;

        /* [Scheduler] */
        Discipline discipline;          /* Discipline= fifo|priority|fair (fifo) */
        uint32_t max_running;           /* MaxRunning= (4; 0 = unlimited) */
        uint32_t max_queued_per_user;   /* MaxQueuedPerUser= (1000; 0 = unlimited) */
        bool strict_order;              /* StrictOrder= (no) */
        usec_t aging_usec;              /* AgingSec= (600; 0 = no aging): +1 priority per AgingSec waited */
        FairBy fair_by;                 /* FairKey= owner | resource:KEY (owner) */
        char *fair_resource_key;        /* KEY for FAIR_BY_RESOURCE, else NULL */
        usec_t keep_finished_usec;      /* KeepFinishedSec= (300) */

        GHashTable *classes;            /* name -> ClassConfig* (owned) */
        GHashTable *resources;          /* key -> ResourceConfig* (owned) */

        GKeyFile *merged;               /* the merged key file this was built from */

        uint32_t max_running_per_user;  /* [Scheduler] MaxRunningPerUser= (0 = unlimited): jobs of one
                                         * owner running at once; further ones stay queued */

        usec_t history_max_age_usec;    /* [Scheduler] HistoryMaxAgeSec= (30d; 0 = no age limit): finished
                                         * jobs older than this leave the state database */
        uint32_t history_max_jobs;      /* [Scheduler] HistoryMaxJobs= (100000; 0 = unlimited): finished
                                         * jobs kept in the state database, the newest */

        GHashTable *schedules;          /* name -> ScheduleConfig* (owned) */
        GHashTable *alerts;             /* name -> AlertConfig* (owned) */

        GHashTable *key_origins;        /* "SECTION\nKEY" -> SluiceConfigOrigin*: where each set key of
                                         * ->merged came from; NULL when nothing says */

        ClusterConfig *cluster;         /* [Cluster] (owned), NULL without the section */
} SluiceConfig;

/* Where one key's value came from (sluice_config_key_origin(), GetConfig()). */
typedef struct SluiceConfigOrigin {
        char *source;           /* "file", "drop-in", "override" (stored), "runtime", "default" */
        char *location;         /* "FILE:LINE" for files, "" when there is none */
} SluiceConfigOrigin;

/* One key of the effective configuration, for GetConfig(). */
typedef struct SluiceConfigEntry {
        char *section;
        char *key;
        char *value;            /* as written (key-file syntax) */
        char *source;           /* as SluiceConfigOrigin's */
        char *location;
} SluiceConfigEntry;

void sluice_config_entry_free(SluiceConfigEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SluiceConfigEntry, sluice_config_entry_free)

/*
 * Every key of the effective configuration: the keys set (in files or by
 * overrides), section by section in file order, with where each came from;
 * then, for every section present, each known key left at a non-empty
 * default ("default", location "").
 */
GPtrArray *sluice_config_entries(const SluiceConfig *cfg);

/* Where @section/@key's value came from; NULL when it is not set (its default). */
const SluiceConfigOrigin *sluice_config_key_origin(const SluiceConfig *cfg, const char *section, const char *key);

/*
 * sluice_config_update() with the origin the changed keys are shown with
 * (@source "runtime" or "override", @location may be ""); sluice_config_update()
 * is this with "runtime", "".
 */
SluiceConfig *sluice_config_update_from(const SluiceConfig *cfg, const char *section,
                                        const char *const *keys, const char *const *values,
                                        const char *source, const char *location, GError **error);

/* Whether @key is a key sections like @section take (unknown section or key: InvalidConfig). */
bool sluice_config_check_key(const char *section, const char *key, GError **error);

/* Load path (NULL: the compiled-in default path) and its ".d" drop-ins. */
SluiceConfig *sluice_config_load(const char *path, GError **error);

/* Parse one key file's text; origin names it in errors (may be NULL). */
SluiceConfig *sluice_config_new_from_data(const char *data, const char *origin, GError **error);

/* The same from len bytes, which may hold a NUL byte (refused as a file's is). */
SluiceConfig *sluice_config_new_from_bytes(const char *data, size_t len, const char *origin, GError **error);

/* The embedded default configuration (always valid). */
SluiceConfig *sluice_config_new_default(void);
const char *sluice_config_default_data(void);

/*
 * A copy of cfg with the given keys of one section set (values in key-file
 * syntax, as strings), validated whole.  Section names as in the file:
 * "Scheduler", "Class gc", "Resource datastore:a".  A section that does not
 * exist yet is created (a new class or resource).  NULL + error on any
 * problem; cfg is never modified.
 */
SluiceConfig *sluice_config_update(const SluiceConfig *cfg, const char *section,
                                   const char *const *keys, const char *const *values,
                                   GError **error);

SluiceConfig *sluice_config_ref(SluiceConfig *cfg);
void sluice_config_unref(SluiceConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SluiceConfig, sluice_config_unref)

const ClassConfig *sluice_config_get_class(const SluiceConfig *cfg, const char *name);

/* The limit for one expanded resource ("datastore:a"): an exact [Resource]
 * section wins over a "KEY:*" one; 0 = unlimited. */
uint32_t sluice_config_resource_limit(const SluiceConfig *cfg, const char *resource);

/* The Scope= of one expanded resource, chosen as the limit is (exact section over "KEY:*"). */
ResourceScope sluice_config_resource_scope(const SluiceConfig *cfg, const char *resource);

/*
 * Whether @next may replace @running without a restart: [Cluster] and the
 * Scope= of every resource either names must be the same (a resource whose
 * jobs hold fleet keys cannot silently become host-scoped, and the etcd
 * connection is made once).  InvalidConfig "... restart sluiced ..." if not.
 */
bool sluice_config_check_runtime_change(const SluiceConfig *running, const SluiceConfig *next, GError **error);

/* Whether UpdateConfig() may set @key of @section: not [Cluster], not Scope=
 * (files only; InvalidConfig "... restart sluiced" if not). */
bool sluice_config_check_runtime_key(const char *section, const char *key, GError **error);

/* Sorted class names, NULL-terminated; free with g_strfreev(). */
char **sluice_config_class_names(const SluiceConfig *cfg);

/* Sorted schedule / alert names, NULL-terminated; free with g_strfreev(). */
char **sluice_config_schedule_names(const SluiceConfig *cfg);
char **sluice_config_alert_names(const SluiceConfig *cfg);
const ScheduleConfig *sluice_config_get_schedule(const SluiceConfig *cfg, const char *name);
const AlertConfig *sluice_config_get_alert(const SluiceConfig *cfg, const char *name);

/* Key file text of the whole effective config (for dumps and persistence). */
char *sluice_config_to_data(const SluiceConfig *cfg);
