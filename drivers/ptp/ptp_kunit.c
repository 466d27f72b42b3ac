// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the virtual clocks of a physical PTP clock against the
 * clock's unregistration.  The n_vclocks file stays until
 * posix_clock_unregister(), after ptp_clock_unregister() has unregistered
 * the virtual clocks: a store must neither make a virtual clock that
 * outlives its parent nor remove one that the unregistration removes.
 *
 * The tests register a physical clock of their own and call the n_vclocks
 * attribute's store directly.  A store that registers a virtual clock
 * reads the physical clock (the virtual clock's timecounter starts from
 * it), with n_vclocks_mux held: the test clock's gettime64 can be made to
 * block there, which holds a store in flight.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ptp_private.h"

/* Every wait of the tests' own is bounded by this. */
#define PTP_TEST_WAIT		(10 * HZ)

struct ptp_test_clock;

/* A store to n_vclocks, made by a thread of its own. */
struct ptp_test_store {
	struct ptp_test_clock *c;
	const char *val;
	ssize_t ret;
	struct task_struct *task;
	struct completion done;
};

/*
 * A physical clock of the test's own.  Its info is here, freed only once
 * the clock is unregistered: ptp_clock_register() writes to it and the
 * clock's virtual clocks call its ops.  A reference on the device lets the
 * test look at the clock after ptp_clock_unregister().
 */
struct ptp_test_clock {
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
	/* The next gettime64 blocks until release, and says who it is. */
	atomic_t block;
	struct task_struct *blocked;
	struct completion entered;
	struct completion release;
	/* The thread that unregisters the clock. */
	struct task_struct *unreg_task;
	struct completion unregistered;
	struct ptp_test_store in_flight, later;
};

static int ptp_test_gettime64(struct ptp_clock_info *info,
			      struct timespec64 *ts)
{
	struct ptp_test_clock *c = container_of(info, struct ptp_test_clock,
						info);

	if (atomic_xchg(&c->block, 0)) {
		c->blocked = current;
		complete(&c->entered);
		/* Bounded too: the test releases it long before. */
		wait_for_completion_timeout(&c->release, 3 * PTP_TEST_WAIT);
	}
	ktime_get_real_ts64(ts);
	return 0;
}

static int ptp_test_settime64(struct ptp_clock_info *info,
			      const struct timespec64 *ts)
{
	return 0;
}

static int ptp_test_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return 0;
}

static int ptp_test_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return 0;
}

static const struct ptp_clock_info ptp_test_info = {
	.owner		= THIS_MODULE,
	.name		= "ptp_kunit",
	.max_adj	= 1000,
	.adjfine	= ptp_test_adjfine,
	.adjtime	= ptp_test_adjtime,
	.gettime64	= ptp_test_gettime64,
	.settime64	= ptp_test_settime64,
};

/* The n_vclocks attribute, from the ptp class's attribute groups. */
static struct device_attribute *ptp_test_n_vclocks(struct ptp_clock *ptp)
{
	const struct attribute_group *const *groups = ptp->dev.class->dev_groups;
	struct attribute *const *attrs;

	for (; groups && *groups; groups++)
		for (attrs = (*groups)->attrs; attrs && *attrs; attrs++)
			if (!strcmp((*attrs)->name, "n_vclocks"))
				return container_of(*attrs, struct device_attribute,
						    attr);
	return NULL;
}

static struct ptp_test_clock *ptp_test_register(struct kunit *test)
{
	struct ptp_test_clock *c;
	struct ptp_clock *ptp;

	c = kzalloc_obj(*c);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->info = ptp_test_info;
	init_completion(&c->entered);
	init_completion(&c->release);
	init_completion(&c->unregistered);
	ptp = ptp_clock_register(&c->info, NULL);
	if (IS_ERR_OR_NULL(ptp))
		kfree(c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ptp);
	get_device(&ptp->dev);
	c->ptp = ptp;
	if (!ptp_test_n_vclocks(ptp)) {
		ptp_clock_unregister(ptp);
		put_device(&ptp->dev);
		kfree(c);
		KUNIT_FAIL_AND_ABORT(test, "no n_vclocks attribute");
	}
	return c;
}

/* Write @val to the clock's n_vclocks; the store's return value. */
static ssize_t ptp_test_write(struct ptp_clock *ptp, const char *val)
{
	struct device_attribute *attr = ptp_test_n_vclocks(ptp);

	return attr->store(&ptp->dev, attr, val, strlen(val));
}

static int ptp_test_count_one(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

/* The virtual clocks: the physical clock's child devices. */
static int ptp_test_vclocks(struct ptp_clock *ptp)
{
	int n = 0;

	device_for_each_child(&ptp->dev, &n, ptp_test_count_one);
	return n;
}

/*
 * Drop the test's reference and free @c, the clock being unregistered.
 * A virtual clock that a failed case left behind would call the freed
 * info: remove it first, where a store still can.
 */
static void ptp_test_free(struct ptp_test_clock *c)
{
	if (ptp_test_vclocks(c->ptp))
		ptp_test_write(c->ptp, "0");
	put_device(&c->ptp->dev);
	kfree(c);
}

/* Unregistration removes every virtual clock, and later stores fail. */
static void ptp_test_unregister_removes_vclocks(struct kunit *test)
{
	struct ptp_test_clock *c = ptp_test_register(test);
	struct ptp_clock *ptp = c->ptp;

	KUNIT_EXPECT_EQ(test, ptp_test_write(ptp, "2"), 1);
	KUNIT_EXPECT_EQ(test, ptp->n_vclocks, 2);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 2);

	KUNIT_EXPECT_EQ(test, ptp_clock_unregister(ptp), 0);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	KUNIT_EXPECT_EQ(test, ptp->n_vclocks, 0);

	/* What a store that comes after the unregistration meets. */
	KUNIT_EXPECT_EQ(test, ptp_test_write(ptp, "1"), -ENODEV);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	ptp_test_free(c);
}

static int ptp_test_store_thread(void *data)
{
	struct ptp_test_store *st = data;

	st->ret = ptp_test_write(st->c->ptp, st->val);
	kthread_complete_and_exit(&st->done, 0);
}

static int ptp_test_unreg_thread(void *data)
{
	struct ptp_test_clock *c = data;

	ptp_clock_unregister(c->ptp);
	kthread_complete_and_exit(&c->unregistered, 0);
}

/* Run @fn(@data) in a thread, holding a reference on its task. */
static struct task_struct *ptp_test_run(struct kunit *test,
					int (*fn)(void *), void *data)
{
	struct task_struct *task;

	task = kthread_create(fn, data, "ptp_kunit");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(task));
		return NULL;
	}
	get_task_struct(task);
	wake_up_process(task);
	return task;
}

static bool ptp_test_start_store(struct kunit *test, struct ptp_test_clock *c,
				 struct ptp_test_store *st, const char *val)
{
	st->c = c;
	st->val = val;
	init_completion(&st->done);
	st->task = ptp_test_run(test, ptp_test_store_thread, st);
	return st->task;
}

/* @task waits: for a lock, or for an event. */
static bool ptp_test_waiting(struct task_struct *task)
{
	return READ_ONCE(task->__state) &
	       (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);
}

/*
 * Wait, bounded, until @task has finished (@done) or waits.  True if it
 * waits.  A thread waiting for a mutex is on the mutex's wait list.
 */
static bool ptp_test_sleeps(struct task_struct *task, struct completion *done)
{
	unsigned long end = jiffies + PTP_TEST_WAIT;

	while (!completion_done(done) && !ptp_test_waiting(task) &&
	       time_before(jiffies, end))
		usleep_range(1000, 2000);
	return !completion_done(done) && ptp_test_waiting(task);
}

/*
 * A store in flight, blocked in the physical clock's gettime64 with its
 * virtual clock registered and n_vclocks_mux held, holds the
 * unregistration: the virtual clock is still there while it waits.  A
 * store that comes while the unregistration waits fails and makes no
 * clock.  Once the store in flight returns, the unregistration finishes
 * and removes the virtual clock.
 */
static void ptp_test_unregister_waits_for_store(struct kunit *test)
{
	struct ptp_test_clock *c = ptp_test_register(test);
	struct ptp_clock *ptp = c->ptp;

	/* The store in flight. */
	atomic_set(&c->block, 1);
	if (!ptp_test_start_store(test, c, &c->in_flight, "1"))
		goto unregister;
	if (!wait_for_completion_timeout(&c->entered, PTP_TEST_WAIT)) {
		KUNIT_FAIL(test, "the store did not read the physical clock");
		goto stuck;
	}
	KUNIT_EXPECT_PTR_EQ(test, c->blocked, c->in_flight.task);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 1);

	/* The unregistration waits for it. */
	c->unreg_task = ptp_test_run(test, ptp_test_unreg_thread, c);
	if (!c->unreg_task)
		goto stuck;
	KUNIT_EXPECT_TRUE_MSG(test, ptp_test_sleeps(c->unreg_task, &c->unregistered),
			      "ptp_clock_unregister() did not wait for the store");
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&c->unregistered));
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 1);

	/*
	 * A later store, from a thread: it may wait for the unregistration
	 * to finish, as long as it fails then.
	 */
	if (!ptp_test_start_store(test, c, &c->later, "1"))
		goto stuck;
	ptp_test_sleeps(c->later.task, &c->later.done);

	complete(&c->release);
	if (!wait_for_completion_timeout(&c->in_flight.done, PTP_TEST_WAIT) ||
	    !wait_for_completion_timeout(&c->unregistered, PTP_TEST_WAIT) ||
	    !wait_for_completion_timeout(&c->later.done, PTP_TEST_WAIT)) {
		KUNIT_FAIL(test, "a store or the unregistration did not return");
		goto stuck;
	}
	KUNIT_EXPECT_EQ(test, c->in_flight.ret, 1);
	KUNIT_EXPECT_EQ(test, c->later.ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	KUNIT_EXPECT_EQ(test, ptp->n_vclocks, 0);
	put_task_struct(c->in_flight.task);
	put_task_struct(c->unreg_task);
	put_task_struct(c->later.task);
	ptp_test_free(c);
	return;

stuck:
	/* c stays allocated: the threads and the clock may still use it. */
	complete_all(&c->release);
	return;
unregister:
	ptp_clock_unregister(ptp);
	ptp_test_free(c);
}

static struct kunit_case ptp_vclock_test_cases[] = {
	KUNIT_CASE(ptp_test_unregister_removes_vclocks),
	KUNIT_CASE(ptp_test_unregister_waits_for_store),
	{}
};

static struct kunit_suite ptp_vclock_test_suite = {
	.name = "ptp_vclock",
	.test_cases = ptp_vclock_test_cases,
};

kunit_test_suite(ptp_vclock_test_suite);

MODULE_DESCRIPTION("KUnit tests for PTP virtual clocks against unregistration");
MODULE_LICENSE("GPL");
