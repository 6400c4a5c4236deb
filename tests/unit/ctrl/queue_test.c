/* The work queue: de-duplication, dirty requeue, delays, backoff. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctrl/queue.h"
#include "t.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

T_TEST(test_same_key_is_queued_once_in_fifo_order)
{
	struct queue *q = queue_new(NULL);
	char *k;

	queue_add(q, "a");
	queue_add(q, "b");
	queue_add(q, "a");
	T_EQ(queue_len(q), 2);
	k = queue_get(q);
	T_STREQ(k, "a");
	queue_done(q, k);
	free(k);
	k = queue_get(q);
	T_STREQ(k, "b");
	queue_done(q, k);
	free(k);
	T_EQ(queue_len(q), 0);
	queue_free(q);
}

T_TEST(test_key_added_while_processing_comes_back_after_done)
{
	struct queue *q = queue_new(NULL);
	char *k, *k2;

	queue_add(q, "a");
	k = queue_get(q);
	queue_add(q, "a");
	T_EQ(queue_len(q), 0); /* not handed to a second worker */
	queue_done(q, k);
	T_EQ(queue_len(q), 1);
	k2 = queue_get(q);
	T_STREQ(k2, "a");
	queue_done(q, k2);
	free(k);
	free(k2);
	queue_free(q);
}

T_TEST(test_delayed_key_waits_and_earlier_delay_wins)
{
	struct queue *q = queue_new(NULL);
	int64_t start = mono_ms();
	char *k;

	queue_add_after(q, "late", 60000);
	queue_add_after(q, "x", 100);
	queue_add_after(q, "x", 5000); /* later: ignored */
	T_EQ(queue_len(q), 0);
	k = queue_get(q);
	T_STREQ(k, "x");
	T_TRUE(mono_ms() - start >= 100);
	queue_done(q, k);
	free(k);
	T_EQ(queue_len(q), 0); /* "late" is still pending */
	queue_free(q);
}

T_TEST(test_backoff_doubles_to_the_cap_and_forget_resets)
{
	struct queue_backoff b = { .base_ms = 10, .max_ms = 50 };
	struct queue *q = queue_new(&b);

	T_EQ(queue_add_backoff(q, "k"), 10);
	T_EQ(queue_add_backoff(q, "k"), 20);
	T_EQ(queue_add_backoff(q, "k"), 40);
	T_EQ(queue_add_backoff(q, "k"), 50);
	T_EQ(queue_add_backoff(q, "k"), 50);
	queue_forget(q, "k");
	T_EQ(queue_add_backoff(q, "k"), 10);
	queue_free(q);
}

static void *
get_after_shutdown(void *arg)
{
	return queue_get(arg);
}

T_TEST(test_shutdown_wakes_blocked_getters)
{
	struct queue *q = queue_new(NULL);
	pthread_t t;
	void *res = (void *)1;

	pthread_create(&t, NULL, get_after_shutdown, q);
	queue_add_after(q, "never", 60000);
	queue_shutdown(q);
	pthread_join(t, &res);
	T_TRUE(res == NULL);
	queue_add(q, "ignored");
	T_EQ(queue_len(q), 0);
	queue_free(q);
}

struct tally {
	atomic_int done;
	atomic_int busy[16];
	atomic_int overlap;
	atomic_int runs[16];
};

static void
work(void *arg, const char *key)
{
	struct tally *t = arg;
	int i = (int)strtol(key + 1, NULL, 10); /* keys are "k0".."k15" */

	if (atomic_fetch_add(&t->busy[i], 1) != 0)
		atomic_fetch_add(&t->overlap, 1);
	atomic_fetch_sub(&t->busy[i], 1);
	atomic_fetch_add(&t->done, 1);
	atomic_fetch_add(&t->runs[i], 1);
}

T_TEST(test_workers_never_run_one_key_twice_at_once)
{
	struct queue *q = queue_new(NULL);
	struct tally t = { 0 };
	struct queue_workers *w = queue_workers_start(q, 4, work, &t);
	char key[16];

	for (int round = 0; round < 200; round++)
		for (int i = 0; i < 16; i++) {
			snprintf(key, sizeof(key), "k%d", i);
			queue_add(q, key);
		}
	while (queue_len(q) > 0)
		sched_yield();
	queue_workers_stop(w);
	T_EQ(atomic_load(&t.overlap), 0);
	for (int i = 0; i < 16; i++)
		T_TRUE(atomic_load(&t.runs[i]) >= 1);
	queue_free(q);
}
