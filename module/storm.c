// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab storm: the rebuild storm, a thread that rebuilds the zonelists
 * in a loop on one CPU while allocations walk them, taking one zone out of
 * every other generation so that every rebuild changes the lists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>

#include "zonelab.h"

/*
 * Under zl_storm_lock: the thread, its CPU and the zone it hides; the
 * counters are written by the thread only.
 */
static DEFINE_MUTEX(zl_storm_lock);
static struct task_struct *zl_storm_task;
static unsigned int zl_storm_cpu;
static int zl_storm_slot = -1;
static u64 zl_storm_rebuilds;
static u64 zl_storm_ns;

static int zl_storm_fn(void *data)
{
	bool hide = true;

	while (!kthread_should_stop()) {
		u64 start = ktime_get_ns();

		if (zl_rebuild_hiding(hide ? zl_storm_slot : -1) > 0) {
			/* Pair with READ_ONCE() in zl_storm_counts(). */
			WRITE_ONCE(zl_storm_ns,
				   zl_storm_ns + ktime_get_ns() - start);
			WRITE_ONCE(zl_storm_rebuilds, zl_storm_rebuilds + 1);
		}
		hide = !hide;
		cond_resched();
	}
	return 0;
}

/*
 * The zone the storm hides unless told otherwise: the middle entry of the
 * longest fallback list, so that the entries behind it move.
 */
static int zl_storm_default_slot(void)
{
	const struct zl_generation *gen;
	unsigned int nid, best = 0;
	int slot = -ENOENT;

	rcu_read_lock();
	gen = zl_generation_current();
	for (nid = 0; gen && nid < gen->nr_nodes; nid++) {
		const struct zl_zonelist *zl = &gen->node[nid].fallback;

		if (zl->nr >= 2 && zl->nr > best) {
			best = zl->nr;
			slot = zl_zone_slot_of(zl->refs[zl->nr / 2].zone);
		}
	}
	rcu_read_unlock();
	return slot;
}

/**
 * zl_storm_start() - rebuild the zonelists in a loop on one CPU, taking a
 * zone out of every other rebuild so that every rebuild changes them.
 * @cpu:	the CPU, online.
 * @slot:	the zone to hide (zl_zone_slot_of()), or -1 for the default.
 *
 * Return: 0, -EBUSY if a storm runs, -EINVAL for an offline CPU or a
 * zone zonelab has no pages of, -ENOENT if no list has two zones, or a
 * kthread error.
 */
int zl_storm_start(unsigned int cpu, int slot)
{
	struct task_struct *t;
	int ret = 0;

	if (slot < 0)
		slot = zl_storm_default_slot();
	if (slot < 0)
		return slot;
	if (slot >= ZL_NR_ZONE_SLOTS || !READ_ONCE(zl_zone_slot(slot)->managed))
		return -EINVAL;

	/*
	 * zl_storm_lock before cpu_hotplug_lock: zl_storm_stop() rebuilds
	 * under zl_storm_lock, and a stop_machine rebuild takes the latter.
	 */
	mutex_lock(&zl_storm_lock);
	cpus_read_lock();
	if (zl_storm_task) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	t = kthread_create(zl_storm_fn, NULL, "zl_storm/%u", cpu);
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out_unlock;
	}
	kthread_bind(t, cpu);
	zl_storm_cpu = cpu;
	zl_storm_slot = slot;
	zl_storm_rebuilds = 0;
	zl_storm_ns = 0;
	zl_storm_task = t;
	wake_up_process(t);
out_unlock:
	cpus_read_unlock();
	mutex_unlock(&zl_storm_lock);
	return ret;
}

/* Stop the storm and rebuild with every zone back. */
void zl_storm_stop(void)
{
	mutex_lock(&zl_storm_lock);
	if (zl_storm_task) {
		kthread_stop(zl_storm_task);
		zl_storm_task = NULL;
		zl_rebuild_hiding(-1);
	}
	mutex_unlock(&zl_storm_lock);
}

/* Rebuilds the storm made and the time they took, so far. */
void zl_storm_counts(u64 *rebuilds, u64 *ns)
{
	*rebuilds = READ_ONCE(zl_storm_rebuilds);
	*ns = READ_ONCE(zl_storm_ns);
}

void zl_storm_show(struct seq_file *m)
{
	u64 rebuilds, ns;

	mutex_lock(&zl_storm_lock);
	zl_storm_counts(&rebuilds, &ns);
	seq_printf(m, "running %d\ncpu %u\nhidden %d/%s\nrebuilds %llu\nrebuild_ns_avg %llu\n",
		   zl_storm_task ? 1 : 0, zl_storm_cpu,
		   zl_storm_slot < 0 ? -1 : zl_storm_slot / MAX_NR_ZONES,
		   zl_storm_slot < 0 ? "-" : zl_zone_slot(zl_storm_slot)->name,
		   rebuilds, rebuilds ? div64_u64(ns, rebuilds) : 0);
	mutex_unlock(&zl_storm_lock);
}
