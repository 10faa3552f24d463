// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab bench: order-0 alloc+free pairs through zonelab and through the
 * kernel's page allocator, timed on the same CPU in one run.
 *
 * The two loops alternate in rounds so that frequency changes and other
 * load hit both alike.  pcp_hit_rate is measured over the run from the
 * global counters, so it includes whatever stress runs meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "zonelab.h"

#define ZL_BENCH_ROUND		1000
#define ZL_BENCH_MAX_ITER	10000000UL

/**
 * struct zl_bench_result - the last run.
 * @iterations:	pairs timed per allocator.
 * @cpu:	the CPU it ran on.
 * @zl_ns:	total ns of zonelab's pairs.
 * @kernel_ns:	total ns of the kernel's pairs.
 * @pcp_hit:	pcp hits during the run.
 * @pcp_miss:	pcp misses during the run.
 */
struct zl_bench_result {
	unsigned long iterations;
	int cpu;
	u64 zl_ns;
	u64 kernel_ns;
	u64 pcp_hit;
	u64 pcp_miss;
};

/* Serialises runs and protects zl_bench_last. */
static DEFINE_MUTEX(zl_bench_lock);
static struct zl_bench_result zl_bench_last;

static int zl_bench_zonelab(unsigned long n, u64 *ns)
{
	u64 start = ktime_get_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *page = zl_alloc_pages(0, NUMA_NO_NODE, 0);

		if (!page)
			return -ENOMEM;
		zl_free_pages(page, 0);
	}
	*ns += ktime_get_ns() - start;
	return 0;
}

static int zl_bench_kernel(unsigned long n, u64 *ns)
{
	u64 start = ktime_get_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_NOWARN);

		if (!page)
			return -ENOMEM;
		__free_page(page);
	}
	*ns += ktime_get_ns() - start;
	return 0;
}

static int zl_bench_rounds(struct zl_bench_result *r, unsigned long iterations)
{
	unsigned long done, n;
	int ret = 0;

	/* Warm both allocators' per-CPU lists first. */
	zl_bench_zonelab(ZL_BENCH_ROUND, &r->zl_ns);
	zl_bench_kernel(ZL_BENCH_ROUND, &r->kernel_ns);
	r->zl_ns = 0;
	r->kernel_ns = 0;

	for (done = 0; done < iterations && !ret; done += n) {
		n = min(iterations - done, (unsigned long)ZL_BENCH_ROUND);
		ret = zl_bench_zonelab(n, &r->zl_ns);
		if (!ret)
			ret = zl_bench_kernel(n, &r->kernel_ns);
		if (fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	return ret;
}

/*
 * Run on the CPU the writer is on, pinned by affinity rather than by
 * migrate_disable(): a failing allocation drains pcplists under
 * cpus_read_lock(), which must not wait for a hotplug that waits for us.
 */
static int zl_bench_pinned(struct zl_bench_result *r, unsigned long iterations)
{
	cpumask_var_t saved;
	int ret;

	if (!alloc_cpumask_var(&saved, GFP_KERNEL))
		return -ENOMEM;
	cpumask_copy(saved, current->cpus_ptr);
	r->cpu = raw_smp_processor_id();
	ret = set_cpus_allowed_ptr(current, cpumask_of(r->cpu));
	if (!ret)
		ret = zl_bench_rounds(r, iterations);
	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);
	return ret;
}

/**
 * zl_bench_run() - time @iterations pairs on each allocator.
 * @iterations:	1 .. ZL_BENCH_MAX_ITER.
 *
 * Context: process context; the task is pinned to its CPU for the run.
 * Return: 0, -ERANGE, -ENOMEM if an allocation failed, or -EINTR.
 */
int zl_bench_run(unsigned long iterations)
{
	struct zl_bench_result r = { .iterations = iterations };
	u64 hit, miss;
	int ret;

	if (!iterations || iterations > ZL_BENCH_MAX_ITER)
		return -ERANGE;

	mutex_lock(&zl_bench_lock);
	hit = zl_stat_read(ZL_STAT_PCP_HIT);
	miss = zl_stat_read(ZL_STAT_PCP_MISS);
	ret = zl_bench_pinned(&r, iterations);
	r.pcp_hit = zl_stat_read(ZL_STAT_PCP_HIT) - hit;
	r.pcp_miss = zl_stat_read(ZL_STAT_PCP_MISS) - miss;
	if (!ret)
		zl_bench_last = r;
	mutex_unlock(&zl_bench_lock);
	return ret;
}

/* A ratio as "<int>.<3 digits>", since the kernel has no floating point. */
static void zl_show_ratio(struct seq_file *m, const char *key, u64 num, u64 den)
{
	u64 milli = den ? div64_u64(num * 1000, den) : 0;

	seq_printf(m, "%s %llu.%03llu\n", key, div_u64(milli, 1000),
		   milli % 1000);
}

void zl_bench_show(struct seq_file *m)
{
	struct zl_bench_result *r = &zl_bench_last;

	mutex_lock(&zl_bench_lock);
	if (!r->iterations) {
		seq_puts(m, "iterations 0\n");
		goto out_unlock;
	}
	seq_printf(m, "iterations %lu\ncpu %d\n", r->iterations, r->cpu);
	zl_show_ratio(m, "zonelab_alloc_free_ns", r->zl_ns, r->iterations);
	zl_show_ratio(m, "kernel_alloc_free_ns", r->kernel_ns, r->iterations);
	zl_show_ratio(m, "ratio", r->zl_ns, r->kernel_ns);
	zl_show_ratio(m, "pcp_hit_rate", r->pcp_hit, r->pcp_hit + r->pcp_miss);
out_unlock:
	mutex_unlock(&zl_bench_lock);
}

/*
 * The rebuild-disruption benchmark: allocation throughput on every CPU
 * but one, first with no rebuilds, then while the rebuild storm runs on
 * the remaining CPU, for each rebuild mode in one run.
 */
#define ZL_BENCH_REBUILD_MAX_MS	10000

/**
 * struct zl_rb_worker - one allocating thread of the benchmark.
 * @task:	the kthread.
 * @ops:	alloc+free pairs done; read after kthread_stop().
 * @max_ns:	the slowest single allocation; as @ops.
 */
struct zl_rb_worker {
	struct task_struct *task;
	u64 ops;
	u64 max_ns;
};

/**
 * struct zl_rb_result - one mode's figures.
 * @valid:		the mode was measured.
 * @per_sec:		allocations per second during the storm.
 * @base_per_sec:	the same with no rebuilds.
 * @max_ns:		the slowest allocation during the storm.
 * @base_max_ns:	the same with no rebuilds.
 * @rebuilds:		rebuilds the storm made.
 * @rebuild_ns_avg:	their mean duration.
 */
struct zl_rb_result {
	bool valid;
	u64 per_sec;
	u64 base_per_sec;
	u64 max_ns;
	u64 base_max_ns;
	u64 rebuilds;
	u64 rebuild_ns_avg;
};

/* The last run's figures and phase length; under zl_bench_lock. */
static struct zl_rb_result zl_rb_last[ZL_NR_REBUILD_MODES];
static unsigned int zl_rb_last_ms;

static int zl_rb_worker_fn(void *data)
{
	struct zl_rb_worker *w = data;
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		u64 start = ktime_get_ns(), ns;
		struct page *page = zl_alloc_pages(0, NUMA_NO_NODE, 0);

		ns = ktime_get_ns() - start;
		if (page) {
			zl_free_pages(page, 0);
			w->ops++;
			w->max_ns = max(w->max_ns, ns);
		}
		if (!(++i % 256))
			cond_resched();
	}
	return 0;
}

/*
 * A storm phase lasts until the storm finished a rebuild, however long
 * @ms: one stop_machine rebuild can outlast a short phase on a loaded
 * host, and a phase without a rebuild measures nothing.  At most this
 * much longer.
 */
#define ZL_RB_FIRST_REBUILD_MS	5000

static void zl_rb_wait_first_rebuild(void)
{
	unsigned int waited = 0;
	u64 rebuilds, ns;

	for (;;) {
		zl_storm_counts(&rebuilds, &ns);
		if (rebuilds || waited >= ZL_RB_FIRST_REBUILD_MS ||
		    signal_pending(current))
			return;
		msleep(20);
		waited += 20;
	}
}

/*
 * Run workers on every online CPU but @skip for @ms (with @storm, until
 * its first rebuild too); add up their pairs per second and their
 * slowest allocation.
 */
static int zl_rb_phase(unsigned int skip, unsigned int ms, bool storm,
		       u64 *per_sec, u64 *max_ns)
{
	struct zl_rb_worker *w;
	unsigned int n = 0, i, cpu;
	u64 start, ops = 0;
	int ret = 0;

	w = kcalloc(nr_cpu_ids, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (cpu == skip)
			continue;
		t = kthread_create(zl_rb_worker_fn, &w[n], "zl_bench/%u", cpu);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		kthread_bind(t, cpu);
		w[n++].task = t;
	}
	start = ktime_get_ns();
	for (i = 0; i < n && !ret; i++)
		wake_up_process(w[i].task);
	if (!ret)
		msleep_interruptible(ms);
	if (!ret && storm)
		zl_rb_wait_first_rebuild();
	for (i = 0; i < n; i++) {
		kthread_stop(w[i].task);
		ops += w[i].ops;
		*max_ns = max(*max_ns, w[i].max_ns);
	}
	*per_sec = div64_u64(ops * NSEC_PER_SEC, ktime_get_ns() - start);
	kfree(w);
	return ret;
}

/* One mode: the baseline phase, then the storm phase. */
static int zl_rb_mode(enum zl_rebuild_mode mode, unsigned int cpu,
		      unsigned int ms, struct zl_rb_result *r)
{
	u64 rebuilds, ns;
	int ret;

	ret = zl_rebuild_mode_set(mode);
	if (ret)
		return ret;
	ret = zl_rb_phase(cpu, ms, false, &r->base_per_sec, &r->base_max_ns);
	if (ret)
		return ret;
	ret = zl_storm_start(cpu, -1);
	if (ret)
		return ret;
	ret = zl_rb_phase(cpu, ms, true, &r->per_sec, &r->max_ns);
	zl_storm_counts(&rebuilds, &ns);
	zl_storm_stop();
	r->rebuilds = rebuilds;
	r->rebuild_ns_avg = rebuilds ? div64_u64(ns, rebuilds) : 0;
	r->valid = !ret;
	return ret;
}

/**
 * zl_bench_rebuild_run() - measure every rebuild mode.
 * @ms:		length of each phase, 1 .. ZL_BENCH_REBUILD_MAX_MS.
 *
 * The storm runs on the first online CPU, the allocating threads on the
 * others; the mode in force before comes back at the end.  Modes the
 * kernel cannot run (stop_machine on PREEMPT_RT) are left out.
 *
 * Return: 0, -ERANGE, -EOPNOTSUPP with one CPU online, -EBUSY if a storm
 * runs already, or an allocation or kthread error.
 */
int zl_bench_rebuild_run(unsigned int ms)
{
	struct zl_rb_result r[ZL_NR_REBUILD_MODES] = {};
	enum zl_rebuild_mode mode, saved = zl_rebuild_mode_get();
	unsigned int cpu;
	int ret = 0;

	if (!ms || ms > ZL_BENCH_REBUILD_MAX_MS)
		return -ERANGE;
	if (num_online_cpus() < 2)
		return -EOPNOTSUPP;

	mutex_lock(&zl_bench_lock);
	cpu = cpumask_first(cpu_online_mask);
	for (mode = 0; mode < ZL_NR_REBUILD_MODES && !ret; mode++) {
		ret = zl_rb_mode(mode, cpu, ms, &r[mode]);
		if (ret == -EOPNOTSUPP)
			ret = 0;
	}
	zl_rebuild_mode_set(saved);
	if (!ret) {
		memcpy(zl_rb_last, r, sizeof(r));
		zl_rb_last_ms = ms;
	}
	mutex_unlock(&zl_bench_lock);
	return ret;
}

void zl_bench_rebuild_show(struct seq_file *m)
{
	enum zl_rebuild_mode mode;

	mutex_lock(&zl_bench_lock);
	/* 0 before the first run; then one line per mode measured. */
	seq_printf(m, "phase_ms %u\n", zl_rb_last_ms);
	for (mode = 0; mode < ZL_NR_REBUILD_MODES; mode++) {
		struct zl_rb_result *r = &zl_rb_last[mode];

		if (!r->valid)
			continue;
		seq_printf(m, "mode %s allocs_per_sec %llu baseline_allocs_per_sec %llu max_alloc_ns %llu rebuild_ns_avg %llu baseline_max_alloc_ns %llu rebuilds %llu\n",
			   zl_rebuild_mode_name(mode), r->per_sec,
			   r->base_per_sec, r->max_ns, r->rebuild_ns_avg,
			   r->base_max_ns, r->rebuilds);
	}
	mutex_unlock(&zl_bench_lock);
}
