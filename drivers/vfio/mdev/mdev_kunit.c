// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the mdev core: child create and remove against parent
 * unregistration.
 *
 * Linked into the mdev core, so that it drives the real core: a KUnit device
 * is the parent, a test mdev_driver binds the children, and its probe and
 * remove callbacks can be held on a gate, which opens each race window on
 * purpose.
 * Helper kthreads only record what they saw; every check runs in the test
 * thread, and a case whose window shows fails there, not only through a
 * report in a helper.  Every wait is bounded.  If a helper does not finish
 * in time, or unregistration returns too early, the context and the parent
 * are leaked on purpose, so that nothing touches freed memory.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include "mdev_private.h"

/*
 * Bound for a wait that must end.  Unregistration waits for the releases of
 * children and types, which CONFIG_DEBUG_KOBJECT_RELEASE delays by up to 4 s
 * each, one after the other.
 */
#define MK_WAIT			msecs_to_jiffies(IS_ENABLED(CONFIG_DEBUG_KOBJECT_RELEASE) ? \
						 30000 : 5000)
/* How long a wait that must not end is watched. */
#define MK_SETTLE_MS		100
#define MK_MAX_INSTANCES	64U
#define MK_NR_TYPES		2
#define MK_MAX_JOBS		8
#define MK_STRESS_ROUNDS	10
#define MK_CREATORS		3
#define MK_REMOVERS		2

/* Holds one probe or remove callback until the test releases it. */
struct mk_gate {
	atomic_t armed;
	struct completion entered;
	struct completion release;
	bool timed_out;
};

struct mk_ctx;

/* A registered parent, freed by the test once it is unregistered. */
struct mk_parent {
	struct mdev_parent parent;
	struct mdev_type types[MK_NR_TYPES];
	struct mdev_type *type_list[MK_NR_TYPES];
	struct mk_ctx *ctx;
	bool registered;
	bool unreg_started;
	/* Freed by the unregistration job once unregistered, as a driver does */
	bool free_on_unreg;
};

enum mk_op { MK_CREATE, MK_REMOVE, MK_UNREGISTER, MK_CREATOR, MK_REMOVER };

/*
 * One create, remove or unregistration, or a stress loop of creates or
 * removes, run in a helper kthread.
 */
struct mk_job {
	struct mk_ctx *ctx;
	struct mk_parent *p;
	enum mk_op op;
	struct mdev_type *type;
	struct mdev_device *mdev;
	unsigned int delay_us;
	guid_t uuid;
	int ret;
	struct completion done;
};

struct mk_ctx {
	struct device *dev;
	struct mk_parent *p;
	struct mk_gate add_gate;
	struct mk_gate probe_gate;
	struct mk_gate remove_gate;
	/* Holds the teardown's remove of @sentinel */
	struct mk_gate teardown_gate;
	struct mdev_device *sentinel;
	atomic_t probes;
	atomic_t removes;
	atomic_t teardown_removes;
	atomic_t late_calls;
	struct task_struct *unreg_task;
	bool unreg_done;
	struct mdev_device *probed;
	struct mk_job jobs[MK_MAX_JOBS];
	unsigned int nr_jobs;
	bool stuck;
	/* For the stress loops */
	unsigned long deadline;
	bool stop;
	atomic_t created;
	atomic_t removed;
	atomic_t refused;
	atomic_t bad;
};

static void mk_gate_pass(struct mk_gate *g)
{
	if (atomic_dec_if_positive(&g->armed) < 0)
		return;
	complete(&g->entered);
	if (!wait_for_completion_timeout(&g->release, MK_WAIT))
		g->timed_out = true;
}

static struct mdev_driver mk_driver;

/* The context of a child of a test parent; NULL for any other parent's. */
static struct mk_ctx *mk_ctx_of(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->type->parent;

	if (parent->mdev_driver != &mk_driver)
		return NULL;
	return container_of(parent, struct mk_parent, parent)->ctx;
}

static int mk_probe(struct mdev_device *mdev)
{
	struct mk_ctx *ctx = mk_ctx_of(mdev);

	if (READ_ONCE(ctx->unreg_done))
		atomic_inc(&ctx->late_calls);
	atomic_inc(&ctx->probes);
	WRITE_ONCE(ctx->probed, mdev);
	mk_gate_pass(&ctx->probe_gate);
	return 0;
}

static void mk_remove(struct mdev_device *mdev)
{
	struct mk_ctx *ctx = mk_ctx_of(mdev);

	if (READ_ONCE(ctx->unreg_task) == current) {
		atomic_inc(&ctx->teardown_removes);
		if (mdev == READ_ONCE(ctx->sentinel))
			mk_gate_pass(&ctx->teardown_gate);
	} else if (READ_ONCE(ctx->unreg_done)) {
		atomic_inc(&ctx->late_calls);
	}
	atomic_inc(&ctx->removes);
	mk_gate_pass(&ctx->remove_gate);
}

/*
 * BUS_NOTIFY_ADD_DEVICE comes inside device_add() before the child is linked
 * under its parent: a create held here is invisible to a walk of the
 * parent's children, which is the window of race 1.  The notifier sees every
 * mdev on the bus; it acts on the test parents' children only.  The creator
 * holds the child's parent registered meanwhile, so its driver can be read.
 */
static int mk_bus_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct mk_ctx *ctx;

	if (action != BUS_NOTIFY_ADD_DEVICE)
		return NOTIFY_DONE;
	ctx = mk_ctx_of(to_mdev_device(data));
	if (ctx)
		mk_gate_pass(&ctx->add_gate);
	return NOTIFY_DONE;
}

static struct notifier_block mk_bus_nb = {
	.notifier_call = mk_bus_notify,
};

static struct mdev_driver mk_driver = {
	.device_api	= "vfio-pci",
	.max_instances	= MK_MAX_INSTANCES,
	.probe		= mk_probe,
	.remove		= mk_remove,
	.driver		= {
		.name	= "mdev_kunit",
		.owner	= THIS_MODULE,
	},
};

/* Another parent's driver: the suite must leave its children alone. */
static struct mdev_driver mk_other_driver = {
	.device_api	= "vfio-pci",
	.max_instances	= 1,
	.driver		= {
		.name	= "mdev_kunit_other",
		.owner	= THIS_MODULE,
	},
};

static int mk_count_child(struct device *dev, void *data)
{
	if (dev->bus == &mdev_bus_type)
		(*(unsigned int *)data)++;
	return 0;
}

static unsigned int mk_children(struct mk_ctx *ctx)
{
	unsigned int n = 0;

	device_for_each_child(ctx->dev, &n, mk_count_child);
	return n;
}

static struct mk_parent *mk_alloc_parent(struct kunit *test, struct mk_ctx *ctx)
{
	struct mk_parent *p = kzalloc_obj(*p);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->ctx = ctx;
	for (i = 0; i < MK_NR_TYPES; i++) {
		p->types[i].sysfs_name = i ? "b" : "a";
		p->type_list[i] = &p->types[i];
	}
	return p;
}

static struct mk_parent *mk_register(struct kunit *test, struct mk_ctx *ctx)
{
	struct mk_parent *p = mk_alloc_parent(test, ctx);

	ctx->p = p;
	KUNIT_ASSERT_EQ(test, mdev_register_parent(&p->parent, ctx->dev, &mk_driver,
						   p->type_list, MK_NR_TYPES), 0);
	p->registered = true;
	return p;
}

/*
 * Whether the unregistration of @p has begun: it holds the parent's
 * unreg_sem for writing or waits for it, so that a create or a remove
 * fails now.  Tried the way they try it.
 */
static bool mk_unreg_started(struct mk_parent *p)
{
	struct rw_semaphore *sem = &p->parent.unreg_sem;

	if (!down_read_trylock(sem))
		return true;
	up_read(sem);
	return false;
}

static void mk_count(struct mk_ctx *ctx, int ret, atomic_t *ok, int busy)
{
	if (!ret)
		atomic_inc(ok);
	else if (ret == -ENODEV)
		atomic_inc(&ctx->refused);
	else if (ret != busy)
		atomic_inc(&ctx->bad);
}

static bool mk_go(struct mk_ctx *ctx)
{
	cond_resched();
	return !READ_ONCE(ctx->stop) && time_before(jiffies, ctx->deadline);
}

/* Which mdev child device_find_child() matches: the nth but @except. */
struct mk_nth {
	unsigned int n;
	struct mdev_device *except;
};

/* Matches the nth mdev child, counting from 0; @data points to a struct mk_nth * */
static int mk_match_nth(struct device *dev, const void *data)
{
	struct mk_nth *nth = *(struct mk_nth * const *)data;

	if (dev->bus != &mdev_bus_type ||
	    (nth->except && dev == &nth->except->dev))
		return 0;
	return nth->n-- == 0;
}

/* Remove a random child but the sentinel, with a reference held meanwhile. */
static void mk_remove_one(struct mk_ctx *ctx)
{
	struct mk_nth nth = {
		.n = get_random_u32_below(4),
		.except = READ_ONCE(ctx->sentinel),
	}, *p = &nth;
	struct device *dev;

	dev = device_find_child(ctx->dev, &p, mk_match_nth);
	if (!dev) {
		usleep_range(20, 100);
		return;
	}
	mk_count(ctx, mdev_device_remove(to_mdev_device(dev)), &ctx->removed,
		 -EAGAIN);
	/* May be the last reference: the parent is still allocated. */
	put_device(dev);
}

static int mk_job_thread(void *data)
{
	struct mk_job *job = data;
	struct mk_ctx *ctx = job->ctx;

	if (job->delay_us)
		usleep_range(job->delay_us, job->delay_us + 100);
	switch (job->op) {
	case MK_CREATE:
		job->ret = mdev_device_create(job->type, &job->uuid);
		break;
	case MK_REMOVE:
		job->ret = mdev_device_remove(job->mdev);
		break;
	case MK_UNREGISTER:
		WRITE_ONCE(ctx->unreg_task, current);
		mdev_unregister_parent(&job->p->parent);
		WRITE_ONCE(ctx->unreg_task, NULL);
		WRITE_ONCE(ctx->unreg_done, true);
		if (job->p->free_on_unreg)
			kfree(job->p);
		break;
	case MK_CREATOR:
		while (mk_go(ctx)) {
			guid_gen(&job->uuid);
			job->ret = mdev_device_create(job->type, &job->uuid);
			mk_count(ctx, job->ret, &ctx->created, -EUSERS);
		}
		break;
	case MK_REMOVER:
		while (mk_go(ctx))
			mk_remove_one(ctx);
		break;
	}
	complete_all(&job->done);
	return 0;
}

/*
 * Start a job in a helper kthread.  With @cpu >= 0 the helper runs on that CPU
 * only, and with @fifo at a real-time priority.
 */
static struct mk_job *mk_start_on(struct kunit *test, enum mk_op op,
				  struct mdev_type *type, struct mdev_device *mdev,
				  unsigned int delay_us, int cpu, bool fifo)
{
	struct mk_ctx *ctx = test->priv;
	struct task_struct *t;
	struct mk_job *job;

	KUNIT_ASSERT_LT(test, ctx->nr_jobs, MK_MAX_JOBS);
	job = &ctx->jobs[ctx->nr_jobs];
	memset(job, 0, sizeof(*job));
	job->ctx = ctx;
	job->p = ctx->p;
	job->op = op;
	job->type = type;
	job->mdev = mdev;
	job->delay_us = delay_us;
	guid_gen(&job->uuid);
	init_completion(&job->done);
	t = kthread_create(mk_job_thread, job, "mdev_kunit/%u", ctx->nr_jobs);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	if (cpu >= 0)
		kthread_bind(t, cpu);
	if (fifo)
		sched_set_fifo(t);
	wake_up_process(t);
	ctx->nr_jobs++;
	if (op == MK_UNREGISTER)
		job->p->unreg_started = true;
	return job;
}

static struct mk_job *mk_start(struct kunit *test, enum mk_op op,
			       struct mdev_type *type, struct mdev_device *mdev,
			       unsigned int delay_us)
{
	return mk_start_on(test, op, type, mdev, delay_us, -1, false);
}

static bool mk_wait(struct mk_job *job)
{
	return wait_for_completion_timeout(&job->done, MK_WAIT);
}

/*
 * Whether the unregistration @job of the parent @p has begun: it fences the
 * parent off, its teardown has removed a child, or it has returned.
 */
static bool mk_unreg_seen(struct mk_job *job, struct mk_parent *p)
{
	return completion_done(&job->done) ||
	       atomic_read(&job->ctx->teardown_removes) || mk_unreg_started(p);
}

/* Start unregistration and wait, bounded, until it has begun. */
static struct mk_job *mk_start_unregister(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = ctx->p;
	unsigned long deadline = jiffies + MK_WAIT;
	struct mk_job *job = mk_start(test, MK_UNREGISTER, NULL, NULL, 0);

	while (!mk_unreg_seen(job, p) && time_before(jiffies, deadline))
		usleep_range(500, 1000);
	KUNIT_EXPECT_TRUE(test, mk_unreg_seen(job, p));
	return job;
}

/* Start an op that blocks in @gate, and wait until it is there. */
static struct mk_job *mk_start_held(struct kunit *test, struct mk_gate *gate,
				    enum mk_op op, struct mdev_type *type,
				    struct mdev_device *mdev)
{
	struct mk_job *job;

	atomic_set(&gate->armed, 1);
	job = mk_start(test, op, type, mdev, 0);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&gate->entered, MK_WAIT), 0);
	return job;
}

/* Every child is gone, every probe has its remove, every instance is back. */
static void mk_expect_clean(struct kunit *test, struct mk_ctx *ctx)
{
	KUNIT_EXPECT_EQ(test, mk_children(ctx), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->probes), atomic_read(&ctx->removes));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->late_calls), 0);
	KUNIT_EXPECT_FALSE(test, ctx->add_gate.timed_out);
	KUNIT_EXPECT_FALSE(test, ctx->probe_gate.timed_out);
	KUNIT_EXPECT_FALSE(test, ctx->remove_gate.timed_out);
	KUNIT_EXPECT_FALSE(test, ctx->teardown_gate.timed_out);
	if (ctx->p)
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx->p->parent.available_instances),
				MK_MAX_INSTANCES);
}

static void mk_reset(struct mk_ctx *ctx)
{
	atomic_set(&ctx->add_gate.armed, 0);
	atomic_set(&ctx->probe_gate.armed, 0);
	atomic_set(&ctx->remove_gate.armed, 0);
	atomic_set(&ctx->teardown_gate.armed, 0);
	reinit_completion(&ctx->teardown_gate.entered);
	reinit_completion(&ctx->teardown_gate.release);
	ctx->sentinel = NULL;
	atomic_set(&ctx->probes, 0);
	atomic_set(&ctx->removes, 0);
	atomic_set(&ctx->teardown_removes, 0);
	atomic_set(&ctx->late_calls, 0);
	atomic_set(&ctx->created, 0);
	atomic_set(&ctx->removed, 0);
	atomic_set(&ctx->refused, 0);
	atomic_set(&ctx->bad, 0);
	ctx->stop = false;
	ctx->unreg_done = false;
	ctx->probed = NULL;
	ctx->nr_jobs = 0;
}

static int mk_init(struct kunit *test)
{
	static atomic_t serial = ATOMIC_INIT(0);
	struct mk_ctx *ctx;
	char name[32];

	ctx = kzalloc_obj(*ctx);
	if (!ctx)
		return -ENOMEM;
	/*
	 * A name of its own for each case: with CONFIG_DEBUG_KOBJECT_RELEASE,
	 * the previous case's KUnit device and driver are released late.
	 */
	snprintf(name, sizeof(name), "mdev-parent-%d", atomic_inc_return(&serial));
	ctx->dev = kunit_device_register(test, name);
	if (IS_ERR(ctx->dev)) {
		int ret = PTR_ERR(ctx->dev);

		kfree(ctx);
		return ret;
	}
	init_completion(&ctx->add_gate.entered);
	init_completion(&ctx->add_gate.release);
	init_completion(&ctx->probe_gate.entered);
	init_completion(&ctx->probe_gate.release);
	init_completion(&ctx->remove_gate.entered);
	init_completion(&ctx->remove_gate.release);
	init_completion(&ctx->teardown_gate.entered);
	init_completion(&ctx->teardown_gate.release);
	mk_reset(ctx);
	test->priv = ctx;
	return 0;
}

/* Stop the loops and wait, bounded, for every job. */
static void mk_join(struct mk_ctx *ctx)
{
	unsigned int i;

	WRITE_ONCE(ctx->stop, true);
	for (i = 0; i < ctx->nr_jobs; i++)
		if (!mk_wait(&ctx->jobs[i]))
			ctx->stuck = true;
}

/*
 * Release the gates and join every job; unregister the parent if the test
 * did not.  Frees the context and the parent only if no helper is stuck.
 * Called at the end of each case, and again from .exit.
 */
static void mk_finish(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p;

	if (!ctx)
		return;
	test->priv = NULL;
	complete_all(&ctx->add_gate.release);
	complete_all(&ctx->probe_gate.release);
	complete_all(&ctx->remove_gate.release);
	complete_all(&ctx->teardown_gate.release);
	mk_join(ctx);
	KUNIT_EXPECT_FALSE_MSG(test, ctx->stuck, "a helper thread did not finish");
	if (ctx->stuck)
		return;
	p = ctx->p;
	if (p && p->registered && !p->unreg_started)
		mdev_unregister_parent(&p->parent);
	kfree(p);
	kfree(ctx);
}

/* Without a race: create and remove work; unregistration removes the rest. */
static void mdev_test_basic(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	struct mdev_device *mdev;
	guid_t uuid;

	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[0], &uuid), 0);
	mdev = READ_ONCE(ctx->probed);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, mdev_device_create(&p->types[1], &uuid), -EEXIST);
	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[1], &uuid), 0);
	KUNIT_EXPECT_EQ(test, mk_children(ctx), 2U);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->parent.available_instances),
			MK_MAX_INSTANCES - 2);

	KUNIT_EXPECT_EQ(test, mdev_device_remove(mdev), 0);
	KUNIT_EXPECT_EQ(test, mk_children(ctx), 1U);

	KUNIT_EXPECT_TRUE(test, mk_wait(mk_start_unregister(test)));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->probes), 2);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/* More instances than max_instances: -EUSERS, and nothing changes. */
static void mdev_test_too_many(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	unsigned int i;
	guid_t uuid;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		guid_gen(&uuid);
		KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[i % 2], &uuid), 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&p->parent.available_instances), 0);
	guid_gen(&uuid);
	KUNIT_EXPECT_EQ(test, mdev_device_create(&p->types[0], &uuid), -EUSERS);
	KUNIT_EXPECT_EQ(test, mk_children(ctx), MK_MAX_INSTANCES);

	KUNIT_EXPECT_TRUE(test, mk_wait(mk_start_unregister(test)));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), MK_MAX_INSTANCES);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/*
 * Race 1: a create is held at @gate when unregistration starts.  It holds
 * the parent's unreg_sem for reading, so unregistration waits for it, the
 * create succeeds, and the teardown then removes its child: none is left.
 */
static void mk_race_create(struct kunit *test, struct mk_gate *gate)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	struct mk_job *create, *unreg;

	create = mk_start_held(test, gate, MK_CREATE, &p->types[0], NULL);
	unreg = mk_start_unregister(test);

	msleep(MK_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&unreg->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&create->done));

	complete(&gate->release);
	KUNIT_EXPECT_TRUE(test, mk_wait(unreg));
	KUNIT_EXPECT_TRUE(test, mk_wait(create));
	KUNIT_EXPECT_EQ(test, create->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->probes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 1);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/*
 * Race 1 in its own window: the create is held inside device_add(), before
 * its child is linked under the parent, where the walk of the children
 * cannot see it.
 */
static void mdev_test_create_vs_unregister_walk(struct kunit *test)
{
	mk_race_create(test, &((struct mk_ctx *)test->priv)->add_gate);
}

/* Race 1 with the create held later, in the driver's probe. */
static void mdev_test_create_vs_unregister(struct kunit *test)
{
	mk_race_create(test, &((struct mk_ctx *)test->priv)->probe_gate);
}

/*
 * Race 2: unregistration waits for a remove blocked in the driver's remove
 * callback.  Someone else (an open VFIO device, say) still holds a reference
 * to the child, so its release, which reads the parent, its driver and its
 * type, comes only once that is dropped, after the teardown: unregistration
 * must wait for it too, because the parent's driver frees the parent as
 * soon as unregistration returns (here the test does).  An unregistration
 * that returns before the release fails the case; the parent is then kept
 * (leaked), so that the release reads no freed memory.
 */
static void mdev_test_remove_vs_unregister(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	struct mk_job *remove, *unreg;
	struct mdev_device *mdev;
	guid_t uuid;
	bool early;
	int avail;

	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[1], &uuid), 0);
	mdev = READ_ONCE(ctx->probed);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	get_device(&mdev->dev);

	remove = mk_start_held(test, &ctx->remove_gate, MK_REMOVE, NULL, mdev);
	unreg = mk_start_unregister(test);

	msleep(MK_SETTLE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&unreg->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&remove->done));

	complete(&ctx->remove_gate.release);
	KUNIT_EXPECT_TRUE(test, mk_wait(remove));
	KUNIT_EXPECT_EQ(test, remove->ret, 0);
	/* The child is removed, and only its release is left. */
	msleep(MK_SETTLE_MS);
	early = completion_done(&unreg->done);
	KUNIT_EXPECT_FALSE_MSG(test, early,
			       "unregistration returned before the child's release");
	put_device(&mdev->dev);
	KUNIT_ASSERT_TRUE(test, mk_wait(unreg));
	avail = atomic_read(&p->parent.available_instances);
	ctx->p = NULL;
	if (!early)
		kfree(p);

	KUNIT_EXPECT_EQ(test, avail, MK_MAX_INSTANCES);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 0);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/*
 * The remove window.  mdev_device_remove() gets a child the caller holds no
 * reference to (remove_store() has removed its own file): only while the
 * child is on mdev_list, under mdev_list_lock, is it certain that neither it
 * nor its parent is gone.  The remove must therefore take the parent's
 * unreg_sem (or fail to) before it drops that lock, and unregistration must
 * not remove a listed, active child without that lock.  Otherwise the
 * child's release, which waits for the lock during an unregistration, can
 * run as soon as the remove unlocks, and with it the rest of the
 * unregistration, after which the parent's driver frees the parent: the
 * remove would then try unreg_sem in freed memory.
 *
 * The case lines that up.  The test holds mdev_list_lock while a remove, and
 * after it an unregistration, queue on it.  Both run on one CPU, the
 * unregistration at a real-time priority, so that it preempts the remove as
 * soon as the remove unlocks (on a preemptible kernel), and frees the
 * parent when it returns.  While the test holds the lock, the teardown must
 * not have removed the child: one that did (without the lock) fails the
 * case here, in the test thread, and the test then makes the child
 * inactive, so that the remove leaves the parent alone.  A remove that
 * touches the parent after its unlock reads freed memory, which KASAN
 * reports.  It needs a release that runs in the unregistration itself
 * rather than later in a worker.
 */
static void mdev_test_remove_window(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	unsigned long deadline = jiffies + MK_WAIT;
	int cpu = cpumask_last(cpu_online_mask);
	struct mk_job *remove, *unreg;
	struct mdev_device *mdev;
	struct mk_parent *p;
	bool started;
	guid_t uuid;
	int early;

	if (IS_ENABLED(CONFIG_DEBUG_KOBJECT_RELEASE))
		kunit_skip(test, "the child's release runs later, in a worker");
	p = mk_register(test, ctx);
	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[0], &uuid), 0);
	mdev = READ_ONCE(ctx->probed);
	KUNIT_ASSERT_NOT_NULL(test, mdev);

	mutex_lock(mdev_list_lock_kunit());
	remove = mk_start_on(test, MK_REMOVE, NULL, mdev, 0, cpu, false);
	msleep(MK_SETTLE_MS);
	p->free_on_unreg = true;
	unreg = mk_start_on(test, MK_UNREGISTER, NULL, NULL, 0, cpu, true);
	/* The job frees the parent: mk_finish() must not. */
	ctx->p = NULL;
	/*
	 * Unregistration cannot return while the test holds the lock: the
	 * child's release needs it.  The parent is there until the unlock.
	 */
	do {
		usleep_range(500, 1000);
		started = mk_unreg_started(p);
	} while (!started && time_before(jiffies, deadline));
	msleep(MK_SETTLE_MS);
	KUNIT_EXPECT_TRUE(test, started);
	early = atomic_read(&ctx->teardown_removes);
	KUNIT_EXPECT_EQ_MSG(test, early, 0,
			    "the teardown removed a listed, active child without mdev_list_lock");
	if (early)
		mdev->active = false;
	KUNIT_EXPECT_FALSE(test, completion_done(&remove->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&unreg->done));
	mutex_unlock(mdev_list_lock_kunit());

	KUNIT_EXPECT_TRUE(test, mk_wait(unreg));
	KUNIT_EXPECT_TRUE(test, mk_wait(remove));
	KUNIT_EXPECT_EQ(test, remove->ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 1);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/*
 * A create or a remove that begins once unregistration waits (here for a
 * create blocked in probe) fails with -ENODEV and leaves nothing behind; the
 * teardown removes the child that the failed remove left.
 */
static void mdev_test_ops_during_unregister(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	struct mk_job *held, *create, *remove, *unreg;
	struct mdev_device *mdev;
	guid_t uuid;

	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[0], &uuid), 0);
	mdev = READ_ONCE(ctx->probed);
	KUNIT_ASSERT_NOT_NULL(test, mdev);

	held = mk_start_held(test, &ctx->probe_gate, MK_CREATE, &p->types[1], NULL);
	unreg = mk_start_unregister(test);

	create = mk_start(test, MK_CREATE, &p->types[0], NULL, 0);
	remove = mk_start(test, MK_REMOVE, NULL, mdev, 0);
	KUNIT_EXPECT_TRUE(test, mk_wait(create));
	KUNIT_EXPECT_TRUE(test, mk_wait(remove));
	KUNIT_EXPECT_EQ(test, create->ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, remove->ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, mk_children(ctx), 2U);
	/* The refused create gives its instance back in its release. */
	if (!IS_ENABLED(CONFIG_DEBUG_KOBJECT_RELEASE))
		KUNIT_EXPECT_EQ(test, atomic_read(&p->parent.available_instances),
				MK_MAX_INSTANCES - 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->probes), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->removes), 0);
	KUNIT_EXPECT_FALSE(test, completion_done(&unreg->done));

	complete(&ctx->probe_gate.release);
	KUNIT_EXPECT_TRUE(test, mk_wait(unreg));
	KUNIT_EXPECT_TRUE(test, mk_wait(held));
	KUNIT_EXPECT_EQ(test, held->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 2);
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

/*
 * Stress: creators and removers on random UUIDs while the parent unregisters,
 * with a new registration each round.  Every child created is removed, by a
 * remover or by the teardown, and nothing runs after the teardown.
 *
 * The loops call the core directly, where sysfs would stop them once the
 * types' files are gone: a sentinel child that no remover removes holds the
 * teardown at its remove until the loops have stopped, so that they only
 * meet the unregistration while it runs.
 */
static void mdev_test_stress(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	unsigned int round, i, created = 0, refused = 0;
	struct mk_parent *p;
	guid_t uuid;
	long held;

	for (round = 0; round < MK_STRESS_ROUNDS; round++) {
		mk_reset(ctx);
		p = mk_register(test, ctx);
		guid_gen(&uuid);
		KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[1], &uuid), 0);
		ctx->sentinel = READ_ONCE(ctx->probed);
		KUNIT_ASSERT_NOT_NULL(test, ctx->sentinel);
		atomic_set(&ctx->teardown_gate.armed, 1);
		ctx->deadline = jiffies + 2 * MK_WAIT;
		/* First, so that a failed start leaves no loop running. */
		mk_start(test, MK_UNREGISTER, NULL, NULL,
			 2000 + get_random_u32_below(6000));
		for (i = 0; i < MK_CREATORS; i++)
			mk_start(test, MK_CREATOR, &p->types[i % MK_NR_TYPES], NULL, 0);
		for (i = 0; i < MK_REMOVERS; i++)
			mk_start(test, MK_REMOVER, NULL, NULL, 0);

		/* Let the loops keep trying on the parent under teardown a while. */
		held = wait_for_completion_timeout(&ctx->teardown_gate.entered,
						   2 * MK_WAIT);
		KUNIT_EXPECT_NE_MSG(test, held, 0, "round %u: no teardown", round);
		usleep_range(2000, 3000);
		WRITE_ONCE(ctx->stop, true);
		for (i = 1; i < ctx->nr_jobs; i++)
			if (!mk_wait(&ctx->jobs[i]))
				ctx->stuck = true;
		if (ctx->stuck)
			break;
		complete(&ctx->teardown_gate.release);
		mk_join(ctx);
		if (ctx->stuck)
			break;

		mk_expect_clean(test, ctx);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->created) + 1,
				    atomic_read(&ctx->probes), "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->removed) +
				    atomic_read(&ctx->teardown_removes),
				    atomic_read(&ctx->removes), "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->bad), 0, "round %u", round);
		created += atomic_read(&ctx->created);
		refused += atomic_read(&ctx->refused);

		ctx->p = NULL;
		kfree(p);
	}
	kunit_info(test, "%u rounds: %u created, %u refused\n", round, created, refused);
	KUNIT_EXPECT_GT(test, created, 0U);
	KUNIT_EXPECT_GT(test, refused, 0U);
	mk_finish(test);
}

/*
 * The suite's bus notifier sees the children of every parent (mtty,
 * vfio_ccw, i915's GVT-g): it must take none of another driver's for its
 * own.  Another parent, laid out as a test parent and pointing to this
 * case's context, creates a child while the add gate is armed: the create
 * must go through without reaching the gate.
 */
static void mdev_test_foreign_parent(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *other;
	struct device *dev;
	struct mk_job *create;
	long entered;

	mk_register(test, ctx);
	dev = kunit_device_register(test, "mdev-other-parent");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	other = mk_alloc_parent(test, ctx);
	if (mdev_register_parent(&other->parent, dev, &mk_other_driver,
				 other->type_list, MK_NR_TYPES)) {
		kfree(other);
		KUNIT_FAIL_AND_ABORT(test, "the other parent did not register");
	}

	atomic_set(&ctx->add_gate.armed, 1);
	create = mk_start(test, MK_CREATE, &other->types[0], NULL, 0);
	entered = wait_for_completion_timeout(&ctx->add_gate.entered,
					      msecs_to_jiffies(MK_SETTLE_MS));
	KUNIT_EXPECT_EQ_MSG(test, entered, 0,
			    "the notifier took another parent's child for its own");
	complete(&ctx->add_gate.release);
	KUNIT_EXPECT_TRUE(test, mk_wait(create));
	KUNIT_EXPECT_EQ(test, create->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->add_gate.armed), entered ? 0 : 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->probes), 0);
	atomic_set(&ctx->add_gate.armed, 0);
	if (completion_done(&create->done)) {
		mdev_unregister_parent(&other->parent);
		kfree(other);
	}
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

static int mk_suite_init(struct kunit_suite *suite)
{
	int ret = bus_register_notifier(&mdev_bus_type, &mk_bus_nb);

	if (ret)
		return ret;
	ret = mdev_register_driver(&mk_driver);
	if (ret)
		goto out_notifier;
	ret = mdev_register_driver(&mk_other_driver);
	if (ret)
		goto out_driver;
	return 0;

out_driver:
	mdev_unregister_driver(&mk_driver);
out_notifier:
	bus_unregister_notifier(&mdev_bus_type, &mk_bus_nb);
	return ret;
}

/*
 * A reference to a child held across its parent's unregistration, as when
 * userspace or another subsystem still holds one.  The child's release reads
 * the parent, its driver and its type, so unregistration must not return
 * before that release, after which the parent's driver frees the parent
 * (here the test does).
 */
static void mdev_test_release_after_unregister(struct kunit *test)
{
	struct mk_ctx *ctx = test->priv;
	struct mk_parent *p = mk_register(test, ctx);
	struct mk_nth first = { }, *nth = &first;
	struct mk_job *unreg;
	struct device *dev;
	guid_t uuid;
	bool early;

	guid_gen(&uuid);
	KUNIT_ASSERT_EQ(test, mdev_device_create(&p->types[0], &uuid), 0);
	dev = device_find_child(ctx->dev, &nth, mk_match_nth);
	KUNIT_ASSERT_NOT_NULL(test, dev);

	unreg = mk_start_unregister(test);
	msleep(MK_SETTLE_MS);
	early = completion_done(&unreg->done);
	KUNIT_EXPECT_FALSE_MSG(test, early,
			       "unregistration returned before the child's release");
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->teardown_removes), 1);
	KUNIT_EXPECT_EQ(test, mk_children(ctx), 0U);
	/*
	 * Had it returned, the parent's driver could free the parent now; it
	 * is kept (leaked), so that the release below reads no freed memory.
	 */
	if (early)
		ctx->p = NULL;
	put_device(dev);
	KUNIT_EXPECT_TRUE(test, mk_wait(unreg));
	mk_expect_clean(test, ctx);
	mk_finish(test);
}

static void mk_suite_exit(struct kunit_suite *suite)
{
	mdev_unregister_driver(&mk_other_driver);
	mdev_unregister_driver(&mk_driver);
	bus_unregister_notifier(&mdev_bus_type, &mk_bus_nb);
}

static struct kunit_case mdev_test_cases[] = {
	KUNIT_CASE(mdev_test_basic),
	KUNIT_CASE(mdev_test_too_many),
	KUNIT_CASE(mdev_test_create_vs_unregister_walk),
	KUNIT_CASE(mdev_test_create_vs_unregister),
	KUNIT_CASE(mdev_test_remove_vs_unregister),
	KUNIT_CASE(mdev_test_remove_window),
	KUNIT_CASE(mdev_test_ops_during_unregister),
	KUNIT_CASE(mdev_test_release_after_unregister),
	KUNIT_CASE(mdev_test_foreign_parent),
	KUNIT_CASE_SLOW(mdev_test_stress),
	{}
};

static struct kunit_suite mdev_test_suite = {
	.name = "mdev",
	.suite_init = mk_suite_init,
	.suite_exit = mk_suite_exit,
	.init = mk_init,
	.exit = mk_finish,
	.test_cases = mdev_test_cases,
};

kunit_test_suite(mdev_test_suite);
