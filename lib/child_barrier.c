// SPDX-License-Identifier: GPL-2.0
/*
 * child_barrier - fence run-time child create/remove against parent removal
 *
 * The barrier is CHILD_BARRIER_SLOTS atomic long counters, each on its own cache
 * line, and two state bits.
 *
 * begin_child_op() increments the slot of the CPU it runs on, unless that
 * slot is dead; end_child_op() decrements the slot of the CPU it runs on,
 * which may be another one if the op migrated.  So a single slot means
 * nothing while live (it may even be negative), but the sum over the slots
 * is the number of ops in flight.  The first drain_and_unregister() adds
 * CHILD_BARRIER_DEAD_BIAS to every slot in use (child_barrier_nr_slots(),
 * at most one per possible CPU), last slot last: from then on every begin
 * fails, on any CPU, and the sum climbs back to exactly one bias per slot
 * as the ops in flight end.  The first drain is the one whose bias kills
 * slot 0; it sleeps until the sum is back to the biases, runs the teardown
 * with no op in flight, sets CHILD_BARRIER_DRAINED and wakes a second drain
 * if one set CHILD_BARRIER_WAITING.  Only child_barrier_init() makes the
 * barrier live again.
 *
 * Whether a begin and the drain race or not, both are read-modify-writes of
 * the same slot: either the begin's increment comes first in that slot, and
 * the drain, which reads every slot after it has biased all of them, counts
 * the op; or the bias comes first, and the begin fails.  An end tells from
 * the value its own decrement returns whether the barrier is dead, so it
 * never touches the barrier after the decrement, which may have let the
 * drain finish and the owner free the barrier.
 *
 * For lockdep an op is a read trylock of @dep_map (a begin never blocks, as
 * kernfs active references), and the drain is a write lock held across the
 * wait and the teardown.  So a drain from inside an op, or an op that takes
 * a lock the drain holds, is reported just as for an rwsem.
 *
 * A drain that waits long reports itself, with the number of ops it waits
 * for, instead of hanging silently; with lockdep the report lists the tasks
 * that are inside an op.
 */

#include <linux/child_barrier.h>
#include <linux/debug_locks.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>

/* How long a drain waits before it reports ops that do not end. */
#define CHILD_BARRIER_REPORT_SECS	10

/**
 * __child_barrier_init() - set up a child barrier; use child_barrier_init()
 * @b: the barrier
 * @name: lockdep name of the barrier's class
 * @key: lockdep class key, one per call site of child_barrier_init()
 *
 * Context: Any context.  No op and no drain may be running on @b.
 */
void __child_barrier_init(struct child_barrier *b, const char *name,
			  struct lock_class_key *key)
{
	int i;

	for (i = 0; i < CHILD_BARRIER_SLOTS; i++)
		atomic_long_set(&b->slot[i].ops, 0);
	b->state = 0;
	lockdep_init_map_wait(&b->dep_map, name, key, 0, LD_WAIT_SLEEP);
}
EXPORT_SYMBOL_GPL(__child_barrier_init);

static atomic_long_t *child_barrier_slot(struct child_barrier *b)
{
	/*
	 * Any slot is correct; the current CPU's keeps the line local.  With
	 * at most CHILD_BARRIER_SLOTS CPUs this is below
	 * child_barrier_nr_slots().
	 */
	return &b->slot[raw_smp_processor_id() & (CHILD_BARRIER_SLOTS - 1)].ops;
}

/**
 * begin_child_op() - enter an op: a child create or remove
 * @b: the parent's barrier
 *
 * On success the caller is inside an op until it calls end_child_op(), and
 * the drain of @b waits for it.  Many ops may be inside at once, and an op
 * may sleep.  An op must end in the task that began it.
 *
 * Context: Any context; never sleeps.
 * Return: true if the op may go on; false if the drain has started, in which
 * case the caller must not touch the parent and usually returns -ENODEV.
 * Once false, false until child_barrier_init() is called again.
 */
bool begin_child_op(struct child_barrier *b)
{
	atomic_long_t *ops = child_barrier_slot(b);
	long old = atomic_long_read(ops);

	/*
	 * Fully ordered when it succeeds.  Against the drain only the order of
	 * the two read-modify-writes of this slot matters (see the top of this
	 * file), so no further barrier is needed.
	 */
	do {
		if (unlikely(old < CHILD_BARRIER_DEAD_LIMIT))
			return false;
	} while (!atomic_long_try_cmpxchg(ops, &old, old + 1));
	rwsem_acquire_read(&b->dep_map, 0, 1, _RET_IP_);
	return true;
}
EXPORT_SYMBOL_GPL(begin_child_op);

/**
 * end_child_op() - leave an op begun by begin_child_op()
 * @b: the parent's barrier
 *
 * Everything the op did before end_child_op() is visible to the teardown
 * run by drain_and_unregister(): the decrement is fully ordered and pairs
 * with the drain's acquire read of the counter.  After it returns the
 * caller must not touch the parent: its drain may have finished.
 *
 * An end without a matching begin warns once and changes nothing (with
 * lockdep; without it, the drain warns once it finds more ends than begins,
 * and does not wait for the ops the extra end hid).
 *
 * Context: Any context but NMI, in the task that began the op.
 */
void end_child_op(struct child_barrier *b)
{
#ifdef CONFIG_LOCKDEP
	/* Slots cannot tell a missing begin; lockdep can. */
	if (WARN_ON_ONCE(debug_locks &&
			 lockdep_is_held(b) == LOCK_STATE_NOT_HELD))
		return;
#endif
	/* Before the decrement: after it, @b may be gone. */
	rwsem_release(&b->dep_map, _RET_IP_);

	/*
	 * Fully ordered: releases the op's stores to the drain's
	 * atomic_long_read_acquire() in child_barrier_ops(), and orders the
	 * decrement before wake_up_var() looks for waiters, which pairs with
	 * set_current_state() in the drain's wait_var_event_timeout().  Only
	 * the returned value is used: @b is not touched after this.
	 */
	if (atomic_long_dec_return(child_barrier_slot(b)) <
	    CHILD_BARRIER_DEAD_LIMIT)
		wake_up_var(b);
}
EXPORT_SYMBOL_GPL(end_child_op);

/* Ops in flight, once every slot is dead. */
static long child_barrier_ops(struct child_barrier *b)
{
	unsigned int i;
	long n = 0;

	/* Acquire: pairs with the fully ordered decrement in end_child_op(). */
	for (i = 0; i < child_barrier_nr_slots(); i++)
		n += atomic_long_read_acquire(&b->slot[i].ops) -
		     CHILD_BARRIER_DEAD_BIAS;
	return n;
}

static bool child_barrier_ops_done(struct child_barrier *b)
{
	long n = child_barrier_ops(b);

	/* Below zero only if some end_child_op() had no begin. */
	WARN_ON_ONCE(n < 0);
	return n <= 0;
}

static bool child_barrier_drained(struct child_barrier *b)
{
	/* Acquire: pairs with the release before set_bit() in the drain. */
	return test_bit_acquire(CHILD_BARRIER_DRAINED, &b->state);
}

/*
 * Sleep until the ops in flight have ended (@first) or until the first drain
 * is done (!@first), reporting every CHILD_BARRIER_REPORT_SECS instead of
 * hanging silently.
 */
static void child_barrier_wait(struct child_barrier *b, bool first,
			       unsigned long ip)
{
	unsigned int waited = 0;
	void *var = first ? (void *)b : (void *)&b->state;

	while (!wait_var_event_timeout(var, first ? child_barrier_ops_done(b) :
				       child_barrier_drained(b),
				       CHILD_BARRIER_REPORT_SECS * HZ)) {
		waited += CHILD_BARRIER_REPORT_SECS;
		pr_warn("child_barrier: drain from %pS waiting for %ld op(s) for %u s%s\n",
			(void *)ip, child_barrier_ops(b), waited,
			first ? "" : ", behind an earlier drain");
		if (waited == CHILD_BARRIER_REPORT_SECS)
			debug_show_all_locks();
	}
}

/*
 * Kill slot 0, unless a drain did already: the first drain is the one whose
 * bias makes slot 0 dead.  Fully ordered when it succeeds.
 */
static bool child_barrier_claim(struct child_barrier *b)
{
	atomic_long_t *first = &b->slot[0].ops;
	long old = atomic_long_read(first);

	do {
		if (old < CHILD_BARRIER_DEAD_LIMIT)
			return false;
	} while (!atomic_long_try_cmpxchg(first, &old,
					  old + CHILD_BARRIER_DEAD_BIAS));
	return true;
}

/**
 * drain_and_unregister() - kill the barrier, wait for ops, run the teardown
 * @b: the parent's barrier
 * @teardown: removes what the ops created, e.g. every remaining child; may
 *	be NULL
 * @arg: argument for @teardown
 *
 * Marks @b dead, so that every later begin_child_op() fails, waits until
 * every op in flight has ended, then runs @teardown(@arg) exactly once.
 * @teardown runs with the barrier held exclusively: no op is inside, none
 * can begin, child_barrier_assert_held() holds, and it sees everything the
 * ops did before their end_child_op().
 *
 * A second or concurrent call runs nothing, and returns only once the first
 * call's teardown has finished.  @b must stay valid, and must not be set up
 * again, until every call has returned.  Call it from outside any op of @b:
 * an op that drains its own barrier never sees its wait end (lockdep reports
 * it).
 *
 * A drain that waits for more than 10 seconds says so in the kernel log
 * every 10 seconds; with lockdep, the first report lists the held locks of
 * every task, among them the tasks inside an op.
 *
 * Context: Process context; sleeps.  Not from inside an op of @b.
 */
void drain_and_unregister(struct child_barrier *b,
			  void (*teardown)(void *arg), void *arg)
{
	unsigned int i;

	might_sleep();

	rwsem_acquire(&b->dep_map, 0, 0, _RET_IP_);

	if (!child_barrier_claim(b)) {
		/* Another drain is first: wait until it is done. */
		set_bit(CHILD_BARRIER_WAITING, &b->state);
		/*
		 * WAITING before DRAINED is read: pairs with the barrier after
		 * set_bit(DRAINED) below, so that one of us sees the other.
		 */
		smp_mb__after_atomic();
		lock_contended(&b->dep_map, _RET_IP_);
		child_barrier_wait(b, false, _RET_IP_);
		lock_acquired(&b->dep_map, _RET_IP_);
		rwsem_release(&b->dep_map, _RET_IP_);
		return;
	}

	/*
	 * Fully ordered, slot by slot, last slot last; slot 0 was killed by
	 * the claim.  From here on every begin_child_op() fails, and the sum
	 * counts down to the biases as the ops in flight end.
	 */
	for (i = 1; i < child_barrier_nr_slots(); i++)
		atomic_long_add_return(CHILD_BARRIER_DEAD_BIAS, &b->slot[i].ops);
	if (!child_barrier_ops_done(b)) {
		lock_contended(&b->dep_map, _RET_IP_);
		child_barrier_wait(b, true, _RET_IP_);
	}
	lock_acquired(&b->dep_map, _RET_IP_);

	if (teardown)
		teardown(arg);

	rwsem_release(&b->dep_map, _RET_IP_);

	/*
	 * Release the teardown's stores before the bit: pairs with
	 * test_bit_acquire() in the drains waiting above.
	 */
	smp_mb__before_atomic();
	set_bit(CHILD_BARRIER_DRAINED, &b->state);
	/*
	 * DRAINED before WAITING is read: pairs with the barrier after
	 * set_bit(WAITING) above.  It also orders the bit before
	 * wake_up_var() looks for waiters, which pairs with
	 * set_current_state() in their wait_var_event_timeout().
	 */
	smp_mb__after_atomic();
	if (test_bit(CHILD_BARRIER_WAITING, &b->state))
		wake_up_var(&b->state);
}
EXPORT_SYMBOL_GPL(drain_and_unregister);
