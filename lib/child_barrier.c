// SPDX-License-Identifier: GPL-2.0
/*
 * child_barrier - fence run-time child create/remove against parent removal
 *
 * The barrier is one atomic long counter and two state bits, as a kernfs
 * node's active references are one counter and a bias (fs/kernfs/dir.c:
 * kernfs_get_active(), kernfs_drain(), KN_DEACTIVATED_BIAS).
 *
 * begin_child_op() increments @count unless it is dead; end_child_op()
 * decrements it.  The first drain_and_unregister() adds
 * CHILD_BARRIER_DEAD_BIAS to a live @count: from then on every begin fails,
 * on every CPU at once, and @count climbs back to exactly the bias as the
 * ops in flight end.  A drain that finds @count dead is a second one: it
 * sets CHILD_BARRIER_WAITING and waits for CHILD_BARRIER_DRAINED, which the
 * first drain sets after its teardown.  Only child_barrier_init() and
 * child_barrier_arm() make the barrier live again.
 *
 * A begin and the drain are read-modify-writes of the same counter, so one
 * comes first: either the begin's increment, and the drain waits for the
 * op; or the bias, and the begin fails.  An end tells from the value its
 * own decrement returns whether it was the last op of a dead barrier, and
 * after the decrement touches only the address of the barrier (to wake the
 * drain), never its memory, which the owner may free once the drain
 * returns.
 *
 * For lockdep an op is a read trylock of @dep_map (a begin never blocks, as
 * kernfs active references), and the drain is a write lock held across the
 * wait and the teardown.  So an op that takes a lock the drain holds is
 * reported just as for an rwsem.  Lockdep only observes: what begin, end,
 * drain and set-up do does not depend on it.
 *
 * Misuse that the barrier can see warns, once per check and boot; a drain
 * that can never finish is reported as any stuck drain is (see
 * child_barrier_wait()):
 *
 * - an end below zero while live, or below the bias once dead: an end
 *   without a begin, or the end of an op that a second set-up forgot;
 *   with lockdep, any end outside an op;
 * - a second drain that finds the barrier armed or set up again under it
 *   (the contract of child_barrier_arm() broken) returns, as the first
 *   drain's teardown has run, instead of sleeping for a wake-up that the
 *   arm took away;
 * - with lockdep, a drain from inside an op or the teardown of the same
 *   barrier (it waits for ever: only lockdep knows which task is inside an
 *   op), and a set-up, from the call site that set the barrier up, of a
 *   barrier that ops or a drain still use.
 */

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/child_barrier.h>
#include <linux/debug_locks.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>

/* How long a drain waits before it says once what it waits for. */
#define CHILD_BARRIER_REPORT_SECS	10

/*
 * Is @b, about to be set up with lockdep class @key, still in use: ops in
 * flight, or a drain that has not finished?  Only lockdep's key tells a
 * barrier set up before (at the same call site) from memory never set up,
 * whose old contents mean nothing.  Not under KMSAN, which would report
 * the read of memory never set up.  A count that an earlier misuse took
 * below zero or below the bias was reported then, and is not again.
 */
static bool child_barrier_in_use(struct child_barrier *b,
				 struct lock_class_key *key)
{
#if defined(CONFIG_DEBUG_LOCK_ALLOC) && !defined(CONFIG_KMSAN)
	long v;

	if (READ_ONCE(b->dep_map.key) != key)
		return false;
	v = atomic_long_read(&b->count);
	if (v >= CHILD_BARRIER_DEAD_LIMIT)
		return v > 0;
	return v > CHILD_BARRIER_DEAD_BIAS ||
	       (v == CHILD_BARRIER_DEAD_BIAS &&
		!test_bit(CHILD_BARRIER_DRAINED, &b->state));
#else
	return false;
#endif
}

/**
 * __child_barrier_init() - set up a child barrier; use child_barrier_init()
 * @b: the barrier
 * @dead: start dead, as child_barrier_init_dead()
 * @name: lockdep name of the barrier's class
 * @key: lockdep class key, one per call site of child_barrier_init()
 *
 * Context: Any context.  No op and no drain may be running on @b.
 */
void __child_barrier_init(struct child_barrier *b, bool dead, const char *name,
			  struct lock_class_key *key)
{
	/*
	 * Misuse: set up again while in use.  The ops in flight are lost to
	 * the count, and the end of each takes it below zero.
	 */
	WARN_ONCE(child_barrier_in_use(b, key),
		  "child_barrier: %s set up again while ops or a drain use it\n",
		  name);
	atomic_long_set(&b->count, dead ? CHILD_BARRIER_DEAD_BIAS : 0);
	b->state = dead ? BIT(CHILD_BARRIER_DRAINED) : 0;
	lockdep_init_map_wait(&b->dep_map, name, key, 0, LD_WAIT_SLEEP);
}
EXPORT_SYMBOL_GPL(__child_barrier_init);

/**
 * child_barrier_arm() - make a dead barrier live again
 * @b: a barrier set up with child_barrier_init_dead(), or drained
 *
 * For a parent that is ready for ops again (e.g. at probe).  A
 * begin_child_op() that runs at the same time either fails, as on the dead
 * barrier, or succeeds on the live one; it never sees anything in between.
 *
 * A drain still waiting behind the first one (woken, but not yet back)
 * when the barrier is armed cannot be seen here: that drain warns, and
 * returns, as the teardown it waited for has run.
 *
 * Context: Any context.  No drain may be running on @b, and none may start
 * until this has returned.
 * Return: true if @b is live now; false, with a warning, if it was not dead
 * and drained.
 */
bool child_barrier_arm(struct child_barrier *b)
{
	long dead = CHILD_BARRIER_DEAD_BIAS;

	if (WARN_ON_ONCE(!test_bit(CHILD_BARRIER_DRAINED, &b->state) ||
			 atomic_long_read(&b->count) != dead))
		return false;
	WRITE_ONCE(b->state, 0);
	/*
	 * Release: a drain that finds @count live finds @state clear.  A
	 * begin sees either the bias and fails, or 0 and succeeds.
	 */
	if (atomic_long_try_cmpxchg_release(&b->count, &dead, 0))
		return true;
	/* Misuse: something changed @count meanwhile.  Stay dead, drained. */
	WRITE_ONCE(b->state, BIT(CHILD_BARRIER_DRAINED));
	WARN_ON_ONCE(1);
	return false;
}
EXPORT_SYMBOL_GPL(child_barrier_arm);

/**
 * begin_child_op() - enter an op: a child create or remove
 * @b: the parent's barrier
 *
 * On success the caller is inside an op until it calls end_child_op(), and
 * the drain of @b waits for it.  Many ops may be inside at once, and an op
 * may sleep.  An op ends in the task that began it, or is handed over with
 * child_op_release() and child_op_acquire().
 *
 * Context: Any context; never sleeps.
 * Return: true if the op may go on; false if the drain has started (or the
 * barrier starts dead and is not armed), in which case the caller must not
 * touch the parent and usually returns -ENODEV.  Once false, false on every
 * CPU until the barrier is set up or armed again.
 */
bool begin_child_op(struct child_barrier *b)
{
	long old = atomic_long_read(&b->count);

	/*
	 * Fully ordered when it succeeds; against the drain only the order of
	 * the two read-modify-writes of @count matters (see the top of this
	 * file).
	 */
	do {
		if (unlikely(old < CHILD_BARRIER_DEAD_LIMIT))
			return false;
	} while (!atomic_long_try_cmpxchg(&b->count, &old, old + 1));
	rwsem_acquire_read(&b->dep_map, 0, 1, _RET_IP_);
	return true;
}
EXPORT_SYMBOL_GPL(begin_child_op);

/* Does lockdep believe that the current task is inside an op of @b? */
static bool child_op_held(struct child_barrier *b)
{
#ifdef CONFIG_LOCKDEP
	return !debug_locks || lockdep_is_held(b) != LOCK_STATE_NOT_HELD;
#else
	return true;
#endif
}

/*
 * Does lockdep know that the current task is inside an op or the teardown
 * of @b?  Without lockdep nothing records which tasks are inside an op.
 */
static bool child_barrier_held_here(struct child_barrier *b)
{
#ifdef CONFIG_LOCKDEP
	return debug_locks && lockdep_is_held(b) == LOCK_STATE_HELD;
#else
	return false;
#endif
}

/**
 * end_child_op() - leave an op begun by begin_child_op()
 * @b: the parent's barrier
 *
 * Everything the op did before end_child_op() is visible to the teardown
 * run by drain_and_unregister(): the decrement is fully ordered and pairs
 * with the drain's cmpxchg of the counter, or with its acquire reads if
 * the drain found the op inside.  After it returns the
 * caller must not touch the parent: its drain may have finished.
 *
 * An end that lockdep does not see inside an op (an end without a begin, or
 * an op ended in another task without child_op_acquire()) warns once, and
 * still ends the op: lockdep only observes.  An end without a begin that
 * takes the count below zero (or, once the drain has begun, below the
 * bias) warns too.
 *
 * Context: Any context but NMI, in the task that began the op.
 */
void end_child_op(struct child_barrier *b)
{
	long v;

	/* Before the decrement: after it, @b may be gone. */
	if (!WARN_ON_ONCE(!child_op_held(b)))
		rwsem_release(&b->dep_map, _RET_IP_);

	/*
	 * Fully ordered: releases the op's stores to the drain's cmpxchg, or
	 * to its atomic_long_read_acquire() in child_barrier_idle(), and
	 * orders the decrement before wake_up_var() looks for waiters, which
	 * pairs with the drain's set_current_state() in wait_var_event().
	 * Only the returned value and the address of @b are used after it.
	 */
	v = atomic_long_dec_return(&b->count);
	if (v == CHILD_BARRIER_DEAD_BIAS)
		wake_up_var(b);
	else if (v < 0 && v >= CHILD_BARRIER_DEAD_LIMIT)
		/* Below zero while live. */
		WARN_ONCE(1, "child_barrier: %s() with no op in flight\n",
			  __func__);
	else
		/* Below the bias once dead. */
		WARN_ONCE(v < CHILD_BARRIER_DEAD_BIAS,
			  "child_barrier: %s() with no op in flight, after the drain began\n",
			  __func__);
}
EXPORT_SYMBOL_GPL(end_child_op);

/* No op in flight, once the drain has added the bias. */
static bool child_barrier_idle(struct child_barrier *b)
{
	/*
	 * Acquire: pairs with the fully ordered decrement in end_child_op().
	 * Below the bias only after an end without a begin, which
	 * end_child_op() reported: the drain does not wait for it.
	 */
	return atomic_long_read_acquire(&b->count) <= CHILD_BARRIER_DEAD_BIAS;
}

static bool child_barrier_drained(struct child_barrier *b)
{
	/* Acquire: pairs with the xchg() that sets DRAINED in the drain. */
	return test_bit_acquire(CHILD_BARRIER_DRAINED, &b->state);
}

/*
 * Is a second drain done waiting?  Once DRAINED is set; or, on misuse, once
 * the barrier was armed or set up again under it: WAITING, which this drain
 * set, and DRAINED are both clear (only the first drain's xchg() clears
 * WAITING, and it sets DRAINED), or the count this drain found dead is
 * live.  Arming requires DRAINED: the first drain's teardown has run, and
 * the drain returns rather than wait for a wake-up that nobody will send.
 */
static bool child_barrier_second_done(struct child_barrier *b)
{
	return child_barrier_drained(b) ||
	       !(READ_ONCE(b->state) & BIT(CHILD_BARRIER_WAITING)) ||
	       !child_barrier_is_dead(b);
}

/*
 * Sleep, uninterruptibly, until the ops in flight have ended (@first) or
 * until the first drain is done (!@first).  After CHILD_BARRIER_REPORT_SECS,
 * say once what the drain waits for; then sleep with no timeout, so that the
 * hung task detector, which a periodic wake-up would reset, reports a drain
 * that never ends (with lockdep, with the locks of the tasks inside an op).
 */
static void child_barrier_wait(struct child_barrier *b, bool first,
			       unsigned long ip)
{
	void *var = first ? (void *)b : (void *)&b->state;

#define child_barrier_done() \
	(first ? child_barrier_idle(b) : child_barrier_second_done(b))
	if (wait_var_event_timeout(var, child_barrier_done(),
				   CHILD_BARRIER_REPORT_SECS * HZ))
		return;
	pr_warn("child_barrier: drain from %pS waiting for %ld op(s)%s\n",
		(void *)ip,
		atomic_long_read(&b->count) - CHILD_BARRIER_DEAD_BIAS,
		first ? "" : ", behind an earlier drain");
	wait_var_event(var, child_barrier_done());
#undef child_barrier_done
}

/**
 * drain_and_unregister_nested() - drain_and_unregister(), lockdep subclass
 * @b: the parent's barrier
 * @subclass: lockdep subclass: 0, or SINGLE_DEPTH_NESTING and up for a
 *	barrier drained from the teardown of a barrier of the same class
 * @teardown: removes what the ops created, e.g. every remaining child; may
 *	be NULL
 * @arg: argument for @teardown
 *
 * Marks @b dead, so that every later begin_child_op() fails on every CPU,
 * waits until every op in flight has ended, then runs @teardown(@arg)
 * exactly once.  @teardown runs with the barrier held exclusively: no op is
 * inside, none can begin, child_barrier_assert_held() holds, and it sees
 * everything the ops did before their end_child_op().
 *
 * A second or concurrent call runs nothing, and returns only once the first
 * call's teardown has finished; on a barrier that starts dead and was never
 * armed it returns at once.  @b must stay valid, and must not be set up or
 * armed again, until every call has returned (a call still waiting then
 * warns and returns).  Call it from outside any op of @b: an op that
 * drains its own barrier never sees its wait end.  With lockdep, it warns;
 * without, only the report below shows it.
 *
 * A teardown may drain other barriers, e.g. of children that are parents
 * themselves.  Barriers set up at the same call site share a lockdep class:
 * drain the inner one with a higher @subclass.
 *
 * A drain that waits for more than 10 seconds says once, in the kernel log,
 * who called it and how many ops it waits for; it then sleeps where the hung
 * task detector sees it.
 *
 * Context: Process context; sleeps.  Not from inside an op of @b.
 */
void drain_and_unregister_nested(struct child_barrier *b, unsigned int subclass,
				 void (*teardown)(void *arg), void *arg)
{
	unsigned long state;
	bool inside;
	long old;

	might_sleep();

	/*
	 * Misuse: from inside an op or the teardown of @b, the drain waits for
	 * its own caller, for ever.  It still does: lockdep only observes.  It
	 * is told of a trylock, which it does not check, so that it does not
	 * report the deadlock a second time and turn itself off.
	 */
	inside = child_barrier_held_here(b);
	WARN_ONCE(inside, "child_barrier: drain from inside an op or the teardown of the barrier\n");
	rwsem_acquire(&b->dep_map, subclass, inside, _RET_IP_);

	/*
	 * Fully ordered: the bias is the drain's side of the race described
	 * at the top of this file.
	 */
	old = atomic_long_read(&b->count);
	do {
		if (old < CHILD_BARRIER_DEAD_LIMIT)
			goto second;
	} while (!atomic_long_try_cmpxchg(&b->count, &old,
					  old + CHILD_BARRIER_DEAD_BIAS));

	/*
	 * @old ops were inside when the bias went in.  With none, the fully
	 * ordered cmpxchg has ordered the end of every earlier op before the
	 * teardown; else wait for the last end, with acquire reads.
	 */
	if (old) {
		lock_contended(&b->dep_map, _RET_IP_);
		child_barrier_wait(b, true, _RET_IP_);
	}
	lock_acquired(&b->dep_map, _RET_IP_);

	if (teardown)
		teardown(arg);

	rwsem_release(&b->dep_map, _RET_IP_);

	/*
	 * Fully ordered: releases the teardown's stores to test_bit_acquire()
	 * in the drains waiting below, and orders DRAINED before
	 * wake_up_var() looks for waiters, which pairs with
	 * set_current_state() in their wait.  WAITING and DRAINED share a
	 * word that, while a drain runs, only read-modify-writes change: so
	 * either this xchg() reads WAITING, or set_bit(WAITING) below comes
	 * after it and that drain then reads DRAINED.  Only the first drain
	 * gets here.
	 */
	state = xchg(&b->state, BIT(CHILD_BARRIER_DRAINED));
	WARN_ON_ONCE(state & BIT(CHILD_BARRIER_DRAINED));
	if (state & BIT(CHILD_BARRIER_WAITING))
		wake_up_var(&b->state);
	return;

second:
	/*
	 * Another drain is first, or the barrier starts dead: wait for it.
	 * Either the xchg() above reads WAITING, or the read of DRAINED
	 * below sees it: the same word, read after this write.
	 */
	set_bit(CHILD_BARRIER_WAITING, &b->state);
	if (!child_barrier_drained(b)) {
		lock_contended(&b->dep_map, _RET_IP_);
		child_barrier_wait(b, false, _RET_IP_);
		/* Misuse: see child_barrier_second_done(). */
		WARN_ONCE(!child_barrier_drained(b),
			  "child_barrier: armed or set up again while a drain waited\n");
	}
	lock_acquired(&b->dep_map, _RET_IP_);
	rwsem_release(&b->dep_map, _RET_IP_);
}
EXPORT_SYMBOL_GPL(drain_and_unregister_nested);
