// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's shared policies (issue 5): a region maps page ranges to
 * policies as a shmem object does (shared_policy_replace()); `set` cuts
 * and splits ranges, an allocation with region=<name> offset=<page> uses
 * the policy of each page (interleave by offset, like offset_il_node()),
 * within the allocating context's or task's mems; ranges replaced and
 * regions destroyed while allocations look policies up never free a
 * policy in use (lookups take a reference under the region's lock, the
 * allocation drops it) and never leak one: policies_live comes back, and
 * the module's unload line says `policies live 0`.
 *
 * make check runs this program (with every other) under slub_debug=FZPU
 * on 2node (its topology file appends it), check-all also on
 * 8node-mixed (scripts/variants/slub_debug.var): a policy freed while
 * in use then shows as poison or red-zone damage in the kernel log, which
 * fails the test; slub_debug_is_on checks that the variant really took
 * effect for the policies' cache.  Every test destroys its regions and
 * contexts and waits until policies_live is back where it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"

#define REG	"zlt_region"
#define CTX	"zlt_region"
#define PAGES	256

/* `set` commands in the replacement race; destroy/create rounds in the other. */
#define NR_REPLACE	800
#define NR_ROUNDS	150
#define NR_LOOKERS	3

FIXTURE(region)
{
	struct zl_zoneinfo *zi;
	struct zl_mask memory;
	struct zl_klog_mark mark;
	long long live0;
	int fd;
	int cpu_node;
};

FIXTURE_SETUP(region)
{
	char err[128] = "";

	self->fd = -1;
	zl_klog_mark(&self->mark);
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	ASSERT_EQ(0, zl_pin_cpu(sched_getcpu()));
	self->cpu_node = zl_cpu_node(sched_getcpu());
	ASSERT_EQ(0, zl_pool_at_rest(self->zi, err, sizeof(err))) TH_LOG("%s", err);
	self->live0 = zl_policies_live();
	ASSERT_LE(0, self->live0);
}

FIXTURE_TEARDOWN(region)
{
	struct zl_region r[ZL_MAX_REGIONS];
	char err[256];
	long long last = -1;
	int n, i;

	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->fd >= 0)
		close(self->fd);
	/* Every region and context a test made (all named zlt_*). */
	n = zl_regions_read(r, ZL_MAX_REGIONS, err, sizeof(err));
	EXPECT_LE(0, n) TH_LOG("%s", err);
	for (i = 0; i < n; i++)
		if (!strncmp(r[i].name, "zlt_", 4))
			EXPECT_EQ(0, zl_region_cmd("destroy %s", r[i].name)) TH_LOG("%s", r[i].name);
	if (zl_ctx_exists(CTX))
		EXPECT_EQ(0, zl_ctx_destroy(CTX));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, &last))
		TH_LOG("policies_live %lld, %lld before the test", last, self->live0);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

static void held(struct __test_metadata *_metadata, int fd, struct zl_held *h)
{
	char err[256] = "";

	ASSERT_EQ(0, zl_alloc_state(fd, 4096, h, err, sizeof(err))) TH_LOG("%s", err);
}

/* Region REG from `regions`, into @r; a failed assertion if it is missing. */
static void read_region(struct __test_metadata *_metadata, struct zl_region *r)
{
	static struct zl_region all[ZL_MAX_REGIONS];
	const struct zl_region *found;
	char err[256] = "";
	int n;

	n = zl_regions_read(all, ZL_MAX_REGIONS, err, sizeof(err));
	ASSERT_LE(0, n) TH_LOG("%s", err);
	found = zl_region_find(all, n, REG);
	ASSERT_NE(NULL, found) TH_LOG("no region " REG " in `regions`");
	*r = *found;
}

/* The ranges of @r, as "first-last policy;..." for comparisons. */
static char *ranges_str(const struct zl_region *r, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->nr && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%lu-%lu %s", i ? ";" : "",
				r->range[i].first, r->range[i].last, r->range[i].policy);
	return buf;
}

/* Ranges sorted, disjoint and inside the region. */
static void expect_ranges_sane(struct __test_metadata *_metadata, const struct zl_region *r)
{
	int i;

	for (i = 0; i < r->nr; i++) {
		EXPECT_LT(r->range[i].last, r->pages) TH_LOG("range %d past the end", i);
		if (i)
			EXPECT_LT(r->range[i - 1].last, r->range[i].first)
				TH_LOG("ranges %d and %d overlap or are out of order", i - 1, i);
	}
}

/* `set` cuts and splits ranges like shared_policy_replace(); each policy is counted once. */
TEST_F(region, set_cuts_and_splits_ranges)
{
	char all[256], want[1024], got[1024];
	int a, b;
	struct zl_region r;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	a = zl_mask_nth(&self->memory, 0);
	b = zl_mask_nth(&self->memory, 1);
	zl_list(&self->memory, all);
	ASSERT_EQ(0, zl_region_cmd("create " REG " 100"));
	read_region(_metadata, &r);
	EXPECT_EQ(100UL, r.pages);
	EXPECT_EQ(0, r.nr);

	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-49 interleave:%s", all));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 10-19 bind:%d", b));
	read_region(_metadata, &r);
	snprintf(want, sizeof(want), "0-9 interleave:%s;10-19 bind:%d;20-49 interleave:%s",
		 all, b, all);
	EXPECT_STREQ(want, ranges_str(&r, got, sizeof(got)));
	/* The split shares one interleave policy: two policies. */
	EXPECT_EQ(0, zl_policies_settle(self->live0 + 2, 2000, NULL));

	ASSERT_EQ(0, zl_region_cmd("set " REG " 45-99 prefer:%d", a));
	read_region(_metadata, &r);
	snprintf(want, sizeof(want),
		 "0-9 interleave:%s;10-19 bind:%d;20-44 interleave:%s;45-99 prefer:%d",
		 all, b, all, a);
	EXPECT_STREQ(want, ranges_str(&r, got, sizeof(got)));
	EXPECT_EQ(0, zl_policies_settle(self->live0 + 3, 2000, NULL));

	/* One range over everything: the others and their policies go. */
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-99 bind=static:%d", a));
	read_region(_metadata, &r);
	snprintf(want, sizeof(want), "0-99 bind=static:%d", a);
	EXPECT_STREQ(want, ranges_str(&r, got, sizeof(got)));
	EXPECT_EQ(0, zl_policies_settle(self->live0 + 1, 2000, NULL));

	ASSERT_EQ(0, zl_region_cmd("destroy " REG));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, NULL));
}

/* interleave in a region: page <offset> goes to node (offset mod n) of the policy. */
TEST_F(region, interleave_by_offset)
{
	int n = zl_mask_weight(&self->memory), k, nid;
	char all[256];
	struct zl_held h0, h1;

	if (n < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_list(&self->memory, all);
	ASSERT_EQ(0, zl_region_cmd("create " REG " %d", PAGES));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-%d interleave:%s", PAGES - 1, all));
	self->fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->fd);
	memset(&h0, 0, sizeof(h0));
	/* Offsets out of order: the node follows the offset, not the call. */
	for (k = 2 * n - 1; k >= 0; k--) {
		int want = zl_mask_nth(&self->memory, (k + 3) % n);

		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 1 region=" REG " offset=%d", k + 3));
		held(_metadata, self->fd, &h1);
		EXPECT_EQ(1, h1.node[want] - h0.node[want])
			TH_LOG("offset %d: expected node %d", k + 3, want);
		h0 = h1;
	}
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	/* One command: the i-th page at offset + i. */
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %d region=" REG " offset=5", 3 * n));
	held(_metadata, self->fd, &h1);
	zl_for_each_node(nid, &self->memory)
		EXPECT_EQ(3, h1.node[nid]) TH_LOG("node %d", nid);
}

/* A bind range keeps its pages on its node; pages of other ranges are not bound. */
TEST_F(region, bind_range_and_default_range)
{
	struct zl_held h;
	int b;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	b = zl_mask_nth(&self->memory, zl_mask_weight(&self->memory) - 1);
	if (b == self->cpu_node)
		b = zl_mask_nth(&self->memory, 0);
	ASSERT_EQ(0, zl_region_cmd("create " REG " 20"));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-9 bind:%d", b));
	self->fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 10 region=" REG));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(10, h.node[b]) TH_LOG("bind:%d range", b);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	if (!zl_mask_test(&self->memory, self->cpu_node))
		return;
	/* Pages 10-19 have no policy: the task's default, local allocation. */
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 10 region=" REG " offset=10"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(10, h.node[self->cpu_node]) TH_LOG("default range, CPU on node %d",
						      self->cpu_node);
}

/* A region's policy under a context stays within the context's mems. */
TEST_F(region, shared_policy_within_context_mems)
{
	char two[64];
	struct zl_mask m2;
	struct zl_held h;
	int a;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_mask_first_n(&self->memory, 2, &m2);
	a = zl_mask_nth(&self->memory, 1);
	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%d", a));
	ASSERT_EQ(0, zl_region_cmd("create " REG " 64"));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-63 interleave:%s", zl_list(&m2, two)));
	self->fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 16 ctx=" CTX " region=" REG));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(16, h.node[a]) TH_LOG("interleave:%s in mems %d", two, a);
	EXPECT_EQ(16, h.pages);
}

/* ---- replacement and removal under racing lookups ---- */

struct looker {
	pthread_t thread;
	atomic_bool *stop;
	const char *ctx;	/* allocate under this context, or NULL */
	bool missing_ok;	/* the region may be gone (ENOENT or ENOMEM) */
	int fd;
	unsigned int seed;
	long allocs, missing, fails;
	int err;
};

/* Allocations through region= at random offsets, freed every few commands. */
static void *looker_fn(void *arg)
{
	struct looker *l = arg;
	int i = 0, ret;

	while (!atomic_load(l->stop)) {
		int off = rand_r(&l->seed) % (PAGES - 8);

		if (l->ctx)
			ret = zl_alloc_cmd(l->fd, "alloc 8 ctx=%s region=" REG " offset=%d",
					   l->ctx, off);
		else
			ret = zl_alloc_cmd(l->fd, "alloc 8 region=" REG " offset=%d", off);
		if (!ret) {
			l->allocs += 8;
		} else if (l->missing_ok && (ret == -ENOENT || ret == -ENOMEM)) {
			l->missing++;
		} else {
			l->fails++;
			l->err = ret;
		}
		if (++i % 4 == 0 && zl_alloc_cmd(l->fd, "free all")) {
			l->err = -EIO;
			break;
		}
	}
	return NULL;
}

static void start_lookers(struct __test_metadata *_metadata, struct looker *l,
			  atomic_bool *stop, bool missing_ok)
{
	int i;

	memset(l, 0, NR_LOOKERS * sizeof(*l));
	for (i = 0; i < NR_LOOKERS; i++) {
		l[i].stop = stop;
		l[i].seed = 12345 + i;
		l[i].missing_ok = missing_ok;
		/* One of them under a context, whose mems then apply too. */
		l[i].ctx = i == NR_LOOKERS - 1 && zl_ctx_exists(CTX) ? CTX : NULL;
		l[i].fd = zl_alloc_open_exempt();
		ASSERT_LE(0, l[i].fd);
		ASSERT_EQ(0, pthread_create(&l[i].thread, NULL, looker_fn, &l[i]));
	}
}

static long stop_lookers(struct __test_metadata *_metadata, struct looker *l,
			 atomic_bool *stop)
{
	long allocs = 0;
	int i;

	atomic_store(stop, true);
	for (i = 0; i < NR_LOOKERS; i++) {
		pthread_join(l[i].thread, NULL);
		close(l[i].fd);
		EXPECT_EQ(0, l[i].fails) TH_LOG("looker %d: %ld failed allocations, last %s",
						 i, l[i].fails, strerror(-l[i].err));
		EXPECT_EQ(0, l[i].err);
		allocs += l[i].allocs;
	}
	return allocs;
}

/*
 * Threads allocate through region= while another replaces ranges with new
 * policies thousands of times: every command succeeds, the map stays
 * sane, no page breaks its policy, and once the region is gone no policy
 * is left (policies_live back to where it was); under slub_debug a policy
 * freed in use would show in the kernel log.
 */
TEST_F_TIMEOUT(region, replace_under_racing_lookups, 120)
{
	long long viol0 = zl_stat_get("policy_violations");
	char all[256], a_s[16], b_s[16], two[64];
	struct looker l[NR_LOOKERS];
	atomic_bool stop = false;
	unsigned int seed = 1;
	struct zl_mask m2;
	struct zl_region r;
	long allocs;
	int i, ok = 0;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_list(&self->memory, all);
	zl_mask_first_n(&self->memory, 2, &m2);
	zl_list(&m2, two);
	snprintf(a_s, sizeof(a_s), "%d", zl_mask_nth(&self->memory, 0));
	snprintf(b_s, sizeof(b_s), "%d", zl_mask_nth(&self->memory, 1));
	static const char * const fmt[] = {
		"bind:%s", "interleave:%s", "prefer:%s", "default", "local",
		"prefer (many):%s", "weighted_interleave:%s", "interleave=static:%s",
		"bind=relative:%s",
	};
	const char *arg[] = { a_s, all, b_s, "", "", two, two, two, "0" };

	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	ASSERT_EQ(0, zl_region_cmd("create " REG " %d", PAGES));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-%d interleave:%s", PAGES - 1, all));
	start_lookers(_metadata, l, &stop, false);
	for (i = 0; i < NR_REPLACE; i++) {
		int first = rand_r(&seed) % PAGES;
		int last = first + rand_r(&seed) % (PAGES - first);
		size_t p = rand_r(&seed) % ARRAY_SIZE(fmt);
		char pol[300];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(pol, sizeof(pol), fmt[p], arg[p]);
#pragma GCC diagnostic pop
		if (!zl_region_cmd("set " REG " %d-%d %s", first, last, pol))
			ok++;
		/* And now and then the context's mems. */
		if (i % 50 == 0)
			EXPECT_EQ(0, zl_ctx_write(CTX, "mems", "%s", i % 100 ? a_s : all));
	}
	allocs = stop_lookers(_metadata, l, &stop);
	EXPECT_EQ(NR_REPLACE, ok);
	read_region(_metadata, &r);
	expect_ranges_sane(_metadata, &r);
	TH_LOG("%d replacements, %ld pages allocated through lookups; %d ranges at the end",
	       ok, allocs, r.nr);
	EXPECT_LT(0, allocs);
	EXPECT_EQ(viol0, zl_stat_get("policy_violations"));
	ASSERT_EQ(0, zl_region_cmd("destroy " REG));
	ASSERT_EQ(0, zl_ctx_destroy(CTX));
	/* The teardown waits for policies_live to come back. */
}

/* Regions destroyed and made again under racing lookups: no policy freed in use, none left. */
TEST_F_TIMEOUT(region, destroy_under_racing_lookups, 120)
{
	struct looker l[NR_LOOKERS];
	atomic_bool stop = false;
	char all[256];
	long allocs, missing = 0;
	int i;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_list(&self->memory, all);
	ASSERT_EQ(0, zl_region_cmd("create " REG " %d", PAGES));
	start_lookers(_metadata, l, &stop, true);
	for (i = 0; i < NR_ROUNDS; i++) {
		EXPECT_EQ(0, zl_region_cmd("set " REG " 0-%d interleave:%s", PAGES / 2, all));
		EXPECT_EQ(0, zl_region_cmd("set " REG " %d-%d bind:%d", PAGES / 4, PAGES - 1,
					   zl_mask_nth(&self->memory, i % 2)));
		EXPECT_EQ(0, zl_region_cmd("destroy " REG));
		EXPECT_EQ(0, zl_region_cmd("create " REG " %d", PAGES));
	}
	allocs = stop_lookers(_metadata, l, &stop);
	for (i = 0; i < NR_LOOKERS; i++)
		missing += l[i].missing;
	TH_LOG("%d destroy/create rounds: %ld pages allocated, %ld commands found no region",
	       NR_ROUNDS, allocs, missing);
	EXPECT_LT(0, allocs);
}

/* ---- slub_debug, unload ---- */

/*
 * Under scripts/variants/slub_debug.var (slub_debug=FZPU) the cache of
 * the policies (kmalloc-512 on x86_64: three 1024-bit nodemasks) has
 * sanity checks, red zones, poisoning and owner tracking on.
 */
TEST_F(region, slub_debug_is_on)
{
	static const char * const flags[] = { "sanity_checks", "red_zone", "poison", "store_user" };
	char *cmdline = zl_read_file("/proc/cmdline", NULL), path[256];
	size_t i;
	long v;

	ASSERT_NE(NULL, cmdline);
	if (!strstr(cmdline, "slub_debug=FZPU")) {
		free(cmdline);
		SKIP(return, "not booted with slub_debug=FZPU (2node, the slub_debug variant)");
	}
	free(cmdline);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/kmalloc-512/%s", flags[i]);
		ASSERT_EQ(0, zl_read_long(path, &v)) TH_LOG("%s", path);
		EXPECT_EQ(1, v) TH_LOG("%s", path);
	}
}

/* Unloading with regions and contexts still holding policies: `policies live 0`. */
TEST_F(region, unload_leaves_no_policy)
{
	long alloc, freed, reserved, returned, policies = -1;
	struct zl_klog_mark mark;
	char all[256], *log;

	if (!zl_ko_path())
		SKIP(return, "no zonelab.ko to load the module again");
	zl_list(&self->memory, all);
	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	ASSERT_EQ(0, zl_ctx_write(CTX, "policy", "interleave:%s", all));
	ASSERT_EQ(0, zl_region_cmd("create " REG " 10"));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 0-9 interleave:%s", all));
	ASSERT_EQ(0, zl_region_cmd("set " REG " 3-5 local"));
	EXPECT_LE(self->live0 + 4, zl_policies_live());

	zl_klog_mark(&mark);
	ASSERT_EQ(0, zl_module_unload());
	ASSERT_EQ(0, zl_module_load());
	log = zl_klog_since(&mark, NULL);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_unloaded_all(log, &alloc, &freed, &reserved, &returned,
					       &policies))
		TH_LOG("no 'zonelab: unloaded: ..., policies live P' line");
	free(log);
	EXPECT_EQ(0, policies) TH_LOG("%ld policies alive at unload", policies);
	EXPECT_EQ(reserved, returned);
	/* A fresh module: nothing of before. */
	self->live0 = 0;
	EXPECT_EQ(0, zl_policies_live());
	EXPECT_FALSE(zl_ctx_exists(CTX));
}

/* At most 64 regions: the 65th is ENOSPC and changes nothing. */
TEST_F(region, at_most_64_regions)
{
	struct zl_region r[ZL_MAX_REGIONS];
	char err[256], *before, *after;
	int i, n, made = 0;

	n = zl_regions_read(r, ZL_MAX_REGIONS, err, sizeof(err));
	ASSERT_LE(0, n) TH_LOG("%s", err);
	for (i = 0; n + made < ZL_MAX_REGIONS; i++) {
		if (zl_region_cmd("create zlt_many_%d 1", i))
			break;
		made++;
	}
	EXPECT_EQ(ZL_MAX_REGIONS, n + made);
	before = zl_read_file(ZL_REGIONS, NULL);
	ASSERT_NE(NULL, before);
	EXPECT_EQ(-ENOSPC, zl_region_cmd("create zlt_one_too_many 1"));
	after = zl_read_file(ZL_REGIONS, NULL);
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
	/* The teardown destroys them. */
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_REGIONS) || !zl_path_exists(ZL_CONTEXTS))
		ksft_exit_skip("this zonelab has no regions/contexts files\n");
	zl_prereq_every_node();
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
