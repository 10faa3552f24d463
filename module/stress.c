// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab stress: in-kernel workers, one per CPU they are bound to, that
 * allocate random orders, hold a window of pages and free the oldest, so
 * that pcplists, buddy merging and zonelist walks run on every CPU while
 * tests and benchmarks look at them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "zonelab.h"

/* Upper bounds on what a user may ask for. */
#define ZL_STRESS_MAX_THREADS	64
#define ZL_STRESS_MAX_HOLD	65536

/**
 * struct zl_stress_worker - one stress thread.
 * @task:	the kthread.
 * @ops:	successful allocations; written by the worker only.
 * @fails:	failed allocations; written by the worker only.
 */
struct zl_stress_worker {
	struct task_struct *task;
	u64 ops;
	u64 fails;
};

/*
 * Serialises start, stop and show.  Under it: the worker array, its size
 * and the parameters, which the workers read only (set before they start).
 */
static DEFINE_MUTEX(zl_stress_lock);
static struct zl_stress_worker *zl_workers;
static unsigned int zl_nr_workers;
static unsigned int zl_stress_order_max;
static unsigned int zl_stress_hold;
/* Totals of workers already stopped; under zl_stress_lock. */
static u64 zl_stress_done_ops, zl_stress_done_fails;

/* A ring of held blocks; the worker owns it, nobody else touches it. */
struct zl_ring {
	struct page **page;
	unsigned int *order;
	unsigned int head, len, size;
};

static void zl_ring_pop(struct zl_ring *r)
{
	unsigned int tail = (r->head + r->size - r->len) % r->size;

	zl_free_pages(r->page[tail], r->order[tail]);
	r->len--;
}

static void zl_stress_loop(struct zl_stress_worker *w, struct zl_ring *r)
{
	while (!kthread_should_stop()) {
		unsigned int order = get_random_u32() % (zl_stress_order_max + 1);
		struct page *page = zl_alloc_pages(order, NUMA_NO_NODE, 0);

		if (page) {
			r->page[r->head] = page;
			r->order[r->head] = order;
			r->head = (r->head + 1) % r->size;
			r->len++;
			WRITE_ONCE(w->ops, w->ops + 1);
		} else {
			WRITE_ONCE(w->fails, w->fails + 1);
		}
		/* A full window, or memory short: free the oldest block. */
		if (r->len && (r->len == r->size || !page))
			zl_ring_pop(r);
		cond_resched();
	}
	while (r->len)
		zl_ring_pop(r);
}

static int zl_stress_fn(void *data)
{
	struct zl_stress_worker *w = data;
	struct zl_ring r = { .size = zl_stress_hold };

	r.page = kvcalloc(r.size, sizeof(*r.page), GFP_KERNEL);
	r.order = kvcalloc(r.size, sizeof(*r.order), GFP_KERNEL);
	if (r.page && r.order)
		zl_stress_loop(w, &r);
	kvfree(r.order);
	kvfree(r.page);
	/* kthread_stop() is coming; wait for it rather than exit early. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static void __zl_stress_stop(void)
{
	unsigned int i;

	lockdep_assert_held(&zl_stress_lock);

	for (i = 0; i < zl_nr_workers; i++) {
		kthread_stop(zl_workers[i].task);
		zl_stress_done_ops += zl_workers[i].ops;
		zl_stress_done_fails += zl_workers[i].fails;
	}
	kfree(zl_workers);
	zl_workers = NULL;
	zl_nr_workers = 0;
}

/* Create (not yet wake) one worker per thread, bound round-robin to CPUs. */
static int zl_stress_create(unsigned int threads)
{
	unsigned int i, cpu = cpumask_first(cpu_online_mask);

	for (i = 0; i < threads; i++) {
		struct task_struct *t;

		t = kthread_create(zl_stress_fn, &zl_workers[i],
				   "zl_stress/%u", cpu);
		if (IS_ERR(t))
			return PTR_ERR(t);
		kthread_bind(t, cpu);
		zl_workers[i].task = t;
		zl_nr_workers++;
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	return 0;
}

/**
 * zl_stress_start() - start stress workers.
 * @threads:	workers; 0 means one per online CPU.
 * @order_max:	highest order allocated.
 * @hold:	blocks each worker holds before it frees the oldest.
 *
 * Return: 0, -EBUSY if stress runs already, -ERANGE for bad limits, or
 * -ENOMEM / a kthread error with nothing started.
 */
int zl_stress_start(unsigned int threads, unsigned int order_max,
		    unsigned int hold)
{
	unsigned int i;
	int ret = 0;

	if (!threads)
		threads = num_online_cpus();
	if (threads > ZL_STRESS_MAX_THREADS || order_max >= ZL_NR_ORDERS ||
	    !hold || hold > ZL_STRESS_MAX_HOLD)
		return -ERANGE;

	mutex_lock(&zl_stress_lock);
	if (zl_workers) {
		ret = -EBUSY;
		goto out_unlock;
	}
	zl_workers = kcalloc(threads, sizeof(*zl_workers), GFP_KERNEL);
	if (!zl_workers) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	zl_stress_order_max = order_max;
	zl_stress_hold = hold;
	ret = zl_stress_create(threads);
	if (ret) {
		__zl_stress_stop();
		goto out_unlock;
	}
	for (i = 0; i < zl_nr_workers; i++)
		wake_up_process(zl_workers[i].task);
out_unlock:
	mutex_unlock(&zl_stress_lock);
	return ret;
}

/**
 * zl_stress_stop() - stop every worker; their pages are freed.
 */
void zl_stress_stop(void)
{
	mutex_lock(&zl_stress_lock);
	__zl_stress_stop();
	mutex_unlock(&zl_stress_lock);
}

void zl_stress_show(struct seq_file *m)
{
	u64 ops, fails;
	unsigned int i;

	mutex_lock(&zl_stress_lock);
	ops = zl_stress_done_ops;
	fails = zl_stress_done_fails;
	for (i = 0; i < zl_nr_workers; i++) {
		/* Pair with WRITE_ONCE() in zl_stress_loop(). */
		ops += READ_ONCE(zl_workers[i].ops);
		fails += READ_ONCE(zl_workers[i].fails);
	}
	seq_printf(m, "running %d\nthreads %u\norder_max %u\nhold %u\nops %llu\nfails %llu\n",
		   zl_workers ? 1 : 0, zl_nr_workers, zl_stress_order_max,
		   zl_stress_hold, ops, fails);
	mutex_unlock(&zl_stress_lock);
}
