// SPDX-License-Identifier: GPL-2.0
/*
 * Drain-side benchmark for child_barrier and its peers.
 *
 * On load, times the write side of each method, as median, minimum and
 * maximum in nanoseconds over a number of rounds:
 *   idle  - nothing in flight: the cost of the drain itself;
 *   busy  - one reader in flight: the time from that reader's exit to the
 *           drain's return, i.e. what the drain adds once the last op ends.
 * Then it times what a user feels: the unregistration of 1000 idle parents
 * one after the other (as rmmod of a module with 1000 parents), each with
 * its own fence: a child_barrier, an rwsem, or an SRCU fence that flags the
 * parent gone and waits a grace period (the gpiolib/revocable way), or a
 * mutex that flags it gone (the IIO, input, RTC and watchdog cores' way).
 * Last, ops that hold the fence across a body of a few microseconds (a
 * driver's callback), from one thread and from two at once: a mutex
 * serializes them, the other fences do not.
 * Prints one line per method and case; unload it to run it again.  A
 * benchmark, not a test: nothing here can fail.
 */

#include <linux/child_barrier.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/percpu-rwsem.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/srcu.h>

static int rounds = 21;
module_param(rounds, int, 0444);
MODULE_PARM_DESC(rounds, "Rounds per method and case (default 21)");

#define BENCH_MAX_ROUNDS	101

struct cbb_method {
	const char *name;
	void (*setup)(void);
	void (*read_enter)(void);
	void (*read_exit)(void);
	void (*drain)(void);
	void (*teardown)(void);
};

static struct rw_semaphore cbb_rwsem;
static struct child_barrier cbb_barrier;
DEFINE_STATIC_SRCU(cbb_srcu);
static int cbb_srcu_idx;
static struct percpu_rw_semaphore cbb_pcpu_rwsem;
static struct percpu_ref cbb_ref;
static DECLARE_COMPLETION(cbb_ref_released);

static void rwsem_setup(void)
{
	init_rwsem(&cbb_rwsem);
}

static void rwsem_enter(void)
{
	WARN_ON_ONCE(!down_read_trylock(&cbb_rwsem));
}

static void rwsem_exit(void)
{
	up_read(&cbb_rwsem);
}

static void rwsem_drain(void)
{
	down_write(&cbb_rwsem);
	up_write(&cbb_rwsem);
}

static void cb_setup(void)
{
	child_barrier_init(&cbb_barrier);
}

static void cb_enter(void)
{
	WARN_ON_ONCE(!begin_child_op(&cbb_barrier));
}

static void cb_exit(void)
{
	end_child_op(&cbb_barrier);
}

static void cb_drain(void)
{
	drain_and_unregister(&cbb_barrier, NULL, NULL);
}

static void srcu_enter(void)
	__acquires(&cbb_srcu)
{
	cbb_srcu_idx = srcu_read_lock(&cbb_srcu);
}

static void srcu_exit(void)
	__releases(&cbb_srcu)
{
	srcu_read_unlock(&cbb_srcu, cbb_srcu_idx);
}

static void srcu_drain(void)
{
	synchronize_srcu(&cbb_srcu);
}

static void pcpu_rwsem_setup(void)
{
	WARN_ON_ONCE(percpu_init_rwsem(&cbb_pcpu_rwsem));
}

static void pcpu_rwsem_enter(void)
{
	percpu_down_read(&cbb_pcpu_rwsem);
}

static void pcpu_rwsem_exit(void)
{
	percpu_up_read(&cbb_pcpu_rwsem);
}

static void pcpu_rwsem_drain(void)
{
	percpu_down_write(&cbb_pcpu_rwsem);
	percpu_up_write(&cbb_pcpu_rwsem);
}

static void pcpu_rwsem_teardown(void)
{
	percpu_free_rwsem(&cbb_pcpu_rwsem);
}

static void ref_release(struct percpu_ref *ref)
{
	complete(&cbb_ref_released);
}

static void ref_setup(void)
{
	reinit_completion(&cbb_ref_released);
	WARN_ON_ONCE(percpu_ref_init(&cbb_ref, ref_release, 0, GFP_KERNEL));
}

static void ref_enter(void)
{
	WARN_ON_ONCE(!percpu_ref_tryget_live(&cbb_ref));
}

static void ref_exit(void)
{
	percpu_ref_put(&cbb_ref);
}

static void ref_drain(void)
{
	percpu_ref_kill(&cbb_ref);
	wait_for_completion(&cbb_ref_released);
}

static void ref_teardown(void)
{
	percpu_ref_exit(&cbb_ref);
}

static const struct cbb_method cbb_methods[] = {
	{ "rwsem", rwsem_setup, rwsem_enter, rwsem_exit, rwsem_drain },
	{ "child-barrier", cb_setup, cb_enter, cb_exit, cb_drain },
	{ "srcu", NULL, srcu_enter, srcu_exit, srcu_drain },
	{ "pcpu-rwsem", pcpu_rwsem_setup, pcpu_rwsem_enter, pcpu_rwsem_exit,
	  pcpu_rwsem_drain, pcpu_rwsem_teardown },
	{ "pcpu-ref", ref_setup, ref_enter, ref_exit, ref_drain, ref_teardown },
};

struct cbb_reader {
	const struct cbb_method *m;
	struct completion entered;
	struct completion go;
	struct completion done;
	u64 t_exit;
};

static int cbb_reader_fn(void *data)
{
	struct cbb_reader *r = data;

	r->m->read_enter();
	complete(&r->entered);
	wait_for_completion(&r->go);
	/* Give the drain time to start waiting. */
	usleep_range(1000, 1100);
	r->t_exit = ktime_get_ns();
	r->m->read_exit();
	complete(&r->done);
	return 0;
}

static int cbb_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* One round; returns the time in ns, or 0 if the reader could not start. */
static u64 cbb_round(const struct cbb_method *m, bool busy)
{
	struct cbb_reader r = { .m = m };
	struct task_struct *t;
	u64 t0, t1;

	if (m->setup)
		m->setup();
	if (busy) {
		init_completion(&r.entered);
		init_completion(&r.go);
		init_completion(&r.done);
		t = kthread_run(cbb_reader_fn, &r, "cbb_reader");
		if (IS_ERR(t)) {
			if (m->teardown)
				m->teardown();
			return 0;
		}
		wait_for_completion(&r.entered);
		complete(&r.go);
	}
	t0 = ktime_get_ns();
	m->drain();
	t1 = ktime_get_ns();
	if (busy) {
		wait_for_completion(&r.done);
		t0 = r.t_exit;
	}
	if (m->teardown)
		m->teardown();
	return t1 > t0 ? t1 - t0 : 1;
}

#define CBB_PARENTS	1000

struct cbb_parent {
	struct child_barrier barrier;
	struct rw_semaphore rwsem;
	struct srcu_struct srcu;
	struct mutex mutex;	/* with @gone: the fence of IIO, RTC, watchdog */
	bool gone;
};

/* Time, in ns, to unregister CBB_PARENTS parents with fence @f; 0 on error. */
static u64 cbb_parents(struct cbb_parent *p, int f)
{
	u64 t0, t1;
	int i;

	for (i = 0; i < CBB_PARENTS; i++) {
		child_barrier_init(&p[i].barrier);
		init_rwsem(&p[i].rwsem);
		mutex_init(&p[i].mutex);
		p[i].gone = false;
		if (f == 2 && init_srcu_struct(&p[i].srcu)) {
			while (i--)
				cleanup_srcu_struct(&p[i].srcu);
			return 0;
		}
	}
	t0 = ktime_get_ns();
	for (i = 0; i < CBB_PARENTS; i++) {
		switch (f) {
		case 0:
			drain_and_unregister(&p[i].barrier, NULL, NULL);
			break;
		case 1:
			down_write(&p[i].rwsem);
			up_write(&p[i].rwsem);
			break;
		case 2:
			WRITE_ONCE(p[i].gone, true);
			synchronize_srcu(&p[i].srcu);
			break;
		case 3:
			mutex_lock(&p[i].mutex);
			p[i].gone = true;
			mutex_unlock(&p[i].mutex);
			break;
		}
	}
	t1 = ktime_get_ns();
	if (f == 2)
		for (i = 0; i < CBB_PARENTS; i++)
			cleanup_srcu_struct(&p[i].srcu);
	return t1 - t0;
}

static const char * const cbb_fences[] = {
	"child-barrier", "rwsem", "srcu", "mutex"
};

/*
 * The fences in turn, round after round, so that a slow phase of the
 * machine falls on all of them: CBB_PARENT_ROUNDS rounds of the two cheap
 * ones, the first CBB_SRCU_ROUNDS of them with SRCU too (a grace period per
 * parent).
 */
#define CBB_PARENT_ROUNDS	11
#define CBB_SRCU_ROUNDS		3

static void cbb_unregister_parents(void)
{
	u64 ns[ARRAY_SIZE(cbb_fences)][CBB_PARENT_ROUNDS];
	struct cbb_parent *p;
	int f, k, n;

	p = kvzalloc_objs(*p, CBB_PARENTS);
	if (!p)
		return;
	for (k = 0; k < CBB_PARENT_ROUNDS; k++)
		for (f = 0; f < ARRAY_SIZE(cbb_fences); f++)
			if (f != 2 || k < CBB_SRCU_ROUNDS)
				ns[f][k] = cbb_parents(p, f);
	for (f = 0; f < ARRAY_SIZE(cbb_fences); f++) {
		n = f == 2 ? CBB_SRCU_ROUNDS : CBB_PARENT_ROUNDS;
		sort(ns[f], n, sizeof(ns[f][0]), cbb_cmp, NULL);
		pr_info("child_barrier_bench: unregister %d parents %s median %llu min %llu max %llu ns (%d rounds)\n",
			CBB_PARENTS, cbb_fences[f], ns[f][n / 2], ns[f][0],
			ns[f][n - 1], n);
	}
	kvfree(p);
}

/*
 * Ops of one parent that hold its fence across a body of CBB_BODY_US (a
 * driver's callback), CBB_OPS per thread, from 1 or 2 threads at once.
 */
#define CBB_OPS		2000
#define CBB_BODY_US	2
#define CBB_OPS_ROUNDS	5

static const char * const cbb_op_fences[] = {
	"mutex", "rwsem", "child-barrier", "srcu"
};

struct cbb_ops {
	int fence;
	struct mutex mutex;	/* fence 0: serializes the ops */
	struct rw_semaphore rwsem;
	struct child_barrier barrier;
	struct completion start;
	atomic_t running;
	struct completion done;
};

static int cbb_ops_fn(void *data)
{
	struct cbb_ops *o = data;
	int i, idx;

	wait_for_completion(&o->start);
	for (i = 0; i < CBB_OPS; i++) {
		switch (o->fence) {
		case 0:
			mutex_lock(&o->mutex);
			udelay(CBB_BODY_US);
			mutex_unlock(&o->mutex);
			break;
		case 1:
			down_read(&o->rwsem);
			udelay(CBB_BODY_US);
			up_read(&o->rwsem);
			break;
		case 2:
			if (begin_child_op(&o->barrier)) {
				udelay(CBB_BODY_US);
				end_child_op(&o->barrier);
			}
			break;
		case 3:
			idx = srcu_read_lock(&cbb_srcu);
			udelay(CBB_BODY_US);
			srcu_read_unlock(&cbb_srcu, idx);
			break;
		}
	}
	if (atomic_dec_and_test(&o->running))
		complete(&o->done);
	return 0;
}

/* One round: ns per op of each thread; 0 if a thread could not start. */
static u64 cbb_ops_round(struct cbb_ops *o, int fence, int threads)
{
	struct task_struct *t;
	u64 t0, t1;
	int i;

	o->fence = fence;
	mutex_init(&o->mutex);
	init_rwsem(&o->rwsem);
	child_barrier_init(&o->barrier);
	init_completion(&o->start);
	init_completion(&o->done);
	atomic_set(&o->running, threads);
	for (i = 0; i < threads; i++) {
		t = kthread_run(cbb_ops_fn, o, "cbb_ops/%d", i);
		if (IS_ERR(t)) {
			/* Those started run their ops and finish. */
			if (atomic_sub_and_test(threads - i, &o->running))
				complete(&o->done);
			complete_all(&o->start);
			wait_for_completion(&o->done);
			return 0;
		}
	}
	t0 = ktime_get_ns();
	complete_all(&o->start);
	wait_for_completion(&o->done);
	t1 = ktime_get_ns();
	drain_and_unregister(&o->barrier, NULL, NULL);
	return div_u64(t1 - t0, CBB_OPS);
}

static void cbb_ops_bench(void)
{
	u64 ns[CBB_OPS_ROUNDS];
	struct cbb_ops *o;
	int f, c, k;

	o = kzalloc_obj(*o);
	if (!o)
		return;
	for (c = 1; c <= 2; c++) {
		for (f = 0; f < ARRAY_SIZE(cbb_op_fences); f++) {
			for (k = 0; k < CBB_OPS_ROUNDS; k++)
				ns[k] = cbb_ops_round(o, f, c);
			sort(ns, CBB_OPS_ROUNDS, sizeof(ns[0]), cbb_cmp, NULL);
			pr_info("child_barrier_bench: ops %s threads %d body %d us median %llu min %llu max %llu ns per op (%d rounds)\n",
				cbb_op_fences[f], c, CBB_BODY_US,
				ns[CBB_OPS_ROUNDS / 2], ns[0],
				ns[CBB_OPS_ROUNDS - 1], CBB_OPS_ROUNDS);
		}
	}
	kfree(o);
}

static int __init cbb_init(void)
{
	u64 *ns;
	int i, n, c;

	n = clamp(rounds, 1, BENCH_MAX_ROUNDS);
	ns = kzalloc_objs(*ns, n);
	if (!ns)
		return -ENOMEM;
	for (c = 0; c < 2; c++) {
		for (i = 0; i < ARRAY_SIZE(cbb_methods); i++) {
			const struct cbb_method *m = &cbb_methods[i];
			int k;

			for (k = 0; k < n; k++)
				ns[k] = cbb_round(m, c);
			sort(ns, n, sizeof(*ns), cbb_cmp, NULL);
			pr_info("child_barrier_bench: drain %s %s median %llu min %llu max %llu ns (%d rounds)\n",
				c ? "busy" : "idle", m->name, ns[n / 2], ns[0],
				ns[n - 1], n);
		}
	}
	kfree(ns);
	cbb_unregister_parents();
	cbb_ops_bench();
	pr_info("child_barrier_bench: sizeof child_barrier %zu rw_semaphore %zu\n",
		sizeof(struct child_barrier), sizeof(struct rw_semaphore));
	pr_info("child_barrier_bench: done\n");
	return 0;
}
module_init(cbb_init);

static void __exit cbb_exit(void)
{
}
module_exit(cbb_exit);

MODULE_DESCRIPTION("Drain-side benchmark for child_barrier and its peers");
MODULE_LICENSE("GPL");
