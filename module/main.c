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

static u64 zl_current_seq(void)
{
	u64 seq = 0;

	rcu_read_lock();
	if (zl_generation_get())
		seq = zl_generation_get()->seq;
	rcu_read_unlock();
	return seq;
}

static int __init zl_init(void)
{
	int ret;

	ret = zl_zonelist_init();
	if (ret)
		return ret;

	ret = zl_memory_notifier_register();
	if (ret)
		goto out_zonelist_exit;
	/* Catch a hotplug event that came between the build and the notifier. */
	ret = zl_rebuild(false);
	if (ret < 0)
		goto out_unregister_notifier;

	zl_debugfs_init();
	pr_info("loaded: %u possible nodes, generation %llu\n",
		num_node_state(N_POSSIBLE), zl_current_seq());
	return 0;

out_unregister_notifier:
	zl_memory_notifier_unregister();
out_zonelist_exit:
	zl_zonelist_exit();
	return ret;
}

static void __exit zl_exit(void)
{
	zl_debugfs_exit();
	zl_memory_notifier_unregister();
	zl_zonelist_exit();
}

module_init(zl_init);
module_exit(zl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zonelab developers");
MODULE_DESCRIPTION("NUMA zonelists, pcplists, mempolicies and cpusets over the real nodes, in a module");
