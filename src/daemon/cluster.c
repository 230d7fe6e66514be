/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluiced's side of cluster limits (cluster.h, docs/cluster.md): loading the
 * module, its settings, the core's ops, and the module's hooks.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "alerts.h"
#include "cluster.h"
#include "config.h"
#include "i18n.h"
#include "macro.h"
#include "store.h"

#define PASSWORD_MAX 4096
#define HOST_NAME_MAX_LEN 64
#define LEASE_LOST_ALERT "cluster-lease-lost"

struct DaemonCluster {
        Manager *manager;
        void *dl;                       /* dlopen() handle */
        const ClusterModule *module;
        Cluster *c;                     /* the module's instance, NULL when unavailable */
        char *host_name;
        char *unavailable;              /* why cluster scope is unavailable (translated), NULL: it is not */
        ClusterOnLeaseLost on_lease_lost;
        int64_t lease_id;               /* granted last */
        bool lease_dirty;               /* to store at the next commit */
        sd_event_source *stop_source;   /* OnLeaseLost=stop: the cancels, outside the module's hook */
};

static DaemonCluster *get(Manager *m) {
        return m ? m->cluster : NULL;
}

/* ---- the core's ops ---- */

static bool ops_admitted(void *userdata, uint64_t job_id, const char *resource, uint32_t limit, char **ret_reason) {
        DaemonCluster *dc = userdata;
        ClusterAnswer a;

        if (!dc->c) {
                *ret_reason = g_strdup(dc->unavailable ? dc->unavailable : _("not connected"));
                return false;
        }
        a = dc->module->answer(dc->c, job_id, resource, limit, ret_reason);
        if (a == CLUSTER_ADMITTED)
                return true;
        if (!*ret_reason)
                *ret_reason = g_strdup(a == CLUSTER_WAITING ? _("waiting") : _("unavailable"));
        return false;
}

static const SchedulerClusterOps cluster_ops = { .admitted = ops_admitted };

/* ---- the module's hooks ---- */

static void hook_changed(void *userdata) {
        Manager *m = userdata;

        manager_mark_dirty(m, MANAGER_PROP_CLUSTER);
        manager_schedule_post(m);
}

static int on_stop(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        g_autoptr(GPtrArray) jobs = scheduler_list_jobs(m->scheduler);
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);

        for (guint i = 0; i < jobs->len; i++) {
                Job *j = jobs->pdata[i];
                bool cluster = false;

                if (j->state != JOB_STATE_RUNNING)
                        continue;
                for (char **r = j->resources; r && *r && !cluster; r++)
                        cluster = sluice_config_resource_scope(cfg, *r) == RESOURCE_SCOPE_CLUSTER;
                if (!cluster)
                        continue;
                log_job(&m->log, LOG_WARNING, j, "stopping: the cluster lease was lost (OnLeaseLost=stop)");
                (void) scheduler_cancel_detail(m->scheduler, j, _("cluster lease lost"), manager_now(m), NULL);
        }
        manager_schedule_post(m);
        return 0;
}

static void hook_lease_lost(void *userdata, const char *why) {
        Manager *m = userdata;
        DaemonCluster *dc = get(m);
        g_autofree char *message = NULL;

        if (!dc)
                return;
        message = g_strdup_printf(dc->on_lease_lost == CLUSTER_ON_LEASE_LOST_STOP
                                          ? _("cluster lease of host %s lost (%s): its cluster jobs are stopped "
                                              "(OnLeaseLost=stop)")
                                          : _("cluster lease of host %s lost (%s): its running cluster jobs go on, "
                                              "the fleet limit may be exceeded (OnLeaseLost=keep)"),
                                  dc->host_name, why);
        log_full(&m->log, LOG_WARNING, "%s", message);
        alerts_raise_system(m, LEASE_LOST_ALERT, ALERT_SEVERITY_WARNING, message);
        if (dc->on_lease_lost == CLUSTER_ON_LEASE_LOST_STOP && dc->stop_source)
                (void) sd_event_source_set_enabled(dc->stop_source, SD_EVENT_ONESHOT);
        hook_changed(m);
}

static void hook_lease_granted(void *userdata, int64_t lease_id) {
        Manager *m = userdata;
        DaemonCluster *dc = get(m);

        if (!dc)
                return;
        dc->lease_id = lease_id;
        dc->lease_dirty = true;
        log_full(&m->log, LOG_INFO, "cluster lease %" PRIx64 " of host %s granted", (uint64_t) lease_id,
                 dc->host_name);
        alerts_clear_system(m, LEASE_LOST_ALERT);
        hook_changed(m);
}

static void hook_log(void *userdata, int priority, const char *message) {
        Manager *m = userdata;

        log_full(&m->log, priority, "%s", message);
}

static const ClusterHooks cluster_hooks = {
        .changed = hook_changed,
        .lease_lost = hook_lease_lost,
        .lease_granted = hook_lease_granted,
        .log = hook_log,
};

/* ---- loading ---- */

/* The module's path: SLUICE_CLUSTER_MODULE (tests: an absolute path to a
 * regular file) or the installed one. */
static const char *module_path(char **ret_error) {
        const char *env = getenv("SLUICE_CLUSTER_MODULE");
        struct stat st;

        if (!env || !*env)
                return SLUICE_CLUSTER_MODULE_PATH;
        if (env[0] != '/' || stat(env, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret_error = g_strdup_printf(_("SLUICE_CLUSTER_MODULE=%s: not an absolute path to a regular file"), env);
                return NULL;
        }
        return env;
}

static char *load_module(DaemonCluster *dc) {
        g_autofree char *error = NULL;
        const char *path = module_path(&error);
        const ClusterModule *mod;

        if (!path)
                return g_steal_pointer(&error);
        dc->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dc->dl)
                return g_strdup_printf(_("[Cluster]: the cluster module %s cannot be loaded (is the package "
                                         "sluice-cluster installed?): %s"), path, dlerror());
        mod = dlsym(dc->dl, SLUICE_CLUSTER_MODULE_SYMBOL);
        if (!mod)
                return g_strdup_printf(_("[Cluster]: %s has no symbol %s: not a sluice cluster module"), path,
                                       SLUICE_CLUSTER_MODULE_SYMBOL);
        if (mod->abi != SLUICE_CLUSTER_MODULE_ABI)
                return g_strdup_printf(_("[Cluster]: the cluster module %s has ABI %u, this sluiced needs %u "
                                         "(install the module of the same sluice version)"),
                                       path, mod->abi, SLUICE_CLUSTER_MODULE_ABI);
        dc->module = mod;
        return NULL;
}

/* PasswordFile=: not readable by others; one line, the trailing newline dropped. */
static char *read_password(const char *path, char **ret_error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        g_autofree char *buf = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0 || fstat(fd, &st) < 0) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s: %s"), path, g_strerror(errno));
                return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s: not a regular file"), path);
                return NULL;
        }
        if (st.st_mode & (S_IROTH | S_IWOTH)) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s is readable by others (mode %04o): "
                                               "chmod o-rwx it"), path, (unsigned) (st.st_mode & 07777));
                return NULL;
        }
        buf = g_malloc0(PASSWORD_MAX + 1);
        n = read(fd, buf, PASSWORD_MAX + 1);
        if (n < 0) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s: %s"), path, g_strerror(errno));
                return NULL;
        }
        if (n > PASSWORD_MAX || memchr(buf, '\0', (size_t) n)) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s: not one line of at most %d bytes"), path,
                                             PASSWORD_MAX);
                return NULL;
        }
        if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        if (n == 0 || strchr(buf, '\n')) {
                *ret_error = g_strdup_printf(_("[Cluster] PasswordFile: %s: not one line of at most %d bytes"), path,
                                             PASSWORD_MAX);
                return NULL;
        }
        return g_steal_pointer(&buf);
}

static char *check_readable(const char *key, const char *path) {
        if (path && access(path, R_OK) < 0)
                return g_strdup_printf(_("[Cluster] %s: %s: %s"), key, path, g_strerror(errno));
        return NULL;
}

static bool is_fleet_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > HOST_NAME_MAX_LEN || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (!g_ascii_isalnum(*s) && !strchr("_.@+-", *s))
                        return false;
        return true;
}

static char *host_name_of(const ClusterConfig *cc, char **ret_error) {
        char buf[256] = "";

        if (cc->host_name)
                return g_strdup(cc->host_name);
        if (gethostname(buf, sizeof(buf) - 1) < 0 || !is_fleet_name(buf)) {
                *ret_error = g_strdup_printf(_("[Cluster] HostName: the hostname \"%s\" is not usable as a name in "
                                               "the fleet ([A-Za-z0-9_.@+-]{1,64}): set HostName="),
                                             g_utf8_validate(buf, -1, NULL) ? buf : "?");
                return NULL;
        }
        return g_strdup(buf);
}

/* The jobs of cluster resources sluiced has at start: running ones held a
 * slot, queued ones may have asked for one. */
static GArray *recover_jobs(Manager *m) {
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_autoptr(GPtrArray) jobs = scheduler_list_jobs(m->scheduler);
        GArray *out = g_array_new(false, false, sizeof(ClusterRecoverJob));

        for (guint i = 0; i < jobs->len; i++) {
                Job *j = jobs->pdata[i];

                if (j->state == JOB_STATE_DONE)
                        continue;
                for (char **r = j->resources; r && *r; r++) {
                        ClusterRecoverJob rj = {
                                .job_id = j->id,
                                .resource = *r,
                                .limit = sluice_config_resource_limit(cfg, *r),
                                .running = j->state == JOB_STATE_RUNNING,
                        };

                        if (sluice_config_resource_scope(cfg, *r) == RESOURCE_SCOPE_CLUSTER && rj.limit > 0)
                                g_array_append_val(out, rj);
                }
        }
        return out;
}

static char *start_module(Manager *m, DaemonCluster *dc, const ClusterConfig *cc) {
        g_autofree char *error = NULL, *password = NULL;
        g_autoptr(GError) gerror = NULL;
        g_autoptr(GArray) rec = NULL;
        int64_t stored = 0;

        if (cc->endpoints_error)
                return g_strdup(cc->endpoints_error);
        if ((error = check_readable("CAFile", cc->ca_file)) || (error = check_readable("CertFile", cc->cert_file)) ||
            (error = check_readable("KeyFile", cc->key_file)))
                return g_steal_pointer(&error);
        if (cc->password_file && !(password = read_password(cc->password_file, &error)))
                return g_steal_pointer(&error);
        if ((error = load_module(dc)))
                return g_steal_pointer(&error);
        if (m->store && !store_load_cluster_lease(m->store, &stored, &gerror)) {
                log_full(&m->log, LOG_WARNING, "no stored cluster lease: %s", gerror->message);
                g_clear_error(&gerror);
        }

        ClusterSettings settings = {
                .endpoints = (const char *const *) cc->endpoints,
                .ca_file = cc->ca_file,
                .cert_file = cc->cert_file,
                .key_file = cc->key_file,
                .user = cc->user,
                .password = password,
                .host_name = dc->host_name,
                .prefix = cc->prefix,
                .lease_ttl_sec = cc->lease_ttl_sec,
                .stored_lease_id = stored,
        };
        if (dc->module->new(m->event, &settings, &cluster_hooks, m, &dc->c, &gerror) < 0 || !dc->c) {
                dc->c = NULL;
                return g_strdup_printf(_("[Cluster]: the cluster module refused the settings: %s"),
                                       gerror ? gerror->message : _("no reason given"));
        }
        if (password)
                explicit_bzero(password, strlen(password));

        /* Before the first dispatch: the slots of the jobs sluiced has (docs/cluster.md, "Restart"). */
        rec = recover_jobs(m);
        dc->module->recover(dc->c, (const ClusterRecoverJob *) (void *) rec->data, rec->len);
        log_full(&m->log, LOG_INFO, "cluster: host %s, %u job slots to recover, endpoints %s", dc->host_name,
                 rec->len, cc->endpoints[0]);
        return NULL;
}

/**
 * cluster_start() - load and start the cluster module, when [Cluster] says so
 * @m: the manager, its jobs re-attached and restored
 *
 * Return: 0 (a cluster that cannot start is logged; host scope goes on).
 */
int cluster_start(Manager *m) {
        const ClusterConfig *cc = scheduler_get_config(m->scheduler)->cluster;
        g_autofree char *error = NULL;
        DaemonCluster *dc;
        int r;

        if (!cc || m->cluster)
                return 0;
        dc = m->cluster = g_new0(DaemonCluster, 1);
        dc->manager = m;
        dc->on_lease_lost = cc->on_lease_lost;
        r = sd_event_add_defer(m->event, &dc->stop_source, on_stop, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(dc->stop_source, SD_EVENT_OFF);
        if (r < 0)
                log_errno(&m->log, LOG_ERR, r, "cannot create the cluster stop source");

        dc->host_name = host_name_of(cc, &error);
        if (dc->host_name)
                error = start_module(m, dc, cc);
        if (error) {
                dc->unavailable = g_steal_pointer(&error);
                log_full(&m->log, LOG_ERR, "%s; host-scoped resources work as usual, cluster jobs wait",
                         dc->unavailable);
        }
        /* Set even when unavailable: cluster jobs then wait with the reason. */
        scheduler_set_cluster_ops(m->scheduler, &cluster_ops, dc);
        manager_mark_dirty(m, MANAGER_PROP_CLUSTER);
        return 0;
}

/**
 * cluster_free() - stop the module and unload it
 * @dc: the daemon's side (may be NULL)
 */
void cluster_free(DaemonCluster *dc) {
        if (!dc)
                return;
        if (dc->c)
                dc->module->free(dc->c);
        sd_event_source_disable_unref(dc->stop_source);
        if (dc->dl)
                dlclose(dc->dl);
        g_free(dc->host_name);
        g_free(dc->unavailable);
        g_free(dc);
}

/**
 * cluster_flush() - the post step's cluster step: wants and releases go out
 * @m: the manager
 */
void cluster_flush(Manager *m) {
        DaemonCluster *dc = get(m);

        if (dc && dc->c)
                dc->module->flush(dc->c);
}

/**
 * cluster_job_event() - release the fleet slots of a job that no longer needs them
 * @m: the manager
 * @type: the event
 * @job: the job
 * @changed: what changed
 *
 * A job ends (whatever the result: its key goes, held or wanted), or goes
 * back to the queue for a retry (its next attempt asks again).
 */
void cluster_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
        DaemonCluster *dc = get(m);
        const SluiceConfig *cfg;

        if (!dc || !dc->c || type != SCHED_EVENT_JOB_CHANGED || !(changed & JOB_CHANGED_STATE))
                return;
        if (job->state != JOB_STATE_DONE && job->state != JOB_STATE_QUEUED)
                return;
        cfg = scheduler_get_config(m->scheduler);
        for (char **r = job->resources; r && *r; r++)
                if (sluice_config_resource_scope(cfg, *r) == RESOURCE_SCOPE_CLUSTER)
                        dc->module->release(dc->c, job->id, *r);
}

/**
 * cluster_store_dirty() - a lease id waits for the commit
 * @m: the manager
 *
 * Return: true when cluster_store_flush() has something to write.
 */
bool cluster_store_dirty(Manager *m) {
        DaemonCluster *dc = get(m);

        return dc && dc->lease_dirty;
}

/**
 * cluster_store_flush() - inside the group commit: the lease id granted last
 * @m: the manager
 * @error: set on failure
 *
 * Return: true on success.
 */
bool cluster_store_flush(Manager *m, GError **error) {
        DaemonCluster *dc = get(m);

        if (!dc || !dc->lease_dirty || !m->store)
                return true;
        return store_put_cluster_lease(m->store, dc->lease_id, error);
}

/**
 * cluster_store_committed() - the transaction of cluster_store_flush() is durable
 * @m: the manager
 */
void cluster_store_committed(Manager *m) {
        DaemonCluster *dc = get(m);

        if (dc)
                dc->lease_dirty = false;
}

/**
 * manager_cluster_resources() - the fleet as this host last saw it
 * @m: the manager
 * @ret_state: "off", "unavailable", "up" or "down" (may be NULL)
 *
 * Return: a GPtrArray of ClusterResourceView* (free func set), never NULL.
 */
GPtrArray *manager_cluster_resources(Manager *m, const char **ret_state) {
        DaemonCluster *dc = get(m);
        bool up = false;
        GPtrArray *out;

        if (!dc || !dc->c) {
                if (ret_state)
                        *ret_state = dc ? "unavailable" : "off";
                return g_ptr_array_new();
        }
        out = dc->module->resources(dc->c, &up);
        if (ret_state)
                *ret_state = up ? "up" : "down";
        return out ? out : g_ptr_array_new();
}

/**
 * manager_cluster_host_name() - this host's name in the fleet
 * @m: the manager
 *
 * Return: the name, NULL without [Cluster] (or when the hostname is unusable).
 */
const char *manager_cluster_host_name(Manager *m) {
        DaemonCluster *dc = get(m);

        return dc ? dc->host_name : NULL;
}

/**
 * manager_cluster_unavailable() - why cluster scope does not work
 * @m: the manager
 *
 * Return: the translated reason, NULL when it works or without [Cluster].
 */
const char *manager_cluster_unavailable(Manager *m) {
        DaemonCluster *dc = get(m);

        return dc ? dc->unavailable : NULL;
}
