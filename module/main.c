// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab: NUMA zonelists, per-CPU page lists, mempolicies and cpusets,
 * rebuilt inside a loadable module over the machine's real nodes, so that
 * the races LKML argues about can be reproduced and measured without
 * patching and rebooting a kernel.
 *
 * main: module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>

#include "zonelab.h"

static unsigned long pages_per_node = 4096;
module_param(pages_per_node, ulong, 0444);
MODULE_PARM_DESC(pages_per_node,
		 "Pages to reserve from each node with memory (default 4096, 16 MiB)");

static unsigned int reserve_percent = 25;
module_param(reserve_percent, uint, 0444);
MODULE_PARM_DESC(reserve_percent,
		 "Reserve at most this percentage of a node's free pages (1-50, default 25)");

module_param_named(block_order, zl_block_order, uint, 0444);
MODULE_PARM_DESC(block_order,
		 "Order of each reserved block; buddies merge up to it (default: the kernel's largest order)");

static unsigned long min_free_kbytes;
module_param(min_free_kbytes, ulong, 0444);
MODULE_PARM_DESC(min_free_kbytes,
		 "min_free_kbytes of zonelab's pool; 0 (default) derives it from the pool's size as the kernel does");

static int __init zl_init(void)
{
	int ret;

	if (!reserve_percent || reserve_percent > 50)
		return -EINVAL;

	ret = zl_zones_init(pages_per_node, reserve_percent, min_free_kbytes);
	if (ret)
		goto out_fail;
	ret = zl_pcp_init();
	if (ret)
		goto out_zones_exit;
	ret = zl_rebuild_init();
	if (ret)
		goto out_pcp_exit;

	ret = zl_hotplug_init();
	if (ret)
		goto out_rebuild_exit;
	/* Catch a hotplug event that came between the build and the notifier. */
	ret = zl_rebuild(false);
	if (ret < 0)
		goto out_hotplug_exit;
	ret = zl_stress_init();
	if (ret)
		goto out_hotplug_exit;

	zl_debugfs_init();
	pr_info("loaded: %u possible nodes, generation %llu, %lu pages reserved\n",
		num_node_state(N_POSSIBLE), zl_current_seq(), zl_pool_pages(NULL));
	return 0;

out_hotplug_exit:
	zl_hotplug_exit();
out_rebuild_exit:
	zl_rebuild_exit();
out_pcp_exit:
	zl_pcp_exit();
out_zones_exit:
	zl_zones_exit();
out_fail:
	/* insmod says only the errno; the log says it was zonelab's own. */
	pr_err("init failed: %d\n", ret);
	return ret;
}

static void __exit zl_exit(void)
{
	s64 allocated, freed;

	zl_debugfs_exit();
	/* Started through debugfs; their pages go back before the pool. */
	zl_storm_stop();
	zl_stress_stop();
	/* Their users are gone with debugfs and stress. */
	zl_contexts_exit();
	zl_regions_exit();
	zl_stress_exit();
	zl_oom_exit();
	zl_hotplug_exit();
	zl_rebuild_exit();
	zl_pcp_exit();
	zl_zones_exit();

	zl_generation_counts(&allocated, &freed);
	pr_info("unloaded: generations allocated %lld freed %lld, pages reserved %llu returned %llu, policies live %ld\n",
		allocated, freed, zl_stat_read(ZL_STAT_PAGES_RESERVED),
		zl_stat_read(ZL_STAT_PAGES_RETURNED), zl_policies_live_count());
}

module_init(zl_init);
module_exit(zl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zonelab developers");
MODULE_DESCRIPTION("NUMA zonelists, pcplists, mempolicies and cpusets over the real nodes, in a module");
