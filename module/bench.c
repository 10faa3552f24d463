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
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

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
