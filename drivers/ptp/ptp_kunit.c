// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the virtual clocks of a physical PTP clock against the
 * clock's unregistration: n_vclocks stores are ops on the clock's vclocks
 * barrier, which ptp_clock_unregister() drains before it unregisters the
 * virtual clocks.  The tests register a clock of their own and call the
 * n_vclocks attribute's store directly; one holds an op on the barrier,
 * standing for a store in flight, to hold the unregistration's window
 * open.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ptp_private.h"

/* Every wait of the tests' own is bounded by this. */
#define PTP_TEST_WAIT		(10 * HZ)

static int ptp_test_gettime64(struct ptp_clock_info *info,
			      struct timespec64 *ts)
{
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

/*
 * A physical clock of the test's own.  Its info is here, freed only once
 * the clock is unregistered: ptp_clock_register() writes to it and the
 * clock's workers read it.  A reference on the device lets the test look
 * at the clock after ptp_clock_unregister().
 */
struct ptp_test_clock {
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
	struct completion unregistered;
};

static struct ptp_test_clock *ptp_test_register(struct kunit *test)
{
	struct ptp_test_clock *c;
	struct ptp_clock *ptp;

	c = kzalloc_obj(*c);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->info = ptp_test_info;
	init_completion(&c->unregistered);
	ptp = ptp_clock_register(&c->info, NULL);
	if (IS_ERR_OR_NULL(ptp))
		kfree(c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ptp);
	get_device(&ptp->dev);
	c->ptp = ptp;
	return c;
}

/* Drop the test's reference and free @c, the clock being unregistered. */
static void ptp_test_free(struct ptp_test_clock *c)
{
	put_device(&c->ptp->dev);
	kfree(c);
}

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

/* Write @val to the clock's n_vclocks; the store's return value. */
static ssize_t ptp_test_store(struct kunit *test, struct ptp_clock *ptp,
			      const char *val)
{
	struct device_attribute *attr = ptp_test_n_vclocks(ptp);

	KUNIT_EXPECT_NOT_NULL(test, attr);
	if (!attr)
		return -EINVAL;
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

/* Unregistration removes every virtual clock, and later stores fail. */
static void ptp_test_unregister_removes_vclocks(struct kunit *test)
{
	struct ptp_test_clock *c = ptp_test_register(test);
	struct ptp_clock *ptp = c->ptp;

	KUNIT_EXPECT_EQ(test, ptp_test_store(test, ptp, "2"), 1);
	KUNIT_EXPECT_EQ(test, ptp->n_vclocks, 2);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 2);

	KUNIT_EXPECT_EQ(test, ptp_clock_unregister(ptp), 0);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	KUNIT_EXPECT_EQ(test, ptp->n_vclocks, 0);

	/* What a store in flight when the drain began meets. */
	KUNIT_EXPECT_EQ(test, ptp_test_store(test, ptp, "1"), -ENODEV);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	ptp_test_free(c);
}

static int ptp_test_unreg_thread(void *data)
{
	struct ptp_test_clock *c = data;

	ptp_clock_unregister(c->ptp);
	kthread_complete_and_exit(&c->unregistered, 0);
}

/*
 * A store in flight holds the unregistration before it touches a virtual
 * clock, and a store that comes after the unregistration has begun fails.
 */
static void ptp_test_unregister_waits_for_store(struct kunit *test)
{
	struct ptp_test_clock *c = ptp_test_register(test);
	struct ptp_clock *ptp = c->ptp;
	struct task_struct *task;
	unsigned long end;

	KUNIT_EXPECT_EQ(test, ptp_test_store(test, ptp, "1"), 1);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 1);

	/* The test is the store in flight. */
	if (!begin_child_op(&ptp->vclocks)) {
		KUNIT_FAIL(test, "begin_child_op() failed on a registered clock");
		goto unregister;
	}
	task = kthread_run(ptp_test_unreg_thread, c, "ptp_kunit_unreg");
	if (IS_ERR(task)) {
		end_child_op(&ptp->vclocks);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		goto unregister;
	}

	end = jiffies + PTP_TEST_WAIT;
	while (!child_barrier_is_dead(&ptp->vclocks) && time_before(jiffies, end))
		usleep_range(10000, 20000);
	KUNIT_EXPECT_TRUE(test, child_barrier_is_dead(&ptp->vclocks));

	/* The unregistration waits for the op, its virtual clock still there. */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&c->unregistered));
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 1);

	/* A later store fails and makes no clock. */
	KUNIT_EXPECT_EQ(test, ptp_test_store(test, ptp, "2"), -ENODEV);
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 1);

	end_child_op(&ptp->vclocks);
	if (!wait_for_completion_timeout(&c->unregistered, PTP_TEST_WAIT)) {
		/* c stays allocated: the thread and the clock may still use it. */
		KUNIT_FAIL(test, "ptp_clock_unregister() did not return");
		return;
	}
	KUNIT_EXPECT_EQ(test, ptp_test_vclocks(ptp), 0);
	ptp_test_free(c);
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
