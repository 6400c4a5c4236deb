/*
 * Leader election between two processes (lease_peer, started with
 * posix_spawn) on a short Lease: exactly one leads, the other takes over
 * once the leader is killed, and a clean stop releases the Lease. The
 * waits are bounds of several lease durations, not measurements.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kube.h"
#include "t.h"

#define LEASE_NAME "flint-test-leader"
#define LEASE_MS   2000
#define RENEW_MS   1500
#define RETRY_MS   400

static bool
peer_start(struct child *c, const char *ns, const char *id)
{
	char lease[16], renew[16], retry[16];
	char *argv[9];

	snprintf(lease, sizeof(lease), "%d", LEASE_MS);
	snprintf(renew, sizeof(renew), "%d", RENEW_MS);
	snprintf(retry, sizeof(retry), "%d", RETRY_MS);
	argv[0] = getenv("LEASE_PEER");
	argv[1] = (char *)(uintptr_t)kube_config_path();
	argv[2] = (char *)(uintptr_t)ns;
	argv[3] = LEASE_NAME;
	argv[4] = (char *)(uintptr_t)id;
	argv[5] = lease;
	argv[6] = renew;
	argv[7] = retry;
	argv[8] = NULL;
	if (argv[0] == NULL || argv[1] == NULL) {
		fprintf(stderr, "  LEASE_PEER or the kubeconfig is missing\n");
		return false;
	}
	return child_spawn(c, argv);
}

/* Reads both peers' output for up to ms. */
static void
read_both(struct child *a, struct child *b, int64_t ms)
{
	int64_t end = kube_now_ms() + ms;

	do {
		child_read(a, 20);
		child_read(b, 20);
	} while (kube_now_ms() < end);
}

static bool
observed(const struct child *c, const char *id)
{
	char line[128];

	snprintf(line, sizeof(line), "observed %s", id);
	return child_said(c, line);
}

static void
lease_holder(struct k8s *k, const char *ns, char *holder, int64_t *trans)
{
	struct k8s_lease l;
	struct err err = ERR_INIT;

	holder[0] = '\0';
	*trans = -1;
	if (k8s_lease_get(&l, k, ns, LEASE_NAME, &err) == -1) {
		fprintf(stderr, "  lease: %s\n", err.msg);
		return;
	}
	snprintf(holder, 254, "%s", l.holder);
	*trans = l.transitions;
}

/* Waits until one peer leads and the other has seen it; the leader. */
static struct child *
first_leader(struct child *a, struct child *b)
{
	int64_t end = kube_now_ms() + KUBE_WAIT_MS;

	while (kube_now_ms() < end) {
		read_both(a, b, 100);
		if (child_said(a, "leading") && observed(b, "peer-a"))
			return a;
		if (child_said(b, "leading") && observed(a, "peer-b"))
			return b;
	}
	return NULL;
}

static void
show(const char *who, const struct child *c)
{
	fprintf(stderr, "  %s said:\n%s", who, c->len > 0 ? c->buf : "");
}

T_TEST(test_one_of_two_leads_and_the_other_takes_over_when_it_dies)
{
	struct child a, b, *leader, *other;
	struct k8s *k = kube_client();
	char ns[64], holder[254];
	int64_t trans, end;
	int status;

	T_TRUE(k != NULL && kube_ns_create(k, "leader", ns));
	if (k == NULL)
		return;
	T_TRUE(peer_start(&a, ns, "peer-a"));
	T_TRUE(peer_start(&b, ns, "peer-b"));
	leader = first_leader(&a, &b);
	T_TRUE(leader != NULL);
	if (leader == NULL)
		goto out;
	other = leader == &a ? &b : &a;
	/* For two lease durations the follower keeps out. */
	read_both(&a, &b, 2 * LEASE_MS);
	T_TRUE(!child_said(other, "leading"));
	T_TRUE(!child_said(leader, "stopped leading"));
	lease_holder(k, ns, holder, &trans);
	T_STREQ(holder, leader == &a ? "peer-a" : "peer-b");

	child_kill(leader);
	end = kube_now_ms() + 10 * LEASE_MS;
	while (!child_said(other, "leading") && kube_now_ms() < end)
		child_read(other, 100);
	T_TRUE(child_said(other, "leading"));
	lease_holder(k, ns, holder, &trans);
	T_STREQ(holder, other == &a ? "peer-a" : "peer-b");
	T_TRUE(trans >= 1);

	/* A clean stop hands the Lease back. */
	kill(other->pid, SIGTERM);
	status = child_wait(other, KUBE_WAIT_MS);
	T_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_TRUE(child_said(other, "stopped leading"));
	T_TRUE(child_said(other, "exit"));
	lease_holder(k, ns, holder, &trans);
	T_STREQ(holder, "");
out:
	child_kill(&a);
	child_kill(&b);
	show("peer-a", &a); /* ctest shows it when the test fails */
	show("peer-b", &b);
	kube_ns_delete(k, ns);
	k8s_free(k);
}
