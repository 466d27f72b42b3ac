/* SPDX-License-Identifier: GPL-2.0 */
/*
 * child_barrier - fence run-time child create/remove against parent removal
 *
 * A parent device that creates and removes children at run time (often from
 * sysfs) must make its unregistration wait for create/remove calls already in
 * flight, and make new ones fail.  Each create or remove is an "op":
 *
 *	if (!begin_child_op(&parent->barrier))
 *		return -ENODEV;
 *	... create or remove one child, may sleep ...
 *	end_child_op(&parent->barrier);
 *
 * or, with cleanup.h:
 *
 *	CLASS(child_op, op)(&parent->barrier);
 *	if (!op)
 *		return -ENODEV;
 *
 * The parent's unregistration marks the barrier dead, waits for the ops in
 * flight and runs its teardown (remove every remaining child) exactly once:
 *
 *	drain_and_unregister(&parent->barrier, remove_all_children, parent);
 *
 * See Documentation/core-api/child_barrier.rst.
 */
#ifndef _LINUX_CHILD_BARRIER_H
#define _LINUX_CHILD_BARRIER_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/cleanup.h>
#include <linux/compiler.h>
#include <linux/cpumask.h>
#include <linux/limits.h>
#include <linux/lockdep.h>
#include <linux/types.h>

/*
 * Ops are counted in up to CHILD_BARRIER_SLOTS counters (a power of two),
 * each on a cache line of its own; an op counts in the slot of the CPU it
 * runs on (CPU number modulo the slots), so that ops on different CPUs do
 * not share a cache line, up to this many CPUs.  Only the first
 * child_barrier_nr_slots() slots are ever used.
 */
#define CHILD_BARRIER_SLOTS		8

static inline unsigned int child_barrier_nr_slots(void)
{
	return min_t(unsigned int, nr_cpu_ids, CHILD_BARRIER_SLOTS);
}

/* One slot: ops begun minus ops ended on its CPUs, plus the bias once dead. */
struct child_barrier_slot {
	atomic_long_t		ops;
} ____cacheline_aligned_in_smp;

/**
 * struct child_barrier - fence between child ops and parent removal
 * @slot: per-CPU-group op counters; the drain adds %CHILD_BARRIER_DEAD_BIAS
 *	to each
 * @state: %CHILD_BARRIER_WAITING and %CHILD_BARRIER_DRAINED bits
 * @dep_map: lockdep map; an op is a read trylock, the drain a write lock
 *
 * Embed it in the parent and set it up with child_barrier_init().  It holds
 * no per-op state: an op that needs state keeps it on its caller's stack.
 */
struct child_barrier {
	struct child_barrier_slot slot[CHILD_BARRIER_SLOTS];
	unsigned long		state;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map	dep_map;
#endif
};

/*
 * A live slot is not the number of ops on its CPUs: it moves by one for
 * every op that ends on a CPU of another slot than the one it began on, so
 * it may go below zero or drift far from it; only the sum over the slots is
 * exact.  The drain adds CHILD_BARRIER_DEAD_BIAS to every slot, and only
 * child_barrier_init() takes it away again.  A slot below
 * CHILD_BARRIER_DEAD_LIMIT is dead.
 *
 * So a live slot must stay within [LONG_MIN / 4, LONG_MAX / 4]: 2^61 net
 * migrations in one direction on 64-bit, out of reach; 2^29 (about 5e8) on
 * 32-bit, where a slot that drifted that far would look dead and every
 * begin on its CPUs would fail.
 */
#define CHILD_BARRIER_DEAD_BIAS		(LONG_MIN / 2)
#define CHILD_BARRIER_DEAD_LIMIT	(LONG_MIN / 4)

/* Bits in @state, each set once per life of the barrier. */
enum {
	CHILD_BARRIER_WAITING,		/* a second drain waits for the first */
	CHILD_BARRIER_DRAINED,		/* the first drain's teardown has run */
};

void __child_barrier_init(struct child_barrier *b, const char *name,
			  struct lock_class_key *key);

/**
 * child_barrier_init() - set up a child barrier, live and with no op
 * @b: the barrier
 *
 * Each call site gets its own lockdep class.  A barrier may be set up again
 * once drain_and_unregister() has returned, for a parent that registers again.
 * Nothing is allocated: there is nothing to destroy.
 *
 * Context: Any context.  No op and no drain may be running on @b.
 */
#define child_barrier_init(b)					\
do {								\
	static struct lock_class_key __child_barrier_key;	\
								\
	__child_barrier_init((b), #b, &__child_barrier_key);	\
} while (0)

bool __must_check begin_child_op(struct child_barrier *b);
void end_child_op(struct child_barrier *b);
void drain_and_unregister(struct child_barrier *b,
			  void (*teardown)(void *arg), void *arg);

/**
 * child_barrier_is_dead() - has the drain started?
 * @b: the barrier
 *
 * Once true, it stays true until the barrier is set up again, and every
 * begin_child_op() fails.  An op that is already in flight may still run.
 *
 * Context: Any context.
 * Return: true once drain_and_unregister() has been called on @b.
 */
static inline bool child_barrier_is_dead(const struct child_barrier *b)
{
	/* The drain kills the last slot last. */
	return atomic_long_read(&b->slot[child_barrier_nr_slots() - 1].ops) <
	       CHILD_BARRIER_DEAD_LIMIT;
}

/**
 * child_barrier_assert_held() - assert that we are inside an op or a teardown
 * @b: the barrier
 *
 * For helpers that must only run between begin_child_op() and end_child_op(),
 * or from the teardown that drain_and_unregister() runs.  Checked by lockdep
 * only; compiles to nothing without CONFIG_LOCKDEP.
 */
#define child_barrier_assert_held(b)	lockdep_assert_held(b)

/*
 * CLASS(child_op, op)(b): a scoped op.  @op is @b while inside, or NULL if
 * the barrier is dead, in which case the caller returns -ENODEV.
 */
static inline void __child_op_end(struct child_barrier *b)
{
	if (b)
		end_child_op(b);
}

DEFINE_CLASS(child_op, struct child_barrier *, __child_op_end(_T),
	     begin_child_op(b) ? b : NULL, struct child_barrier *b)

#endif /* _LINUX_CHILD_BARRIER_H */
