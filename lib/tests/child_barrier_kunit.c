// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for child_barrier.
 *
 * Helper kthreads only record what they saw; every check runs in the test
 * thread.  Every wait is bounded.  If a helper does not finish in time, its
 * context is leaked on purpose, so that it never touches freed memory.
 */

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/child_barrier.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/slab.h>

/* Bound for a wait that must end. */
#define CB_WAIT		msecs_to_jiffies(5000)
/* How long a wait that must not end is watched. */
#define CB_SETTLE_MS	100
#define CB_MAX_OPS	32

static unsigned int hung_secs;
module_param(hung_secs, uint, 0444);
MODULE_PARM_DESC(hung_secs,
		 "Seconds child_barrier_test_hung_drain holds an op under a drain (0: skip)");

struct cb_ctx;

struct cb_op {
	struct cb_ctx *ctx;
	/* If set, the op's thread suppresses and counts its own WARNINGs. */
	struct kunit *test;
	struct kunit_suppressed_warning *warnings;
	struct completion entered;
	struct completion release;
	struct completion done;
	unsigned int sleep_ms;
	/* The CPU to begin on, and to move to before the end; -1: any. */
	int cpu;
	int end_cpu;
	/* Where it began and ended, as the op saw it. */
	int began_on;
	int ended_on;
	bool pin_failed;
	bool hold;
	bool began;
	bool release_timed_out;
	bool wrote;
};

struct cb_drain {
	struct cb_ctx *ctx;
	struct completion started;
	struct completion done;
	/* If set, the drain's thread suppresses and counts its own WARNINGs. */
	struct kunit *test;
	struct kunit_suppressed_warning *warnings;
	/* The CPU to drain on; -1: any. */
	int cpu;
	/* Arm the barrier once the drain has returned. */
	bool arm;
	bool armed;
	bool pin_failed;
	int runs_seen;
	bool finished_seen;
};

struct cb_ctx {
	struct child_barrier b;
	struct cb_op ops[CB_MAX_OPS];
	unsigned int nr_ops;
	struct cb_drain drains[4];
	unsigned int nr_drains;
	atomic_t teardown_runs;
	/* If armed, the teardown blocks on @teardown_gate. */
	bool gate_teardown;
	struct completion teardown_entered;
	struct completion teardown_gate;
	bool gate_timed_out;
	/* If set, the teardown returns with preemption off (see arm_under_drain). */
	bool teardown_nopreempt;
	bool teardown_finished;
	bool teardown_saw_dead;
	int teardown_held;
	unsigned int teardown_missed;
};

/* Ops in flight, read from the counter: a test may look inside. */
static long cb_in_flight(struct child_barrier *b)
{
	long v = atomic_long_read(&b->count);

	return v < CHILD_BARRIER_DEAD_LIMIT ? v - CHILD_BARRIER_DEAD_BIAS : v;
}

/* Pin the current task to @cpu; true once it runs there. */
static bool cb_pin(int cpu)
{
	return !set_cpus_allowed_ptr(current, cpumask_of(cpu)) &&
	       raw_smp_processor_id() == cpu;
}

static void cb_teardown(void *arg)
{
	struct cb_ctx *ctx = arg;
	unsigned int i;

	atomic_inc(&ctx->teardown_runs);
	ctx->teardown_saw_dead = child_barrier_is_dead(&ctx->b);
#ifdef CONFIG_LOCKDEP
	/* Held for write, as a drain. */
	ctx->teardown_held = lockdep_is_held_type(&ctx->b, 0);
#endif
	/*
	 * The test thread may be starting more ops meanwhile, which fail to
	 * begin: read what they share with it once.
	 */
	for (i = 0; i < READ_ONCE(ctx->nr_ops); i++)
		if (READ_ONCE(ctx->ops[i].began) && !READ_ONCE(ctx->ops[i].wrote))
			ctx->teardown_missed++;
	if (ctx->gate_teardown) {
		complete(&ctx->teardown_entered);
		if (!wait_for_completion_timeout(&ctx->teardown_gate, CB_WAIT))
			ctx->gate_timed_out = true;
	}
	WRITE_ONCE(ctx->teardown_finished, true);
	/* Back on in cb_drain_thread(), once the barrier is armed. */
	if (ctx->teardown_nopreempt)
		preempt_disable();
}

static struct cb_ctx *cb_ctx_alloc(struct kunit *test)
{
	struct cb_ctx *ctx = kzalloc_obj(*ctx);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	child_barrier_init(&ctx->b);
	atomic_set(&ctx->teardown_runs, 0);
	init_completion(&ctx->teardown_entered);
	init_completion(&ctx->teardown_gate);
	return ctx;
}

static int cb_op_thread(void *data)
{
	struct cb_op *op = data;
	struct child_barrier *b = &op->ctx->b;

	if (op->test)
		op->warnings = kunit_start_suppress_warning(op->test);
	if (op->cpu >= 0 && !cb_pin(op->cpu))
		op->pin_failed = true;
	WRITE_ONCE(op->began, begin_child_op(b));
	/* Pinned: the CPU the begin ran on. */
	op->began_on = raw_smp_processor_id();
	complete(&op->entered);
	if (op->began) {
		if (op->hold && !wait_for_completion_timeout(&op->release, CB_WAIT))
			op->release_timed_out = true;
		if (op->end_cpu >= 0 && !cb_pin(op->end_cpu))
			op->pin_failed = true;
		if (op->sleep_ms)
			msleep(op->sleep_ms);
		WRITE_ONCE(op->wrote, true);
		op->ended_on = raw_smp_processor_id();
		end_child_op(b);
	}
	complete_all(&op->done);
	return 0;
}

static int cb_drain_thread(void *data)
{
	struct cb_drain *d = data;

	if (d->test)
		d->warnings = kunit_start_suppress_warning(d->test);
	if (d->cpu >= 0 && !cb_pin(d->cpu))
		d->pin_failed = true;
	complete(&d->started);
	drain_and_unregister(&d->ctx->b, cb_teardown, d->ctx);
	d->runs_seen = atomic_read(&d->ctx->teardown_runs);
	d->finished_seen = READ_ONCE(d->ctx->teardown_finished);
	if (d->arm) {
		d->armed = child_barrier_arm(&d->ctx->b);
		if (d->ctx->teardown_nopreempt)
			preempt_enable();
	}
	complete_all(&d->done);
	return 0;
}

/*
 * Start an op thread that begins on @cpu and ends on @end_cpu (-1: any), and
 * wait until it has begun (or failed to); if @hold, it stays inside its op
 * until released.
 */
static struct cb_op *cb_start_op_on(struct kunit *test, struct cb_ctx *ctx,
				    int cpu, int end_cpu, bool hold,
				    unsigned int sleep_ms)
{
	struct cb_op *op = &ctx->ops[ctx->nr_ops];
	struct task_struct *t;

	KUNIT_ASSERT_LT(test, ctx->nr_ops, CB_MAX_OPS);
	op->ctx = ctx;
	op->cpu = cpu;
	op->end_cpu = end_cpu;
	op->hold = hold;
	op->sleep_ms = sleep_ms;
	init_completion(&op->entered);
	init_completion(&op->release);
	init_completion(&op->done);
	t = kthread_run(cb_op_thread, op, "cb_op/%u", ctx->nr_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	WRITE_ONCE(ctx->nr_ops, ctx->nr_ops + 1);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&op->entered, CB_WAIT), 0);
	KUNIT_EXPECT_FALSE_MSG(test, op->pin_failed, "could not pin to CPU %d", cpu);
	if (cpu >= 0)
		KUNIT_EXPECT_EQ(test, op->began_on, cpu);
	return op;
}

static struct cb_op *cb_start_op(struct kunit *test, struct cb_ctx *ctx,
				 bool hold, unsigned int sleep_ms)
{
	return cb_start_op_on(test, ctx, -1, -1, hold, sleep_ms);
}

/* Release a held op and wait, bounded, until it has ended. */
static void cb_end_op(struct kunit *test, struct cb_op *op)
{
	complete(&op->release);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&op->done, CB_WAIT), 0);
	KUNIT_EXPECT_FALSE(test, op->pin_failed);
	if (op->end_cpu >= 0)
		KUNIT_EXPECT_EQ(test, op->ended_on, op->end_cpu);
}

/* Two online CPUs, or false. */
static bool cb_two_cpus(int *c0, int *c1)
{
	*c0 = cpumask_first(cpu_online_mask);
	*c1 = cpumask_next(*c0, cpu_online_mask);
	return *c1 < nr_cpu_ids;
}

/*
 * Start a drain thread on @cpu (-1: any) and wait until the barrier is
 * dead.  With @suppress, the thread counts its WARNINGs in @d->warnings;
 * with @arm, it arms the barrier once its drain has returned.
 */
static struct cb_drain *cb_start_drain_on(struct kunit *test,
					  struct cb_ctx *ctx, int cpu,
					  bool suppress, bool arm)
{
	struct cb_drain *d = &ctx->drains[ctx->nr_drains];
	unsigned long deadline = jiffies + CB_WAIT;
	struct task_struct *t;

	KUNIT_ASSERT_LT(test, ctx->nr_drains, ARRAY_SIZE(ctx->drains));
	d->ctx = ctx;
	d->cpu = cpu;
	d->test = suppress ? test : NULL;
	d->warnings = NULL;
	d->arm = arm;
	d->armed = false;
	d->pin_failed = false;
	init_completion(&d->started);
	init_completion(&d->done);
	t = kthread_run(cb_drain_thread, d, "cb_drain/%u", ctx->nr_drains);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	ctx->nr_drains++;
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&d->started, CB_WAIT), 0);
	/* The drain has started once the barrier is dead. */
	while (!child_barrier_is_dead(&ctx->b) && time_before(jiffies, deadline))
		usleep_range(500, 1000);
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_EXPECT_FALSE_MSG(test, d->pin_failed, "could not pin to CPU %d", cpu);
	return d;
}

static struct cb_drain *cb_start_drain(struct kunit *test, struct cb_ctx *ctx)
{
	return cb_start_drain_on(test, ctx, -1, false, false);
}

/* Drain in a helper thread; true if it returned in time. */
static bool cb_drain(struct kunit *test, struct cb_ctx *ctx)
{
	struct cb_drain *d = cb_start_drain(test, ctx);
	bool done = wait_for_completion_timeout(&d->done, CB_WAIT);

	KUNIT_EXPECT_TRUE_MSG(test, done, "the drain did not return");
	return done;
}

/* After a drain: dead, and begin fails. */
static void cb_expect_dead(struct kunit *test, struct cb_ctx *ctx)
{
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_EXPECT_FALSE(test, begin_child_op(&ctx->b));
}

/*
 * Release every held op and wait, bounded, for every helper thread.  Frees
 * @ctx only if they all finished; a stuck helper keeps its context.
 */
static void cb_finish(struct kunit *test, struct cb_ctx *ctx)
{
	bool stuck = false;
	unsigned int i;

	complete_all(&ctx->teardown_gate);
	for (i = 0; i < ctx->nr_ops; i++) {
		complete_all(&ctx->ops[i].release);
		if (!wait_for_completion_timeout(&ctx->ops[i].done, CB_WAIT))
			stuck = true;
		KUNIT_EXPECT_FALSE(test, ctx->ops[i].release_timed_out);
	}
	for (i = 0; i < ctx->nr_drains; i++)
		if (!wait_for_completion_timeout(&ctx->drains[i].done, CB_WAIT))
			stuck = true;
	KUNIT_EXPECT_FALSE_MSG(test, stuck, "a helper thread did not finish");
	KUNIT_EXPECT_FALSE(test, ctx->gate_timed_out);
	if (!stuck)
		kfree(ctx);
}

/* A new barrier is live; ops begin and end, several at once. */
static void child_barrier_test_live(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);

	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_ASSERT_TRUE(test, begin_child_op(&ctx->b));
	KUNIT_ASSERT_TRUE(test, begin_child_op(&ctx->b));
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 2);
	end_child_op(&ctx->b);
	end_child_op(&ctx->b);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	cb_finish(test, ctx);
}

/* The size of the barrier, against the rwsem it replaces in mdev. */
static void child_barrier_test_size(struct kunit *test)
{
	kunit_info(test, "sizeof(struct child_barrier) %zu, sizeof(struct rw_semaphore) %zu\n",
		   sizeof(struct child_barrier), sizeof(struct rw_semaphore));
	if (!IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		KUNIT_EXPECT_LE(test, sizeof(struct child_barrier), 2 * sizeof(long));
}

/* A drain with nothing in flight runs the teardown once; begin then fails for good. */
static void child_barrier_test_drain_idle(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);

	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_TRUE(test, ctx->teardown_saw_dead);
	cb_expect_dead(test, ctx);
	msleep(20);
	/* Sticky: still dead, long after the drain returned. */
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* A second drain runs nothing. */
static void child_barrier_test_drain_twice(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);

	cb_drain(test, ctx);
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* A drained barrier set up again is live again, and drains again. */
static void child_barrier_test_reinit(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);

	KUNIT_ASSERT_TRUE(test, cb_drain(test, ctx));
	child_barrier_init(&ctx->b);
	ctx->teardown_finished = false;
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_ASSERT_TRUE(test, begin_child_op(&ctx->b));
	end_child_op(&ctx->b);
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 2);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* The teardown and the ops hold the barrier for lockdep; outside, nobody does. */
static void child_barrier_test_held(struct kunit *test)
{
#ifdef CONFIG_LOCKDEP
	struct cb_ctx *ctx;

	if (!debug_locks)
		kunit_skip(test, "lockdep is off after an earlier report");
	ctx = cb_ctx_alloc(test);
	KUNIT_EXPECT_EQ(test, lockdep_is_held(&ctx->b), LOCK_STATE_NOT_HELD);
	KUNIT_ASSERT_TRUE(test, begin_child_op(&ctx->b));
	/* An op holds it for read. */
	KUNIT_EXPECT_EQ(test, lockdep_is_held_type(&ctx->b, 1), LOCK_STATE_HELD);
	child_barrier_assert_held(&ctx->b);
	end_child_op(&ctx->b);
	KUNIT_EXPECT_EQ(test, lockdep_is_held(&ctx->b), LOCK_STATE_NOT_HELD);
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, ctx->teardown_held, LOCK_STATE_HELD);
	cb_finish(test, ctx);
#else
	kunit_skip(test, "needs CONFIG_LOCKDEP");
#endif
}

static int cb_scoped_op(struct child_barrier *b, int *in_flight)
{
	CLASS(child_op, op)(b);
	if (!op)
		return -ENODEV;
	*in_flight = cb_in_flight(b);
	return 0;
}

/* CLASS(child_op) enters and leaves an op, or gives NULL once dead. */
static void child_barrier_test_class(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	int in_flight = -1;

	KUNIT_EXPECT_EQ(test, cb_scoped_op(&ctx->b, &in_flight), 0);
	KUNIT_EXPECT_EQ(test, in_flight, 1);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, cb_scoped_op(&ctx->b, &in_flight), -ENODEV);
	cb_finish(test, ctx);
}

/* Begin an op in a helper thread, which hands it over and exits. */
static int cb_handoff_thread(void *data)
{
	struct cb_op *op = data;
	struct child_barrier *b = &op->ctx->b;

	WRITE_ONCE(op->began, begin_child_op(b));
	if (op->began)
		child_op_release(b);
	complete(&op->entered);
	complete_all(&op->done);
	return 0;
}

static struct cb_op *cb_start_handoff(struct kunit *test, struct cb_ctx *ctx)
{
	struct cb_op *op = &ctx->ops[ctx->nr_ops];
	struct task_struct *t;

	KUNIT_ASSERT_LT(test, ctx->nr_ops, CB_MAX_OPS);
	op->ctx = ctx;
	init_completion(&op->entered);
	init_completion(&op->release);
	init_completion(&op->done);
	t = kthread_run(cb_handoff_thread, op, "cb_handoff/%u", ctx->nr_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	WRITE_ONCE(ctx->nr_ops, ctx->nr_ops + 1);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&op->done, CB_WAIT), 0);
	return op;
}

/*
 * An op ended in another task than the one that began it.  Handed over with
 * child_op_release() and child_op_acquire(), nothing warns.  Without
 * child_op_acquire(), lockdep does not see the ending task inside the op:
 * end_child_op() warns once (the WARNING is expected: suppressed and
 * counted), and still ends the op, as it does without lockdep.  Either way
 * the count is back to zero and the drain does not wait.
 */
static void child_barrier_test_end_elsewhere(struct kunit *test)
{
	bool lockdep = IS_ENABLED(CONFIG_LOCKDEP) && debug_locks;
	struct cb_ctx *ctx = cb_ctx_alloc(test);

	KUNIT_ASSERT_TRUE(test, cb_start_handoff(test, ctx)->began);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 1);
	child_op_acquire(&ctx->b);
	kunit_warning_suppress(test) {
		end_child_op(&ctx->b);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 0);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);

	KUNIT_ASSERT_TRUE(test, cb_start_handoff(test, ctx)->began);
	if (lockdep && !IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "needs CONFIG_BUG to count the WARNING");
	kunit_warning_suppress(test) {
		end_child_op(&ctx->b);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, lockdep ? 1 : 0);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * Misuse: an end with no begin.  While the barrier is live, it takes the
 * count below zero; once the drain has begun, below the bias.  Each warns
 * once (the WARNINGs are expected: suppressed and counted).  Lockdep is
 * told that this task is inside an op, so that only the count sees the
 * misuse, as without lockdep (end_elsewhere shows what lockdep sees).
 * Nothing hangs: the count is off by one, and the drain does not wait
 * for the op that never was.
 */
static void child_barrier_test_end_without_begin(struct kunit *test)
{
	struct cb_ctx *ctx;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "needs CONFIG_BUG to count the WARNINGs");
	ctx = cb_ctx_alloc(test);
	kunit_warning_suppress(test) {
		child_op_acquire(&ctx->b);
		end_child_op(&ctx->b);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), -1);
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_EXPECT_TRUE(test, cb_drain(test, ctx));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);

	kunit_warning_suppress(test) {
		child_op_acquire(&ctx->b);
		end_child_op(&ctx->b);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), -2);
	/* A second drain still returns, and runs nothing. */
	KUNIT_EXPECT_TRUE(test, cb_drain(test, ctx));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* One call site, as a probe that sets its parent's barrier up each time. */
static void cb_setup(struct child_barrier *b)
{
	child_barrier_init(b);
}

/*
 * Misuse: the barrier set up again, at the call site that set it up, while
 * an op is in flight.  With lockdep (its class key tells a barrier set up
 * before from memory never set up), the set-up warns once.  It still
 * resets the count: the op is lost to it, and its end takes the count
 * below zero, which warns too.  That WARNING is counted by the op's
 * thread, not checked here: end_without_begin may have used it up (on
 * architectures without GENERIC_BUG a suppressed WARN_ONCE() is used up).
 * Nothing hangs: the drain afterwards returns.
 */
static void child_barrier_test_reinit_in_use(struct kunit *test)
{
	bool lockdep = IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) &&
		       !IS_ENABLED(CONFIG_KMSAN);
	struct cb_ctx *ctx;
	struct cb_op *op;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "needs CONFIG_BUG to count the WARNING");
	ctx = cb_ctx_alloc(test);
	cb_setup(&ctx->b);
	ctx->ops[ctx->nr_ops].test = test;
	op = cb_start_op(test, ctx, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 1);
	kunit_warning_suppress(test) {
		cb_setup(&ctx->b);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, lockdep ? 1 : 0);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	cb_end_op(test, op);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), -1);
	KUNIT_EXPECT_LE(test, kunit_suppressed_warning_count(op->warnings), 1);
	KUNIT_EXPECT_TRUE(test, cb_drain(test, ctx));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * Begin an op, then drain the barrier from inside it.  The test ends the
 * op for this task (as a handed-over op); lockdep is then told that this
 * task no longer holds it.
 */
static int cb_inside_thread(void *data)
{
	struct cb_op *op = data;
	struct cb_ctx *ctx = op->ctx;

	op->warnings = kunit_start_suppress_warning(op->test);
	WRITE_ONCE(op->began, begin_child_op(&ctx->b));
	complete(&op->entered);
	if (op->began) {
		drain_and_unregister(&ctx->b, cb_teardown, ctx);
		child_op_release(&ctx->b);
	}
	complete_all(&op->done);
	return 0;
}

/*
 * Misuse: a drain from inside an op of the same barrier waits for its own
 * caller.  Only lockdep knows which task is inside an op: with it, the
 * drain warns once (and lockdep does not report the deadlock again, nor
 * turn itself off); without it, only the drain's report after 10 s and the
 * hung task detector show it.  Either way the drain waits, as it must,
 * until the op ends: here the test ends it, and the drain finishes.
 */
static void child_barrier_test_drain_inside_op(struct kunit *test)
{
	bool lockdep = IS_ENABLED(CONFIG_LOCKDEP) && debug_locks;
	unsigned long deadline = jiffies + CB_WAIT;
	struct cb_ctx *ctx;
	struct cb_op *op;
	struct task_struct *t;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "needs CONFIG_BUG to count the WARNING");
	ctx = cb_ctx_alloc(test);
	op = &ctx->ops[ctx->nr_ops];
	op->ctx = ctx;
	op->test = test;
	init_completion(&op->entered);
	init_completion(&op->release);
	init_completion(&op->done);
	t = kthread_run(cb_inside_thread, op, "cb_inside/%u", ctx->nr_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	WRITE_ONCE(ctx->nr_ops, ctx->nr_ops + 1);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&op->entered, CB_WAIT), 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	while (!child_barrier_is_dead(&ctx->b) && time_before(jiffies, deadline))
		usleep_range(500, 1000);
	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&op->done),
			       "a drain from inside an op returned with the op in flight");
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 1);
	KUNIT_EXPECT_EQ(test, kunit_suppressed_warning_count(op->warnings),
			lockdep ? 1 : 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 0);

	child_op_acquire(&ctx->b);
	end_child_op(&ctx->b);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&op->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * Misuse: the barrier armed while a second drain still waits, woken by the
 * first drain but not yet back.  Arm cannot see that drain: the drain sees
 * the barrier armed under it, warns once and returns (the teardown it
 * waited for has run) instead of sleeping for ever.  Both drains run on
 * one CPU, and the first keeps preemption off from the end of its teardown
 * until it has armed the barrier: the second cannot run in between.
 */
static void child_barrier_test_arm_under_drain(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	unsigned long deadline;
	struct cb_drain *d1, *d2;
	struct cb_ctx *ctx;
	struct cb_op *op;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "needs CONFIG_BUG to count the WARNING");
	ctx = cb_ctx_alloc(test);
	op = cb_start_op(test, ctx, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	ctx->teardown_nopreempt = true;
	d1 = cb_start_drain_on(test, ctx, cpu, false, true);
	d2 = cb_start_drain_on(test, ctx, cpu, true, false);
	/* The second drain waits once it has set WAITING. */
	deadline = jiffies + CB_WAIT;
	while (!test_bit(CHILD_BARRIER_WAITING, &ctx->b.state) &&
	       time_before(jiffies, deadline))
		usleep_range(500, 1000);
	KUNIT_EXPECT_TRUE(test, test_bit(CHILD_BARRIER_WAITING, &ctx->b.state));
	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&d1->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&d2->done));

	cb_end_op(test, op);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d1->done, CB_WAIT), 0);
	KUNIT_EXPECT_TRUE(test, d1->armed);
	KUNIT_EXPECT_NE_MSG(test, wait_for_completion_timeout(&d2->done, CB_WAIT), 0,
			    "the second drain did not return after the arm");
	KUNIT_EXPECT_EQ(test, kunit_suppressed_warning_count(d2->warnings), 1);
	KUNIT_EXPECT_EQ(test, d2->runs_seen, 1);
	KUNIT_EXPECT_TRUE(test, d2->finished_seen);

	/* Armed: live, and it drains again. */
	ctx->teardown_nopreempt = false;
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
	KUNIT_EXPECT_TRUE(test, cb_drain(test, ctx));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 2);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * A barrier that starts dead: begins fail and a drain returns at once,
 * running nothing, until it is armed.  Then bind/unbind cycles: arm, an op,
 * two drains that wait for it, the teardown run once, dead again.
 */
static void child_barrier_test_start_dead(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	struct cb_drain *d, *d2;
	struct cb_op *op;
	int i;

	child_barrier_init_dead(&ctx->b);
	cb_expect_dead(test, ctx);
	KUNIT_EXPECT_TRUE(test, cb_drain(test, ctx));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 0);
	for (i = 1; i <= 3; i++) {
		KUNIT_ASSERT_TRUE(test, child_barrier_arm(&ctx->b));
		KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));
		op = cb_start_op(test, ctx, true, 0);
		KUNIT_ASSERT_TRUE(test, op->began);
		ctx->nr_drains = 0;
		d = cb_start_drain(test, ctx);
		d2 = cb_start_drain(test, ctx);
		msleep(CB_SETTLE_MS);
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&d->done), "cycle %d", i);
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&d2->done),
				       "cycle %d: the second drain returned first", i);
		cb_end_op(test, op);
		KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
		KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d2->done, CB_WAIT), 0);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->teardown_runs), i, "cycle %d", i);
		KUNIT_EXPECT_EQ(test, ctx->teardown_missed, 0);
		cb_expect_dead(test, ctx);
	}
	cb_finish(test, ctx);
}

#define CB_ARM_CYCLES	200

struct cb_arm_race {
	struct child_barrier b;
	bool stop;
	atomic_t started;
	atomic_t begun;
	atomic_t failed;
	struct completion done[2];
};

/*
 * Begins against arming and draining, bind/unbind cycles with ops racing
 * them: each begin either fails, as on the dead barrier, or succeeds on the
 * live one, and right after each drain the count is exactly the bias: no op
 * was lost and none is left.
 */
static int cb_arm_racer(void *data)
{
	struct cb_arm_race *r = data;
	unsigned long deadline = jiffies + 2 * CB_WAIT;
	int me = atomic_inc_return(&r->started) - 1;

	while (!READ_ONCE(r->stop) && time_before(jiffies, deadline)) {
		if (begin_child_op(&r->b)) {
			atomic_inc(&r->begun);
			end_child_op(&r->b);
		} else {
			atomic_inc(&r->failed);
		}
		cond_resched();
	}
	complete(&r->done[me]);
	return 0;
}

static void child_barrier_test_arm_vs_begin(struct kunit *test)
{
	struct cb_arm_race *r = kzalloc_obj(*r);
	unsigned int i, cycles, bad = 0;
	bool stuck = false;

	KUNIT_ASSERT_NOT_NULL(test, r);
	child_barrier_init_dead(&r->b);
	init_completion(&r->done[0]);
	init_completion(&r->done[1]);
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(cb_arm_racer, r,
							    "cb_arm/%u", i)));
	for (cycles = 0; cycles < CB_ARM_CYCLES; cycles++) {
		if (!child_barrier_arm(&r->b)) {
			bad++;
			break;
		}
		usleep_range(20, 100);
		drain_and_unregister(&r->b, NULL, NULL);
		if (atomic_long_read(&r->b.count) != CHILD_BARRIER_DEAD_BIAS)
			bad++;
	}
	WRITE_ONCE(r->stop, true);
	for (i = 0; i < 2; i++)
		if (!wait_for_completion_timeout(&r->done[i], CB_WAIT))
			stuck = true;
	KUNIT_EXPECT_FALSE_MSG(test, stuck, "a racer did not finish");
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->b.count), CHILD_BARRIER_DEAD_BIAS);
	kunit_info(test, "%u cycles: %d begins succeeded, %d failed\n", cycles,
		   atomic_read(&r->begun), atomic_read(&r->failed));
	KUNIT_EXPECT_GT(test, atomic_read(&r->begun), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r->failed), 0);
	if (!stuck)
		kfree(r);
}

struct cb_nested {
	struct child_barrier outer;
	struct child_barrier inner;
	atomic_t outer_runs;
	atomic_t inner_runs;
};

/* One call site: both barriers are of one lockdep class. */
static void cb_nested_init(struct child_barrier *b)
{
	child_barrier_init(b);
}

static void cb_inner_teardown(void *arg)
{
	struct cb_nested *n = arg;

	atomic_inc(&n->inner_runs);
}

static void cb_outer_teardown(void *arg)
{
	struct cb_nested *n = arg;

	atomic_inc(&n->outer_runs);
	drain_and_unregister_nested(&n->inner, SINGLE_DEPTH_NESTING,
				    cb_inner_teardown, n);
}

/*
 * A teardown that drains another barrier of the same class, as a parent
 * whose children are parents themselves: with a subclass, lockdep does not
 * take it for recursive locking (a report would fail the run), and each
 * teardown runs once.
 */
static void child_barrier_test_nested(struct kunit *test)
{
	struct cb_nested *n = kzalloc_obj(*n);

	KUNIT_ASSERT_NOT_NULL(test, n);
	cb_nested_init(&n->outer);
	cb_nested_init(&n->inner);
	KUNIT_ASSERT_TRUE(test, begin_child_op(&n->inner));
	end_child_op(&n->inner);
	drain_and_unregister(&n->outer, cb_outer_teardown, n);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->outer_runs), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->inner_runs), 1);
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&n->outer));
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&n->inner));
	drain_and_unregister(&n->outer, cb_outer_teardown, n);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->outer_runs), 1);
	kfree(n);
}

/*
 * The drain does not return while an op is blocked inside; begin fails while
 * it waits; the teardown sees what the op wrote before its end.
 */
static void child_barrier_test_drain_waits(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	struct cb_op *op;
	struct cb_drain *d;

	op = cb_start_op(test, ctx, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	d = cb_start_drain(test, ctx);

	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 0);
	KUNIT_EXPECT_FALSE(test, begin_child_op(&ctx->b));

	complete(&op->release);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_EQ(test, ctx->teardown_missed, 0);
	KUNIT_EXPECT_TRUE(test, ctx->teardown_saw_dead);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* Many ops in flight at once, each sleeping; the drain waits for all. */
static void child_barrier_test_many_sleeping_ops(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	struct cb_drain *d;
	unsigned int i;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_TRUE(test, cb_start_op(test, ctx, true, 5 + 5 * i)->began);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 8);

	d = cb_start_drain(test, ctx);
	for (i = 0; i < ctx->nr_ops; i++)
		complete(&ctx->ops[i].release);
	usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 0);

	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_EQ(test, ctx->teardown_missed, 0);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * Two drains at once: one teardown, and the second drain returns only once
 * the first drain's teardown has finished, not merely once the ops ended.
 */
static void child_barrier_test_concurrent_drains(struct kunit *test)
{
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	struct cb_drain *d0, *d1;
	struct cb_op *op;

	op = cb_start_op(test, ctx, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	ctx->gate_teardown = true;
	d0 = cb_start_drain(test, ctx);
	d1 = cb_start_drain(test, ctx);

	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&d0->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&d1->done));

	/* The op ends; the teardown starts and is held inside. */
	complete(&op->release);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->teardown_entered,
							  CB_WAIT), 0);
	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&d0->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&d1->done));

	complete(&ctx->teardown_gate);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d0->done, CB_WAIT), 0);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d1->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_EQ(test, d0->runs_seen, 1);
	KUNIT_EXPECT_EQ(test, d1->runs_seen, 1);
	KUNIT_EXPECT_TRUE(test, d0->finished_seen);
	KUNIT_EXPECT_TRUE(test, d1->finished_seen);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * An op in flight on every online CPU: the drain waits for each of them
 * (released one by one, the drain must still wait for the rest), and once
 * the drain has started a begin fails on every CPU.
 */
static void child_barrier_test_every_cpu(struct kunit *test)
{
	unsigned int n = 0, i;
	struct cb_ctx *ctx = cb_ctx_alloc(test);
	struct cb_drain *d;
	int cpu;

	for_each_online_cpu(cpu) {
		if (n == CB_MAX_OPS / 2)
			break;
		KUNIT_ASSERT_TRUE(test, cb_start_op_on(test, ctx, cpu, -1,
						       true, 0)->began);
		n++;
	}
	kunit_info(test, "%u ops on %u online CPUs\n", n, num_online_cpus());
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), (long)n);

	d = cb_start_drain(test, ctx);
	for (i = 0; i < n; i++) {
		msleep(CB_SETTLE_MS / 4);
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&d->done),
				       "the drain returned with the op on CPU %d in flight",
				       ctx->ops[i].began_on);
		cb_end_op(test, &ctx->ops[i]);
	}
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_EQ(test, ctx->teardown_missed, 0);

	for_each_online_cpu(cpu) {
		struct cb_op *op;

		if (ctx->nr_ops == CB_MAX_OPS)
			break;
		op = cb_start_op_on(test, ctx, cpu, -1, false, 0);
		KUNIT_EXPECT_FALSE_MSG(test, op->began,
				       "an op began on CPU %d after the drain", cpu);
	}
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	cb_finish(test, ctx);
}

/*
 * An op that begins on one CPU and ends on another, outside a drain: the
 * count is back to zero, and a drain afterwards does not wait.
 */
static void child_barrier_test_migrate(struct kunit *test)
{
	struct cb_ctx *ctx;
	struct cb_op *op;
	int c0, c1;

	if (!cb_two_cpus(&c0, &c1))
		kunit_skip(test, "needs two online CPUs");
	ctx = cb_ctx_alloc(test);
	op = cb_start_op_on(test, ctx, c0, c1, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	cb_end_op(test, op);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	KUNIT_EXPECT_FALSE(test, child_barrier_is_dead(&ctx->b));

	/* Both CPUs still take ops. */
	KUNIT_EXPECT_TRUE(test, cb_start_op_on(test, ctx, c1, c0, false, 0)->began);
	KUNIT_EXPECT_TRUE(test, cb_start_op_on(test, ctx, c0, -1, false, 0)->began);
	cb_drain(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/*
 * An op that begins on one CPU and ends on another while the drain waits:
 * the drain waits for it, and its end, on the other CPU, wakes the drain.
 */
static void child_barrier_test_migrate_during_drain(struct kunit *test)
{
	struct cb_ctx *ctx;
	struct cb_drain *d;
	struct cb_op *op;
	int c0, c1;

	if (!cb_two_cpus(&c0, &c1))
		kunit_skip(test, "needs two online CPUs");
	ctx = cb_ctx_alloc(test);
	op = cb_start_op_on(test, ctx, c0, c1, true, 0);
	KUNIT_ASSERT_TRUE(test, op->began);
	d = cb_start_drain(test, ctx);
	msleep(CB_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	KUNIT_EXPECT_FALSE(test, cb_start_op_on(test, ctx, c0, -1, false, 0)->began);
	KUNIT_EXPECT_FALSE(test, cb_start_op_on(test, ctx, c1, -1, false, 0)->began);

	cb_end_op(test, op);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	KUNIT_EXPECT_EQ(test, ctx->teardown_missed, 0);
	KUNIT_EXPECT_EQ(test, cb_in_flight(&ctx->b), 0);
	cb_expect_dead(test, ctx);
	cb_finish(test, ctx);
}

/* Stress: workers begin/sleep/end in loops while another thread drains. */

#define CB_STRESS_ROUNDS	20
#define CB_STRESS_MAX_WORKERS	8

struct cb_stress {
	struct child_barrier b;
	struct completion done[CB_STRESS_MAX_WORKERS + 1];
	unsigned long deadline;
	unsigned int drain_after_us;
	atomic_t inflight;
	atomic_t max_inflight;
	atomic_t begun;
	atomic_t ended;
	atomic_t late_begins;
	atomic_t teardown_runs;
	int teardown_inflight;
	int teardown_begun;
	int teardown_ended;
	bool torn_down;
	bool stop;
};

static void cb_stress_teardown(void *arg)
{
	struct cb_stress *s = arg;

	s->teardown_inflight = atomic_read(&s->inflight);
	s->teardown_begun = atomic_read(&s->begun);
	s->teardown_ended = atomic_read(&s->ended);
	atomic_inc(&s->teardown_runs);
	WRITE_ONCE(s->torn_down, true);
}

struct cb_stress_worker {
	struct cb_stress *s;
	unsigned int id;
};

static struct cb_stress_worker cb_workers[CB_STRESS_MAX_WORKERS];

static int cb_stress_worker(void *data)
{
	struct cb_stress_worker *w = data;
	struct cb_stress *s = w->s;
	unsigned int n = 0;
	int in;

	while (!READ_ONCE(s->stop) && time_before(jiffies, s->deadline)) {
		bool was_dead = child_barrier_is_dead(&s->b);

		if (begin_child_op(&s->b)) {
			if (was_dead || READ_ONCE(s->torn_down))
				atomic_inc(&s->late_begins);
			in = atomic_inc_return(&s->inflight);
			if (in > atomic_read(&s->max_inflight))
				atomic_set(&s->max_inflight, in);
			atomic_inc(&s->begun);
			if (++n % 4 == 0)
				usleep_range(10, 40);
			else
				udelay(2);
			atomic_inc(&s->ended);
			atomic_dec(&s->inflight);
			end_child_op(&s->b);
		} else {
			usleep_range(10, 20);
		}
		cond_resched();
	}
	complete(&s->done[w->id]);
	return 0;
}

static int cb_stress_drainer(void *data)
{
	struct cb_stress *s = data;

	usleep_range(s->drain_after_us, s->drain_after_us + 100);
	drain_and_unregister(&s->b, cb_stress_teardown, s);
	/* Let the workers keep trying on the dead barrier for a while. */
	usleep_range(2000, 3000);
	WRITE_ONCE(s->stop, true);
	complete(&s->done[CB_STRESS_MAX_WORKERS]);
	return 0;
}

static void child_barrier_test_stress(struct kunit *test)
{
	unsigned int nr = clamp(2 * num_online_cpus(), 4U, CB_STRESS_MAX_WORKERS);
	unsigned int round, i, total_begun = 0;
	int max_inflight = 0;
	struct cb_stress *s;
	bool stuck = false;

	s = kzalloc_obj(*s);
	KUNIT_ASSERT_NOT_NULL(test, s);
	kunit_info(test, "%u workers on %u online CPUs\n", nr, num_online_cpus());

	for (round = 0; round < CB_STRESS_ROUNDS && !stuck; round++) {
		child_barrier_init(&s->b);
		atomic_set(&s->inflight, 0);
		atomic_set(&s->max_inflight, 0);
		atomic_set(&s->begun, 0);
		atomic_set(&s->ended, 0);
		atomic_set(&s->late_begins, 0);
		atomic_set(&s->teardown_runs, 0);
		s->teardown_inflight = -1;
		s->torn_down = false;
		s->stop = false;
		s->deadline = jiffies + CB_WAIT;
		s->drain_after_us = 1000 + get_random_u32_below(20000);
		for (i = 0; i <= CB_STRESS_MAX_WORKERS; i++)
			init_completion(&s->done[i]);

		for (i = 0; i < nr; i++) {
			struct task_struct *t;

			cb_workers[i].s = s;
			cb_workers[i].id = i;
			t = kthread_run(cb_stress_worker, &cb_workers[i],
					"cb_stress/%u", i);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		}
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(cb_stress_drainer, s,
							    "cb_stress_drain")));

		for (i = 0; i <= CB_STRESS_MAX_WORKERS; i++) {
			if (i >= nr && i < CB_STRESS_MAX_WORKERS)
				continue;
			if (!wait_for_completion_timeout(&s->done[i], 2 * CB_WAIT))
				stuck = true;
		}
		if (stuck)
			break;

		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->teardown_runs), 1, "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, s->teardown_inflight, 0, "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, s->teardown_begun, s->teardown_ended,
				    "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->begun), s->teardown_begun,
				    "round %u: begins after the teardown", round);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->late_begins), 0,
				    "round %u: begins on a dead barrier", round);
		total_begun += atomic_read(&s->begun);
		max_inflight = max(max_inflight, atomic_read(&s->max_inflight));
	}
	KUNIT_EXPECT_FALSE_MSG(test, stuck, "a stress thread did not finish");
	kunit_info(test, "%u ops over %u rounds, up to %d in flight at once\n",
		   total_begun, round, max_inflight);
	KUNIT_EXPECT_GT(test, total_begun, 0);
	if (!stuck)
		kfree(s);
}

/*
 * A drain that does not end is reported by the kernel: once by the library
 * after 10 s, with its caller and the ops it waits for, and by the hung
 * task detector, which sees the drain sleep uninterruptibly, with (under
 * lockdep) the task inside the op.  Skipped unless
 * child_barrier_kunit.hung_secs is set above the hung task timeout
 * (`scripts/kunit hung`, which looks for both reports in the log).
 */
static void child_barrier_test_hung_drain(struct kunit *test)
{
	struct cb_ctx *ctx;
	struct cb_drain *d;
	unsigned int i;

	if (!hung_secs)
		kunit_skip(test, "child_barrier_kunit.hung_secs is 0");
	ctx = cb_ctx_alloc(test);
	/* The op is held by this task: the detector's lock list names it. */
	KUNIT_ASSERT_TRUE(test, begin_child_op(&ctx->b));
	d = cb_start_drain(test, ctx);
	/* Short sleeps: this task must not look hung itself. */
	for (i = 0; i < hung_secs * 4; i++)
		msleep(250);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 0);
	end_child_op(&ctx->b);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&d->done, CB_WAIT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_runs), 1);
	cb_finish(test, ctx);
}

static struct kunit_case child_barrier_test_cases[] = {
	KUNIT_CASE(child_barrier_test_live),
	KUNIT_CASE(child_barrier_test_size),
	KUNIT_CASE(child_barrier_test_drain_idle),
	KUNIT_CASE(child_barrier_test_drain_twice),
	KUNIT_CASE(child_barrier_test_reinit),
	KUNIT_CASE(child_barrier_test_held),
	KUNIT_CASE(child_barrier_test_class),
	KUNIT_CASE(child_barrier_test_end_elsewhere),
	/* Before reinit_in_use, whose op ends below zero too. */
	KUNIT_CASE(child_barrier_test_end_without_begin),
	KUNIT_CASE(child_barrier_test_reinit_in_use),
	KUNIT_CASE(child_barrier_test_drain_inside_op),
	KUNIT_CASE(child_barrier_test_arm_under_drain),
	KUNIT_CASE(child_barrier_test_start_dead),
	KUNIT_CASE(child_barrier_test_arm_vs_begin),
	KUNIT_CASE(child_barrier_test_nested),
	KUNIT_CASE(child_barrier_test_drain_waits),
	KUNIT_CASE(child_barrier_test_many_sleeping_ops),
	KUNIT_CASE(child_barrier_test_concurrent_drains),
	KUNIT_CASE(child_barrier_test_every_cpu),
	KUNIT_CASE(child_barrier_test_migrate),
	KUNIT_CASE(child_barrier_test_migrate_during_drain),
	KUNIT_CASE_SLOW(child_barrier_test_stress),
	KUNIT_CASE_SLOW(child_barrier_test_hung_drain),
	{}
};

static struct kunit_suite child_barrier_test_suite = {
	.name = "child_barrier",
	.test_cases = child_barrier_test_cases,
};

kunit_test_suite(child_barrier_test_suite);

MODULE_DESCRIPTION("KUnit tests for child_barrier");
MODULE_LICENSE("GPL");
