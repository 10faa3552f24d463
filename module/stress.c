// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab stress: in-kernel workers, one per CPU they are bound to, that
 * allocate random orders, hold a window of pages and free the oldest, so
 * that pcplists, buddy merging and zonelist walks run on every CPU while
 * tests and benchmarks look at them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
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
static int zl_stress_nid = NUMA_NO_NODE;
static struct zl_ctx *zl_stress_ctx;
/*
 * The workers as one OOM owner (when they run under no context); its
 * mark makes every worker free what it holds.  Set up at init.
 */
static struct zl_owner zl_stress_owner;

/* Who the workers' pages are charged to. */
static struct zl_owner *zl_stress_owner_now(void)
{
	return zl_stress_ctx ? &zl_stress_ctx->owner : &zl_stress_owner;
}

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
	zl_owner_charge(zl_stress_owner_now(), r->page[tail], r->order[tail],
			false);
	r->len--;
}

static void zl_stress_reap(struct zl_ring *r, struct zl_owner *owner)
{
	unsigned long pages = 0, i;

	for (i = 0; i < r->len; i++)
		pages += 1UL << r->order[(r->head + r->size - r->len + i) % r->size];
	/* Counted first: the victim is gone with its last page. */
	if (pages)
		zl_owner_reaped(owner, pages);
	while (r->len)
		zl_ring_pop(r);
}

static void zl_stress_loop(struct zl_stress_worker *w, struct zl_ring *r)
{
	while (!kthread_should_stop()) {
		unsigned int order = get_random_u32() % (zl_stress_order_max + 1);
		struct page *page;

		struct zl_owner *owner = zl_stress_owner_now();

		/* An OOM victim frees what it holds, as a killed task would. */
		if (READ_ONCE(owner->victim)) {
			zl_stress_reap(r, owner);
			schedule_timeout_interruptible(HZ / 50);
			continue;
		}
		if (zl_stress_ctx) {
			page = zl_ctx_alloc(zl_stress_ctx, NULL, -1, order, 0);
		} else {
			struct zl_alloc_req req = {
				.nid = zl_stress_nid, .owner = owner,
			};

			page = zl_alloc_req(order, &req);
		}
		if (page) {
			zl_owner_charge(owner, page, order, true);
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
	if (zl_stress_ctx)
		zl_ctx_put(zl_stress_ctx);
	zl_stress_ctx = NULL;
}

/*
 * Create (not yet wake) @threads workers, bound round-robin to the online
 * CPUs of @cpus.  A worker whose CPU goes offline is moved by the
 * scheduler; that is part of the CPU hotplug tests.
 */
static int zl_stress_create(unsigned int threads, const struct cpumask *cpus)
{
	unsigned int i, cpu = cpumask_first_and(cpus, cpu_online_mask);

	for (i = 0; i < threads; i++) {
		struct task_struct *t;

		t = kthread_create(zl_stress_fn, &zl_workers[i],
				   "zl_stress/%u", cpu);
		if (IS_ERR(t))
			return PTR_ERR(t);
		kthread_bind(t, cpu);
		zl_workers[i].task = t;
		zl_nr_workers++;
		cpu = cpumask_next_and(cpu, cpus, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(cpus, cpu_online_mask);
	}
	return 0;
}

/**
 * zl_stress_start() - start stress workers.
 * @args:	what to start; see struct zl_stress_args.  Its context
 *		reference is taken over (@args->ctx set to NULL) once the
 *		workers are being created; otherwise it stays the caller's.
 *
 * Return: 0, -EBUSY if stress runs already, -ERANGE for bad limits or no
 * online CPU in @args->cpus, or -ENOMEM / a kthread error with nothing
 * started.
 */
int zl_stress_start(struct zl_stress_args *args)
{
	const struct cpumask *cpus = args->cpus ?: cpu_online_mask;
	unsigned int threads = args->threads, i;
	int ret = 0;

	/*
	 * zl_stress_lock before the CPU hotplug lock, as the storm orders
	 * its own: zl_stress_stop() holds zl_stress_lock while a worker it
	 * stops may wait for cpus_read_lock() behind a hotplug writer, and
	 * that writer must not wait for us in turn.
	 */
	mutex_lock(&zl_stress_lock);
	cpus_read_lock();
	if (!threads)
		threads = cpumask_weight_and(cpus, cpu_online_mask);
	/* threads= with no online CPU in cpus= has nowhere to run. */
	if (!threads || threads > ZL_STRESS_MAX_THREADS ||
	    !cpumask_intersects(cpus, cpu_online_mask) ||
	    args->order_max >= ZL_NR_ORDERS || !args->hold ||
	    args->hold > ZL_STRESS_MAX_HOLD) {
		ret = -ERANGE;
		goto out_unlock;
	}
	if (zl_workers) {
		ret = -EBUSY;
		goto out_unlock;
	}
	zl_workers = kcalloc(threads, sizeof(*zl_workers), GFP_KERNEL);
	if (!zl_workers) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	zl_stress_order_max = args->order_max;
	zl_stress_hold = args->hold;
	zl_stress_nid = args->nid;
	zl_stress_ctx = args->ctx;
	args->ctx = NULL;
	WRITE_ONCE(zl_stress_owner.oom_score_adj, args->oom_score_adj);
	ret = zl_stress_create(threads, cpus);
	if (ret) {
		__zl_stress_stop();
		goto out_unlock;
	}
	for (i = 0; i < zl_nr_workers; i++)
		wake_up_process(zl_workers[i].task);
out_unlock:
	cpus_read_unlock();
	mutex_unlock(&zl_stress_lock);
	return ret;
}

int zl_stress_init(void)
{
	int ret = zl_owner_init(&zl_stress_owner, "stress", "workers", NULL);

	if (!ret)
		zl_owner_register(&zl_stress_owner);
	return ret;
}

/* Context: the workers are stopped. */
void zl_stress_exit(void)
{
	zl_owner_unregister(&zl_stress_owner);
	zl_owner_destroy(&zl_stress_owner);
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
	seq_printf(m, "running %d\nthreads %u\norder_max %u\nhold %u\nops %llu\nfails %llu\nnode %d\n",
		   zl_workers ? 1 : 0, zl_nr_workers, zl_stress_order_max,
		   zl_stress_hold, ops, fails, zl_stress_nid);
	mutex_unlock(&zl_stress_lock);
}
