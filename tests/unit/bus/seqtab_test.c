/* Per-sender sequence tracking: gaps, stale messages, restarts, bounds. */
#include "bus/bus_int.h"
#include "t.h"

/* Checks seq and returns what went missing before it, or -1 if stale. */
static long long
check(struct seqtab *t, const char *sender, uint64_t epoch, uint64_t seq)
{
	uint64_t missed = 99;

	if (seqtab_check(t, &missed, sender, epoch, seq) == SEQ_STALE)
		return -1;
	return (long long)missed;
}

T_TEST(test_in_order_has_no_gaps)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	for (uint64_t s = 1; s <= 100; s++)
		T_EQ(check(&t, "a", 1, s), 0);
	seqtab_release(&t);
}

T_TEST(test_hole_reports_its_size)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	T_EQ(check(&t, "a", 1, 1), 0);
	T_EQ(check(&t, "a", 1, 2), 0);
	T_EQ(check(&t, "a", 1, 5), 2);
	T_EQ(check(&t, "a", 1, 6), 0);
	seqtab_release(&t);
}

T_TEST(test_first_contact_counts_what_came_before)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	T_EQ(check(&t, "a", 1, 7), 6);
	T_EQ(check(&t, "b", 1, 1), 0);
	seqtab_release(&t);
}

T_TEST(test_duplicates_and_reordering_are_stale)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	T_EQ(check(&t, "a", 1, 3), 2);
	T_EQ(check(&t, "a", 1, 3), -1);
	T_EQ(check(&t, "a", 1, 2), -1);
	T_EQ(check(&t, "a", 1, 4), 0);
	seqtab_release(&t);
}

T_TEST(test_senders_are_tracked_apart)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	T_EQ(check(&t, "a", 1, 1), 0);
	T_EQ(check(&t, "b", 1, 1), 0);
	T_EQ(check(&t, "a", 1, 2), 0);
	T_EQ(check(&t, "b", 1, 3), 1);
	seqtab_release(&t);
}

T_TEST(test_restart_resets_and_old_epoch_is_stale)
{
	struct seqtab t;

	seqtab_init(&t, 4);
	T_EQ(check(&t, "a", 10, 500), 499);
	T_EQ(check(&t, "a", 20, 1), 0); /* restarted */
	T_EQ(check(&t, "a", 10, 501), -1);
	T_EQ(check(&t, "a", 20, 3), 1);
	seqtab_release(&t);
}

T_TEST(test_full_table_forgets_least_recently_heard)
{
	struct seqtab t;

	seqtab_init(&t, 2);
	T_EQ(check(&t, "a", 1, 1), 0);
	T_EQ(check(&t, "b", 1, 1), 0);
	T_EQ(check(&t, "a", 1, 2), 0);
	T_EQ(check(&t, "c", 1, 1), 0); /* evicts b */
	T_EQ(t.n, 2);
	T_EQ(check(&t, "a", 1, 3), 0); /* a survived */
	T_EQ(check(&t, "b", 1, 2), 1); /* b looks new again */
	seqtab_release(&t);
}
