// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab stats: per-CPU event counters.
 *
 * Counters are per CPU so that hot paths (the allocation fast path) never
 * share a cache line to count; a read sums every possible CPU.  This file
 * calls nobody: the `stats` file (debugfs.c) prints these next to what
 * other files count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "zonelab.h"

/* Each CPU writes only its own copy (this_cpu_inc); readers sum them all. */
DEFINE_PER_CPU(struct zl_stat_cpu, zl_stat_cpu);

static const char * const zl_stat_names[ZL_NR_STATS] = {
	[ZL_STAT_REBUILDS]		= "rebuilds",
	[ZL_STAT_REBUILD_SKIPPED]	= "rebuild_skipped",
	[ZL_STAT_REBUILD_FAILED]	= "rebuild_failed",
	[ZL_STAT_MEMORY_EVENTS]		= "memory_events",
	[ZL_STAT_ALLOC_SUCCESS]		= "alloc_success",
	[ZL_STAT_ALLOC_FAIL]		= "alloc_fail",
	[ZL_STAT_PCP_HIT]		= "pcp_hit",
	[ZL_STAT_PCP_MISS]		= "pcp_miss",
	[ZL_STAT_ZONE_LOCK]		= "zone_lock",
	[ZL_STAT_PAGES_RESERVED]	= "pages_reserved",
	[ZL_STAT_PAGES_RETURNED]	= "pages_returned",
	[ZL_STAT_ZONELIST_RETRY]	= "zonelist_retry",
	[ZL_STAT_DOUBLE_VISIT]		= "zonelist_double_visit",
	[ZL_STAT_MISSED_ZONE]		= "zonelist_missed_zone",
	[ZL_STAT_PREMATURE_OOM]		= "premature_oom",
	[ZL_STAT_BLOCKS_OFFLINED]	= "blocks_offlined",
	[ZL_STAT_BLOCKS_ONLINED]	= "blocks_onlined",
	[ZL_STAT_OFFLINE_BUSY]		= "offline_busy",
	[ZL_STAT_OFFLINE_PCP_PAGE]	= "offline_pcp_pages",
	[ZL_STAT_HOTPLUG_VETO]		= "hotplug_vetoes",
	[ZL_STAT_POLICY_VIOLATION]	= "policy_violations",
	[ZL_STAT_OOM_KILLS]		= "oom_kills",
	[ZL_STAT_OOM_RESERVE_ALLOCS]	= "oom_reserve_allocs",
	[ZL_STAT_OOM_REAPED]		= "oom_reaped_pages",
	[ZL_STAT_OOM_PENDING]		= "oom_pending",
};

void zl_count_add(enum zl_stat_item item, u64 n)
{
	this_cpu_add(zl_stat_cpu.v[item], n);
}

/**
 * zl_stat_read() - the sum of one counter over every CPU.
 * @item:	the counter.
 *
 * Lockless: a counter being bumped on another CPU may be missed by this
 * sum; counters only grow, so a later read never shows less.
 */
u64 zl_stat_read(enum zl_stat_item item)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&zl_stat_cpu, cpu)->v[item]);
	return sum;
}

/**
 * zl_stats_show() - print every counter as "<key> <value>".
 * @m:	the seq_file of the `stats` file.
 */
void zl_stats_show(struct seq_file *m)
{
	int i;

	for (i = 0; i < ZL_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", zl_stat_names[i],
			   zl_stat_read(i));
}
