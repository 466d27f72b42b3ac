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
#include <linux/cleanup.h>
#include <linux/compiler.h>
#include <linux/limits.h>
#include <linux/lockdep.h>
#include <linux/types.h>

/**
 * struct child_barrier - fence between child ops and parent removal
 * @count: ops in flight; plus %CHILD_BARRIER_DEAD_BIAS once the drain started
 * @state: %CHILD_BARRIER_WAITING and %CHILD_BARRIER_DRAINED bits
 * @dep_map: lockdep map; an op is a read trylock, the drain a write lock
 *
 * Embed it in the parent and set it up with child_barrier_init() (live) or
 * child_barrier_init_dead() (dead until child_barrier_arm()).  It holds no
 * per-op state and allocates nothing.
 */
struct child_barrier {
	atomic_long_t		count;
	unsigned long		state;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map	dep_map;
#endif
};

/*
 * The drain adds CHILD_BARRIER_DEAD_BIAS to @count, as kernfs deactivates a
 * node with KN_DEACTIVATED_BIAS: from then on @count is below
 * CHILD_BARRIER_DEAD_LIMIT, every begin fails, and @count climbs back to
 * the bias as the ops in flight end.  A live @count is the exact number of
 * ops, which cannot come near the limit (LONG_MAX / 4 on 32-bit is 2^29
 * tasks inside an op at once).
 */
#define CHILD_BARRIER_DEAD_BIAS		(LONG_MIN / 2)
#define CHILD_BARRIER_DEAD_LIMIT	(LONG_MIN / 4)

/* Bits in @state; DRAINED is set once per life of the barrier. */
enum {
	CHILD_BARRIER_WAITING,		/* a second drain waits for the first */
	CHILD_BARRIER_DRAINED,		/* the first drain's teardown has run */
};

void __child_barrier_init(struct child_barrier *b, bool dead, const char *name,
			  struct lock_class_key *key);

/**
 * child_barrier_init() - set up a child barrier, live and with no op
 * @b: the barrier
 *
 * Each call site gets its own lockdep class.  A barrier may be set up again
 * once drain_and_unregister() has returned, for a parent that registers again.
 * Nothing is allocated: there is nothing to destroy.
 *
 * Set up again while ops are in flight, it loses them: the end of each
 * warns (the count goes below zero).  With lockdep, the set-up itself warns
 * when it comes from the call site that set @b up before.
 *
 * Context: Any context.  No op and no drain may be running on @b.
 */
#define child_barrier_init(b)						\
do {									\
	static struct lock_class_key __child_barrier_key;		\
									\
	__child_barrier_init((b), false, #b, &__child_barrier_key);	\
} while (0)

/**
 * child_barrier_init_dead() - set up a child barrier that starts dead
 * @b: the barrier
 *
 * For a parent whose entry points exist before it is ready for ops and
 * outlive it (files that a bus or a platform device keeps across probe and
 * remove): every begin_child_op() fails until child_barrier_arm(), as after
 * a drain, and drain_and_unregister() returns at once.
 *
 * Context: Any context.  No op and no drain may be running on @b.
 */
#define child_barrier_init_dead(b)					\
do {									\
	static struct lock_class_key __child_barrier_key;		\
									\
	__child_barrier_init((b), true, #b, &__child_barrier_key);	\
} while (0)

bool child_barrier_arm(struct child_barrier *b);
bool __must_check begin_child_op(struct child_barrier *b);
void end_child_op(struct child_barrier *b);
void drain_and_unregister_nested(struct child_barrier *b, unsigned int subclass,
				 void (*teardown)(void *arg), void *arg);

/**
 * drain_and_unregister() - kill the barrier, wait for ops, run the teardown
 * @b: the parent's barrier
 * @teardown: removes what the ops created, e.g. every remaining child; may
 *	be NULL
 * @arg: argument for @teardown
 *
 * See drain_and_unregister_nested(), with subclass 0.
 *
 * Context: Process context; sleeps.  Not from inside an op of @b.
 */
static inline void drain_and_unregister(struct child_barrier *b,
					void (*teardown)(void *arg), void *arg)
{
	drain_and_unregister_nested(b, 0, teardown, arg);
}

/**
 * child_barrier_is_dead() - has the drain started?
 * @b: the barrier
 *
 * Once true, it stays true on every CPU until the barrier is set up or armed
 * again, and every begin_child_op() fails.  An op that is already in flight
 * may still run.
 *
 * Context: Any context.
 * Return: true once drain_and_unregister() has been called on @b, or while a
 * barrier set up with child_barrier_init_dead() is not armed.
 */
static inline bool child_barrier_is_dead(const struct child_barrier *b)
{
	return atomic_long_read(&b->count) < CHILD_BARRIER_DEAD_LIMIT;
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

/**
 * child_op_release() - hand an op over to another task, for lockdep
 * @b: the barrier the current task is inside an op of
 *
 * An op ends in the task that began it.  One that does not (it is handed to
 * a worker that ends it) tells lockdep so: the task that began it calls
 * child_op_release() and the task that ends it child_op_acquire() first,
 * as percpu_rwsem_release() and percpu_rwsem_acquire() do.  The count is
 * not touched: the op stays in flight throughout.
 *
 * Context: Any context, in the task that began the op.
 */
static inline void child_op_release(struct child_barrier *b)
{
	rwsem_release(&b->dep_map, _RET_IP_);
}

/**
 * child_op_acquire() - take over an op begun by another task, for lockdep
 * @b: the barrier
 *
 * See child_op_release().
 *
 * Context: Any context, in the task that will end the op.
 */
static inline void child_op_acquire(struct child_barrier *b)
{
	rwsem_acquire_read(&b->dep_map, 0, 1, _RET_IP_);
}

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
