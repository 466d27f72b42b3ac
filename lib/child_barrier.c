// SPDX-License-Identifier: GPL-2.0
/*
 * child_barrier - fence run-time child create/remove against parent removal
 *
 * The barrier is one atomic counter and two state bits.
 *
 * While the barrier is live, @count is the number of ops in flight (>= 0).
 * begin_child_op() increments it unless it is negative; end_child_op()
 * decrements it.  The first drain_and_unregister() adds
 * CHILD_BARRIER_DEAD_BIAS, which makes @count negative for good: from then
 * on every begin fails, and @count climbs back to exactly the bias as the
 * ops in flight end.  The drain sleeps until it sees the bias alone, runs the
 * teardown with no op in flight, sets CHILD_BARRIER_DRAINED and wakes any
 * other drain that waits for it.  Only child_barrier_init() makes the
 * barrier live again.
 *
 * Whether a begin and the drain race or not, both are read-modify-writes of
 * the one counter: either the begin's increment comes first, and the drain
 * waits for the op, or the bias comes first, and the begin fails.
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
	atomic_set(&b->count, 0);
	b->state = 0;
	lockdep_init_map_wait(&b->dep_map, name, key, 0, LD_WAIT_SLEEP);
}
EXPORT_SYMBOL_GPL(__child_barrier_init);

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
	/*
	 * Fully ordered when it succeeds.  Against the drain only the order of
	 * the two read-modify-writes of @count matters (see the top of this
	 * file), so no further barrier is needed.
	 */
	if (!atomic_inc_unless_negative(&b->count))
		return false;
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
 * An end without a matching begin warns once and changes nothing.
 *
 * Context: Any context but NMI, in the task that began the op.
 */
void end_child_op(struct child_barrier *b)
{
	int old = atomic_read(&b->count);

	if (WARN_ON_ONCE(old == 0 || old == CHILD_BARRIER_DEAD_BIAS))
		return;

	/* Before the decrement: after it, @b may be gone. */
	rwsem_release(&b->dep_map, _RET_IP_);

	/*
	 * Fully ordered: releases the op's stores to the drain's
	 * atomic_read_acquire() in child_barrier_ops_done(), and orders the
	 * decrement before wake_up_var() looks for waiters, which pairs with
	 * set_current_state() in the drain's wait_var_event_timeout().
	 */
	do {
		if (WARN_ON_ONCE(old == 0 || old == CHILD_BARRIER_DEAD_BIAS))
			return;
	} while (!atomic_try_cmpxchg(&b->count, &old, old - 1));

	if (old - 1 == CHILD_BARRIER_DEAD_BIAS)
		wake_up_var(&b->count);
}
EXPORT_SYMBOL_GPL(end_child_op);

static bool child_barrier_ops_done(struct child_barrier *b)
{
	/* Acquire: pairs with the fully ordered decrement in end_child_op(). */
	return atomic_read_acquire(&b->count) == CHILD_BARRIER_DEAD_BIAS;
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
	void *var = first ? (void *)&b->count : (void *)&b->state;

	while (!wait_var_event_timeout(var, first ? child_barrier_ops_done(b) :
				       child_barrier_drained(b),
				       CHILD_BARRIER_REPORT_SECS * HZ)) {
		waited += CHILD_BARRIER_REPORT_SECS;
		pr_warn("child_barrier: drain from %pS waiting for %d op(s) for %u s%s\n",
			(void *)ip,
			atomic_read(&b->count) - CHILD_BARRIER_DEAD_BIAS, waited,
			first ? "" : ", behind an earlier drain");
		if (waited == CHILD_BARRIER_REPORT_SECS)
			debug_show_all_locks();
	}
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
	might_sleep();

	rwsem_acquire(&b->dep_map, 0, 0, _RET_IP_);

	if (test_and_set_bit(CHILD_BARRIER_DRAINING, &b->state)) {
		/* Another drain is first: wait until it is done. */
		lock_contended(&b->dep_map, _RET_IP_);
		child_barrier_wait(b, false, _RET_IP_);
		lock_acquired(&b->dep_map, _RET_IP_);
		rwsem_release(&b->dep_map, _RET_IP_);
		return;
	}

	/*
	 * Fully ordered.  From here on every begin_child_op() fails, and
	 * @count counts down to the bias as the ops in flight end.
	 */
	if (atomic_add_return(CHILD_BARRIER_DEAD_BIAS, &b->count) !=
	    CHILD_BARRIER_DEAD_BIAS) {
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
	 * The bit before wake_up_var() looks for waiters: pairs with
	 * set_current_state() in their wait_var_event().
	 */
	smp_mb__after_atomic();
	wake_up_var(&b->state);
}
EXPORT_SYMBOL_GPL(drain_and_unregister);
