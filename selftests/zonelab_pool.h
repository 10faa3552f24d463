/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the zonelab selftests that look at the page pool (issue 3):
 * the `alloc`, `stress`, `pcp` and `buddyinfo` files, the watermark and
 * pcp formulas of zone.c computed in user space, CPU pinning and hotplug,
 * the kernel's own free memory per node, and the pages in the module's
 * load and unload messages.  zonelab_pool.c; tests include this header,
 * which includes zonelab_util.h.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values and, where useful, an @err message.
 */
#ifndef ZONELAB_POOL_H
#define ZONELAB_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "zonelab_util.h"

#define ZL_SYSCPU		"/sys/devices/system/cpu"
/* Highest buddy order + 1 of Debian's x86_64 kernels (MAX_ORDER 11). */
#define ZL_POOL_MAX_ORDERS	16

/* ---- the `alloc` file ---- */
/* What an alloc file holds: "pages <n>" and "node <nid> <pages>" lines. */
struct zl_held {
	long pages;
	struct zl_mask nodes;		/* nodes with a line */
	long node[ZL_MAX_NODES];
};

/*
 * Parse an alloc file's text strictly: "pages <n>\n" first, then one
 * "node <nid> <pages>\n" per node in ascending order, whose pages add up
 * to <n>.  0 or -EINVAL with @err set.
 */
int zl_held_parse(struct zl_held *h, const char *text, char *err, size_t errlen);
/* open(ZL_ALLOC, O_RDWR): an fd, or -errno. */
int zl_alloc_open(void);
int zl_alloc_open_exempt(void);
/* One write(2) of the formatted command on @fd: 0 or -errno. */
__printf(2, 3) int zl_alloc_cmd(int fd, const char *fmt, ...);
/* Read @fd until EOF in @chunk-byte reads and parse it: 0 or -errno. */
int zl_alloc_state(int fd, size_t chunk, struct zl_held *h, char *err, size_t errlen);

/* ---- the `stress` file ---- */
struct zl_stress {
	long running, threads, order_max, hold, ops, fails;
	long node;
};

/* The value of one "<key> <n>" line of `stress`, or -1. */
long zl_stress_value(const char *key);
/* Read and parse `stress` strictly: 0 or -errno. */
int zl_stress_read(struct zl_stress *s);
/*
 * How long stress workers get to show what a test waits for (ops, fails).
 * A guest of a KASAN or KCSAN kernel under TCG runs them many times slower
 * than one of a Debian kernel, so tests poll to this deadline instead of
 * sleeping a fixed time, and their TEST_F_TIMEOUT is above it.
 */
#define ZL_STRESS_DEADLINE_MS	60000
#define ZL_STRESS_TEST_TIMEOUT_S	(ZL_STRESS_DEADLINE_MS / 1000 * 2)
/*
 * Read `stress` into @st until the counter at @field (offsetof(struct
 * zl_stress, ops) or fails) exceeds @above, or @timeout_ms have passed.
 * 0, -ETIMEDOUT, or a read's -errno; @st holds the last read.
 */
int zl_stress_wait_above(struct zl_stress *st, size_t field, long above, long timeout_ms);

/* ---- zoneinfo helpers ---- */
/*
 * `drain all`, then read zoneinfo into @zi: with nothing held, every zone
 * must then be wholly free.  0 or -errno.
 */
int zl_zoneinfo_drained(struct zl_zoneinfo *zi);
/*
 * pcplists of @nid's zones in @zi (-1: every node's) on or off, so that
 * every allocation walks: 0 or the last failure's -errno.
 */
int zl_pcp_switch(const struct zl_zoneinfo *zi, int nid, bool on);
/*
 * The pool at rest, as tests that count pages need it: stress stopped,
 * pcplists drained and every zone wholly free; @zi holds the zoneinfo.
 * 0, -EBUSY (@err says what holds pages) or a read's -errno.
 */
int zl_pool_at_rest(struct zl_zoneinfo *zi, char *err, size_t errlen);
/* A heap copy of zonelab's zoneinfo, NULL on any error (logged). */
struct zl_zoneinfo *zl_zoneinfo_get(void);
/* Sum of `pages free` over every zone of node @nid in @zi. */
long zl_zi_node_free(const struct zl_zoneinfo *zi, int nid);
/* Sum of `pages free` plus pcp counts over every zone of @nid. */
long zl_zi_node_unheld(const struct zl_zoneinfo *zi, int nid);
/* Sum of `managed` over every zone of @nid, or of every zone (@nid < 0). */
long zl_zi_managed(const struct zl_zoneinfo *zi, int nid);
/*
 * After zl_prereq(): exit with a skip when a node of N_MEMORY has no
 * zonelab page (its free memory at load was short of a block after
 * reserve_percent), for programs whose policies span every memory node.
 */
void zl_prereq_every_node(void);
/* Count of @cpu in zone @z, or -1 when the CPU is not listed. */
long zl_zi_pcp_count(const struct zl_zi_zone *z, int cpu);
/* The running kernel's zone index of a zone name (zl_kernel_zone_idx()) or -1. */
int zl_zone_index(const char *name);

/*
 * Expected watermarks, protection (one entry per zone type of the running
 * kernel, zl_kernel_zones()) and pcp limits of every zone of @zi,
 * by zone.c's formulas over the pool (sum of `managed`).  @mfk_param is
 * the module's min_free_kbytes parameter (0: derived); @nr_split[nid] the
 * number of CPUs of each node at load (0: all online CPUs, @nr_online).
 */
struct zl_zone_limits {
	long min, low, high;
	long protection[ZL_ZI_MAX_PROT];
	int nr_prot;
	long pcp_batch, pcp_high;
};

void zl_model_limits(const struct zl_zoneinfo *zi, unsigned long mfk_param,
		     const int nr_split[ZL_MAX_NODES], int nr_online,
		     struct zl_zone_limits *out);
/* The kernel's int_sqrt(): floor(sqrt(x)). */
unsigned long zl_int_sqrt(unsigned long x);

/* ---- buddyinfo ---- */
struct zl_buddy_zone {
	int nid;
	char name[ZL_ZONE_NAME];
	int nr_orders;
	long nr_free[ZL_POOL_MAX_ORDERS];
};

struct zl_buddy {
	int nr;
	struct zl_buddy_zone zone[ZL_ZI_MAX_ZONES];
};

/* Parse "Node %d, zone %8s " + "%6lu " per order + "\n" lines; 0 or -EINVAL. */
int zl_buddy_parse(struct zl_buddy *b, const char *text, char *err, size_t errlen);
/* Pages free in a buddyinfo zone: sum of nr_free[o] << o. */
long zl_buddy_pages(const struct zl_buddy_zone *z);

/* ---- module parameters ---- */
/* /sys/module/zonelab/parameters/@name as a number, or -1. */
long zl_param(const char *name);
/*
 * Whether reserve_percent explains that node @nid, which has memory, got
 * no zonelab pages at load: zl_zones_init()'s cap, min(pages_per_node,
 * reserve_percent of the node's free memory), is below two blocks of
 * 2^block_order pages now (below one at load, with one block of slack for
 * the memory that came and went since).  *@now (may be NULL) gets the cap
 * in pages, -1 when a parameter or the node's meminfo is unreadable.
 */
bool zl_node_capped_out(int nid, long *now);

/* ---- nodes and CPUs ---- */
/* /sys/devices/system/node/@state ("has_memory", "online") into @m: 0 or -errno. */
int zl_node_state(const char *state, struct zl_mask *m);
/* The online CPUs into @m; their number or -errno. */
int zl_online_cpus(struct zl_mask *m);
/* The number of CPUs in /sys/devices/system/node/node@nid/cpulist, or -errno. */
int zl_node_nr_cpus(int nid);
/* The node of @cpu (its nodeN link), or -1. */
int zl_cpu_node(int cpu);
/* Bind the calling thread to @cpu: 0 or -errno. */
int zl_pin_cpu(int cpu);
/* Bind the calling thread to every online CPU but @cpu: 0 or -errno. */
int zl_pin_away_from(int cpu);
/* Whether @cpu has an `online` file (can be hot-unplugged). */
bool zl_cpu_hotpluggable(int cpu);
/* Write 0/1 to cpu@cpu/online: 0 or -errno. */
int zl_cpu_set_online(int cpu, bool online);
/*
 * Every CPU but cpu0 offline, or back online.  Switching a tracepoint's
 * static key live-patches code with int3; under QEMU TCG a CPU running
 * that code while it is patched can take the int3 as an Oops (seen once
 * on 6.12-rt, in ttwu_do_activate).  With one CPU online nothing runs
 * patched code.
 */
void zl_other_cpus_set_online(bool online);

/* ---- the kernel's free memory ---- */
/* Fold the per-CPU vmstat diffs (/proc/sys/vm/stat_refresh); best effort. */
void zl_vm_stat_refresh(void);
/*
 * Free memory of node @nid in kB as the kernel counts it, plus the pages
 * in its own pcplists: `pages free` + every `count:` of the node's zones
 * in /proc/zoneinfo (what MemFree would be with every pcplist drained).
 * -1 on error.
 */
long zl_node_free_kb(int nid);
/* MemFree of node@nid/meminfo in kB, or -1. */
long zl_node_memfree_kb(int nid);

/* ---- kernel log ---- */

#endif /* ZONELAB_POOL_H */
