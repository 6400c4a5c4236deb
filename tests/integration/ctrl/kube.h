/*
 * Helpers for the controller-skeleton tests against the local control
 * plane ($FLINT_CLUSTER_DIR): a client, throw-away namespaces, objects
 * from JSON text, a handler that records informer events, and child
 * processes (posix_spawn) whose stdout lines the test reads.
 */
#ifndef FLINT_TEST_KUBE_H
#define FLINT_TEST_KUBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctrl/informer.h"
#include "k8s/k8s.h"

#define KUBE_WAIT_MS 30000 /* generous: the machine is shared and busy */

int64_t kube_now_ms(void);
void kube_sleep_ms(int64_t ms);

/* $FLINT_CLUSTER_DIR/kubeconfig, or NULL (the test then fails). */
const char *kube_config_path(void);
/* A client for the test cluster; NULL after printing why. */
struct k8s *kube_client(void);
/* The loaded configuration (for leader_new()); false after printing. */
bool kube_config(struct k8s_config *out);

/* Creates namespace "<prefix>-<pid>-<n>" into name (64 bytes). */
bool kube_ns_create(struct k8s *k, const char *prefix, char *name);
void kube_ns_delete(struct k8s *k, const char *name);

/* Creates the object printf-formatted JSON describes; false on error. */
bool kube_create(struct k8s *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Merge-patches the named object with printf-formatted JSON. */
bool kube_patch(struct k8s *k, const struct k8s_ref *ref, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool kube_delete(struct k8s *k, const struct k8s_ref *ref);

/* ---- recording informer events ------------------------------------------ */

#define REC_MAX 256

struct rec_event {
	enum informer_event_type type;
	char name[64];
	char value[64]; /* data.v (ConfigMap) or message (Event) */
	char old_value[64];
	bool synthetic;
};

struct recorder {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rec_event ev[REC_MAX];
	size_t n;
};

void rec_init(struct recorder *r);
void rec_release(struct recorder *r);
/* An informer handler (arg: the recorder); RESYNC is not recorded. */
void rec_handler(void *arg, const struct informer_event *ev);
/* Waits until n events were recorded; false on timeout. */
bool rec_wait(struct recorder *r, size_t n, int64_t timeout_ms);
/* Index of the first event of that type and name at or after from, or
 * -1. */
int rec_find(struct recorder *r, size_t from, enum informer_event_type type,
    const char *name);
/* Waits for rec_find() to find one; returns its index or -1. */
int rec_wait_for(struct recorder *r, size_t from, enum informer_event_type type,
    const char *name, int64_t timeout_ms);
void rec_dump(struct recorder *r);

/* ---- child processes ------------------------------------------------------
 */

struct child {
	pid_t pid;
	int out; /* read end of its stdout, -1 when closed */
	char buf[4096];
	size_t len;
	int status; /* waitpid() status, -1 until reaped */
};

/* Spawns argv[0] (a path) with argv, stdout to a pipe. */
bool child_spawn(struct child *c, char *const *argv);
/* Reads what is available for up to wait_ms; false at end of file. */
bool child_read(struct child *c, int wait_ms);
/* Whether a complete output line equals line. */
bool child_said(const struct child *c, const char *line);
/* Waits for the child to exit; returns its status or -1 on timeout. */
int child_wait(struct child *c, int64_t timeout_ms);
/* SIGKILLs and reaps a child that is still running; closes its pipe. */
void child_kill(struct child *c);

/* Runs tests/harness/cluster with verb and waits; true on exit 0. */
bool kube_harness(const char *verb, int64_t timeout_ms);

#endif /* FLINT_TEST_KUBE_H */
