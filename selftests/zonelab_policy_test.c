// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's mempolicies (issue 5), through a context: the kernel's policy
 * strings read back as written and malformed ones are rejected; where
 * pages land under bind, interleave, prefer, prefer_many and weighted
 * interleave; and how a policy is rebound when the context's mems change,
 * with the examples of the kernel's
 * Documentation/admin-guide/mm/numa_memory_policy.rst (6.1) for the
 * default remap, MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES.
 *
 * The expectations here are the document's and zonelab's own format: the
 * kernel itself is asked for the same things by zonelab_mpol_kernel_test
 * (strings through tmpfs, rebinds through a task in a cpuset) and
 * zonelab_place_test (where pages go).
 *
 * Pages are allocated through an `alloc` file bound to the test's context
 * (`alloc <n> ctx=<name>`) and counted per node from the file's node
 * lines.  Every test pins itself to one CPU, starts from a quiescent pool
 * (nothing held, pcplists drained) and a fresh context, and at the end
 * destroys the context and waits until policies_live is back where it
 * was.  With the default pool every pcp batch is 1, so the watermark
 * arithmetic is exact; tests that need it skip otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
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

#define CTX	"zlt_policy"

/* Every zone's pcp batch is 1 (set by main()): landing spots are exact. */
static bool batch_one;

#define NOT_EXACT	"a pcp batch above 1: landing spots are not exact"

FIXTURE(policy)
{
	struct zl_zoneinfo *zi;
	struct zl_mask memory, online;
	struct zl_klog_mark mark;
	long long live0;	/* policies_live before the context */
	bool created;
	int fd;			/* alloc file bound to CTX, or -1 */
	int cpu, cpu_node;
};

FIXTURE_SETUP(policy)
{
	char err[128] = "";

	self->fd = -1;
	zl_klog_mark(&self->mark);
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	ASSERT_EQ(0, zl_node_state("online", &self->online));
	self->cpu = sched_getcpu();
	ASSERT_EQ(0, zl_pin_cpu(self->cpu));
	self->cpu_node = zl_cpu_node(self->cpu);
	ASSERT_EQ(0, zl_pool_at_rest(self->zi, err, sizeof(err))) TH_LOG("%s", err);
	self->live0 = zl_policies_live();
	ASSERT_LE(0, self->live0);
	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	self->created = true;
}

FIXTURE_TEARDOWN(policy)
{
	long long last = -1;

	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->fd >= 0)
		close(self->fd);
	if (self->created)
		EXPECT_EQ(0, zl_ctx_destroy(CTX));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, &last))
		TH_LOG("policies_live %lld, %lld before the test", last, self->live0);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* ---- helpers ---- */

/* Write a policy string to the context: 0 or -errno. */
__printf(1, 2) static int set_policy(const char *fmt, ...)
{
	char buf[ZL_POLICY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return zl_ctx_write(CTX, "policy", "%s", buf);
}

static void expect_policy(struct __test_metadata *_metadata, const char *want,
			  const char *after)
{
	char got[ZL_POLICY_MAX] = "";

	ASSERT_EQ(0, zl_ctx_policy(CTX, got, sizeof(got)));
	EXPECT_STREQ(want, got) TH_LOG("policy after %s", after);
}

/* `alloc <count> ctx=CTX` on the test's file (opened on first use): 0 or -errno. */
static int ctx_alloc(FIXTURE_DATA(policy) *self, long count)
{
	if (self->fd < 0)
		self->fd = zl_alloc_open_exempt();
	if (self->fd < 0)
		return self->fd;
	return zl_alloc_cmd(self->fd, "alloc %ld ctx=" CTX, count);
}

static void held(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self,
		 struct zl_held *h)
{
	char err[256] = "";

	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zl_alloc_state(self->fd, 4096, h, err, sizeof(err))) TH_LOG("%s", err);
}

/* Free what the file holds and drain: back to a quiescent pool. */
static void release(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self)
{
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
}

/* The node of the one page allocated next (alloc 1), or a failed assertion. */
static int alloc_one_node(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self)
{
	struct zl_held a, b;
	int nid, found = -1;

	if (self->fd >= 0)
		held(_metadata, self, &a);
	else
		memset(&a, 0, sizeof(a));
	EXPECT_EQ(0, ctx_alloc(self, 1));
	held(_metadata, self, &b);
	zl_for_each_node(nid, &b.nodes)
		if (b.node[nid] == a.node[nid] + 1)
			found = nid;
	EXPECT_LE(0, found) TH_LOG("no node gained the page");
	return found;
}

/* Sum over node @nid's zones of free - (low or min): what it gives at that mark. */
static long node_above(const struct zl_zoneinfo *zi, int nid, bool to_min)
{
	long sum = 0;
	int i;

	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == nid && zi->zone[i].managed)
			sum += zi->zone[i].free - (to_min ? zi->zone[i].min : zi->zone[i].low);
	return sum;
}

/* Nodes with memory where zonelab holds exactly one zone (no lowmem protection). */
static void one_zone_nodes(const FIXTURE_DATA(policy) *self, struct zl_mask *out)
{
	int nid, i, n;

	zl_mask_clear(out);
	zl_for_each_node(nid, &self->memory) {
		for (i = 0, n = 0; i < self->zi->nr; i++)
			n += self->zi->zone[i].nid == nid && self->zi->zone[i].managed > 0;
		if (n == 1)
			zl_mask_set(out, nid);
	}
}

/* The last node of @m that is not the CPU's node (or the last one), or -1. */
static int pick_remote(const FIXTURE_DATA(policy) *self, const struct zl_mask *m)
{
	int nid, pick = -1, any = -1;

	zl_for_each_node(nid, m) {
		any = nid;
		if (nid != self->cpu_node)
			pick = nid;
	}
	return pick >= 0 ? pick : any;
}

/* The held pages: @want on nodes of @in, none elsewhere. */
static void expect_only_on(struct __test_metadata *_metadata, const struct zl_held *h,
			   const struct zl_mask *in, const char *what)
{
	char list[256];
	long inside = 0;
	int nid;

	zl_for_each_node(nid, &h->nodes) {
		if (zl_mask_test(in, nid))
			inside += h->node[nid];
		else
			EXPECT_EQ(0, h->node[nid])
				TH_LOG("%s: %ld pages on node %d, outside %s", what,
				       h->node[nid], nid, zl_list(in, list));
	}
	EXPECT_EQ(h->pages, inside);
}

/* ---- policy strings ---- */

/* Each policy string reads back in the kernel's format, and writing that back changes nothing. */
TEST_F(policy, strings_round_trip)
{
	char all[256], ab[256], a_s[16], b_s[16];
	struct zl_mask m, two;
	bool positions;
	int a, b;
	size_t i;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	a = zl_mask_nth(&self->memory, 0);
	b = zl_mask_nth(&self->memory, 1);
	ASSERT_EQ(0, zl_ctx_mems(CTX, &m));
	ASSERT_TRUE(zl_mask_equal(&m, &self->memory)) TH_LOG("a new context's mems are not N_MEMORY");
	zl_list(&self->memory, all);
	zl_mask_first_n(&self->memory, 2, &two);
	zl_list(&two, ab);
	snprintf(a_s, sizeof(a_s), "%d", a);
	snprintf(b_s, sizeof(b_s), "%d", b);
	/*
	 * Relative nodes are positions in the mems (here every node with
	 * memory), and must be nodes with memory themselves: a relative case
	 * reads as given only where the memory nodes are 0..n-1, and is left
	 * out elsewhere (zonelab_mpol_kernel_test holds relative policies
	 * against a real task's).  @as: the mode as it reads back, when not
	 * @mode.  zonelab_mpol_kernel_test also holds random strings against
	 * tmpfs's mpol=; these are the cases named one by one.
	 */
	positions = zl_mask_nth(&self->memory, zl_mask_weight(&self->memory) - 1) ==
		    zl_mask_weight(&self->memory) - 1;
	const struct { const char *mode, *in, *out, *as; } cases[] = {
		{ "default", "", "", NULL }, { "local", "", "", NULL },
		{ "prefer", "", "", "local" }, { "default=static", "", "", "default" },
		{ "prefer", b_s, b_s, NULL }, { "prefer=static", b_s, b_s, NULL },
		{ "prefer=relative", a_s, a_s, NULL },
		{ "bind", ab, ab, NULL }, { "bind=static", b_s, b_s, NULL },
		{ "bind=relative", b_s, b_s, NULL },
		{ "interleave", NULL, all, NULL }, { "interleave", ab, ab, NULL },
		{ "interleave=static", NULL, all, NULL },
		{ "interleave=static", ab, ab, NULL }, { "interleave=relative", ab, ab, NULL },
		{ "prefer (many)", ab, ab, NULL }, { "prefer (many)=static", b_s, b_s, NULL },
		{ "prefer_many", ab, ab, "prefer (many)" },
		{ "weighted interleave", ab, ab, NULL }, { "weighted interleave", NULL, all, NULL },
		{ "weighted_interleave=relative", ab, ab, "weighted interleave=relative" },
	};

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char in[ZL_POLICY_MAX], want[ZL_POLICY_MAX], got[ZL_POLICY_MAX];
		bool nodes = cases[i].out && *cases[i].out;

		if (strstr(cases[i].mode, "=relative") && !positions)
			continue;
		if (cases[i].in && *cases[i].in)
			snprintf(in, sizeof(in), "%s:%s", cases[i].mode, cases[i].in);
		else
			snprintf(in, sizeof(in), "%s", cases[i].mode);
		snprintf(want, sizeof(want), "%s%s%s", cases[i].as ?: cases[i].mode,
			 nodes ? ":" : "", nodes ? cases[i].out : "");
		/* With the newline echo adds, and without. */
		EXPECT_EQ(0, set_policy(i % 2 ? "%s\n" : "%s", in)) TH_LOG("'%s'", in);
		expect_policy(_metadata, want, in);
		/*
		 * mpol_to_str() prints a relative policy's effective nodes;
		 * read as positions again they name other nodes unless the
		 * mems are 0..n-1, so the kernel's format does not round-trip
		 * them either.
		 */
		if (strstr(cases[i].mode, "=relative"))
			continue;
		ASSERT_EQ(0, zl_ctx_policy(CTX, got, sizeof(got)));
		EXPECT_EQ(0, set_policy("%s", got)) TH_LOG("writing back '%s'", got);
		expect_policy(_metadata, want, "writing it back");
	}
}

/*
 * Malformed strings, empty, unknown or offline nodelists, nodes without
 * memory: EINVAL, the policy unchanged (mpol_parse_str()'s refusals,
 * which zonelab_mpol_kernel_test holds against tmpfs's at random).
 */
TEST_F(policy, strings_rejected)
{
	char want[64], offline[16], memless[16] = "", b2[64], a_s[16], aa[40];
	struct zl_mask two;
	int a, nid, off = -1;
	size_t i;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	a = zl_mask_nth(&self->memory, 0);
	zl_mask_first_n(&self->memory, 2, &two);
	zl_list(&two, b2);
	snprintf(a_s, sizeof(a_s), "%d", a);
	/* One node, but prefer takes digits only (mpol_parse_str()). */
	snprintf(aa, sizeof(aa), "%d-%d", a, a);
	for (nid = 0; nid < 1024 && off < 0; nid++)
		if (!zl_mask_test(&self->online, nid))
			off = nid;
	snprintf(offline, sizeof(offline), "%d", off);
	zl_for_each_node(nid, &self->online)
		if (!zl_mask_test(&self->memory, nid) && !*memless)
			snprintf(memless, sizeof(memless), "%d", nid);
	snprintf(want, sizeof(want), "bind:%d", a);
	ASSERT_EQ(0, set_policy("%s", want));
	const struct { const char *fmt, *arg; } bad[] = {
		{ "", "" }, { "\n", "" }, { "bogus", "" }, { "Bind:%s", a_s },
		{ "BIND:%s", a_s }, { "bind", "" }, { "bind:", "" }, { "bind:x", "" },
		{ "bind:%s-", a_s }, { "bind:%s", offline }, { "bind:1024", "" },
		{ "bind:-1", "" }, { "prefer:%s", b2 }, { "prefer=static", "" },
		{ "prefer=relative", "" }, { "prefer:%s", aa }, { "prefer:", "" },
		{ "prefer_many", "" }, { "prefer (many)", "" }, { "prefer (many):", "" },
		{ "interleave:", "" }, { "default:%s", a_s }, { "local:%s", a_s },
		{ "default:", "" }, { "local=relative", "" }, { "local=static", "" },
		{ "bind=static", "" }, { "bind=Static:%s", a_s },
		{ "bind=sticky:%s", a_s }, { "bind=:%s", a_s },
		{ "bind=static=relative:%s", a_s }, { "bind=static,relative:%s", a_s },
		{ " bind:%s", a_s }, { "bind :%s", a_s },
		{ "prefer%s", a_s },
		{ "interleave:0000000000000000000000000000000000000000000000000000000%s", a_s },
	};

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char s[128];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(s, sizeof(s), bad[i].fmt, bad[i].arg);
#pragma GCC diagnostic pop
		EXPECT_EQ(-EINVAL, zl_ctx_write(CTX, "policy", "%s", s))
			TH_LOG("'%s' accepted or not EINVAL", s);
		expect_policy(_metadata, want, s);
	}
	/* An online node without memory, even beside one with it. */
	if (*memless) {
		EXPECT_EQ(-EINVAL, set_policy("bind:%s", memless));
		EXPECT_EQ(-EINVAL, set_policy("prefer:%s", memless));
		EXPECT_EQ(-EINVAL, set_policy("interleave:%s,%s", a_s, memless));
		EXPECT_EQ(-EINVAL, zl_ctx_write(CTX, "mems", "%s,%s", a_s, memless));
		expect_policy(_metadata, want, "a memoryless node");
	}
}

/* No node left within mems (static or plain): EINVAL; relative nodes always map. */
TEST_F(policy, no_node_within_mems_rejected)
{
	static const char * const modes[] = {
		"bind", "bind=static", "prefer", "prefer=static", "interleave",
		"interleave=static", "prefer_many", "weighted_interleave",
	};
	char want[64];
	int a, b;
	size_t i;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	a = zl_mask_nth(&self->memory, 0);
	b = zl_mask_nth(&self->memory, 1);
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%d", a));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		EXPECT_EQ(-EINVAL, set_policy("%s:%d", modes[i], b))
			TH_LOG("'%s:%d' with mems %d", modes[i], b, a);
		expect_policy(_metadata, "default", modes[i]);
	}
	/* Node b relative to mems {a} folds onto a. */
	EXPECT_EQ(0, set_policy("bind=relative:%d", b));
	snprintf(want, sizeof(want), "bind=relative:%d", a);
	expect_policy(_metadata, want, "bind=relative:<b> in a one-node mems");
}

/* ---- where pages land ---- */

/* bind: allocations never leave the bound nodes, not even at exhaustion (ENOMEM). */
TEST_F(policy, bind_never_leaves_its_nodes)
{
	struct zl_mask sets[2];
	long pool = zl_zi_managed(self->zi, -1);
	int nsets = 1, s, nid;

	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_mask_clear(&sets[0]);
	zl_mask_set(&sets[0], pick_remote(self, &self->memory));
	if (zl_mask_weight(&self->memory) >= 3) {
		/* Two nodes, and one with memory left out. */
		zl_mask_clear(&sets[1]);
		zl_mask_set(&sets[1], zl_mask_nth(&self->memory, 1));
		zl_mask_set(&sets[1], zl_mask_nth(&self->memory, 2));
		nsets = 2;
	}
	for (s = 0; s < nsets; s++) {
		struct zl_ctx_stats st0, st1;
		struct zl_ctx_numa numa;
		char list[256], err[256] = "";
		struct zl_held h;
		long avail = 0;

		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		zl_for_each_node(nid, &sets[s])
			avail += node_above(self->zi, nid, true);
		ASSERT_EQ(0, set_policy("bind:%s", zl_list(&sets[s], list)));
		ASSERT_EQ(0, zl_ctx_stats(CTX, &st0, err, sizeof(err))) TH_LOG("%s", err);
		/* The whole pool: more than the bound nodes have. */
		EXPECT_EQ(-ENOMEM, ctx_alloc(self, pool));
		held(_metadata, self, &h);
		expect_only_on(_metadata, &h, &sets[s], "bind");
		if (batch_one)
			EXPECT_EQ(avail, h.pages)
				TH_LOG("bind:%s gave %ld pages, its nodes had %ld above min",
				       list, h.pages, avail);
		EXPECT_LT(0, h.pages);
		ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
		zl_for_each_node(nid, &self->memory)
			EXPECT_EQ(h.node[nid], numa.node[nid]) TH_LOG("numa, node %d", nid);
		ASSERT_EQ(0, zl_ctx_stats(CTX, &st1, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_EQ(st0.allocs + h.pages, st1.allocs);
		EXPECT_EQ(st0.fails + 1, st1.fails);
		release(_metadata, self);
	}
}

/* interleave: consecutive pages go round-robin over the nodes; counts within one page. */
TEST_F(policy, interleave_round_robin)
{
	int n = zl_mask_weight(&self->memory), prev = -1, i, nid, min = -1, max = 0;
	char list[256];
	struct zl_held h;
	long k;

	if (n < 2)
		SKIP(return, "fewer than two nodes with memory");
	ASSERT_EQ(0, set_policy("interleave:%s", zl_list(&self->memory, list)));
	/* One page at a time: each on the node after the previous one. */
	for (i = 0; i < 2 * n; i++) {
		int got = alloc_one_node(_metadata, self);

		if (prev >= 0) {
			int want = zl_mask_next(&self->memory, prev, ZL_MAX_NODES);

			if (want >= ZL_MAX_NODES)
				want = zl_mask_nth(&self->memory, 0);
			EXPECT_EQ(want, got) TH_LOG("page %d: after node %d", i, prev);
		}
		prev = got;
	}
	release(_metadata, self);
	/* Many in one command: every node within one page of the others. */
	k = 7L * n + n - 1;
	ASSERT_EQ(0, ctx_alloc(self, k));
	held(_metadata, self, &h);
	EXPECT_EQ(k, h.pages);
	zl_for_each_node(nid, &self->memory) {
		if (min < 0 || h.node[nid] < min)
			min = h.node[nid];
		if (h.node[nid] > max)
			max = h.node[nid];
	}
	EXPECT_GE(1, max - min) TH_LOG("%ld pages over %d nodes: %d to %d per node", k, n,
				       min, max);
	EXPECT_EQ(k / n, min);
	release(_metadata, self);
}

/* prefer: every page on the preferred node until it is at its low mark, then elsewhere. */
TEST_F(policy, prefer_falls_back_only_when_exhausted)
{
	struct zl_mask single;
	struct zl_held h;
	long cap, low, free_now;
	int p, i;

	if (!batch_one)
		SKIP(return, NOT_EXACT);
	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	one_zone_nodes(self, &single);
	p = pick_remote(self, &single);
	if (p < 0)
		SKIP(return, "no node with memory in a single zonelab zone");
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	cap = node_above(self->zi, p, false);
	ASSERT_LT(0, cap);
	ASSERT_EQ(0, set_policy("prefer:%d", p));

	ASSERT_EQ(0, ctx_alloc(self, cap));
	held(_metadata, self, &h);
	EXPECT_EQ(cap, h.node[p]) TH_LOG("prefer:%d: %ld of %ld pages there, with memory left",
					 p, h.node[p], cap);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0, low = -1, free_now = -1; i < self->zi->nr; i++)
		if (self->zi->zone[i].nid == p && self->zi->zone[i].managed) {
			low = self->zi->zone[i].low;
			free_now = self->zi->zone[i].free;
		}
	EXPECT_EQ(low, free_now) TH_LOG("node %d after %ld pages", p, cap);

	/* Exhausted at low: the next pages come from other nodes, and succeed. */
	ASSERT_EQ(0, ctx_alloc(self, 32)) TH_LOG("no fallback from an exhausted preferred node");
	held(_metadata, self, &h);
	EXPECT_EQ(cap, h.node[p]) TH_LOG("pages still taken from node %d below its low mark", p);
	EXPECT_EQ(cap + 32, h.pages);
	release(_metadata, self);
}

/* prefer_many: pages stay within its nodes while they have memory above min. */
TEST_F(policy, prefer_many_stays_in_its_set)
{
	struct zl_mask single, set;
	struct zl_held h;
	long cap = 0, inside;
	char list[256];
	int nid, n = 0;

	if (!batch_one)
		SKIP(return, NOT_EXACT);
	if (zl_mask_weight(&self->memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	one_zone_nodes(self, &single);
	/* Up to two single-zone nodes, not the CPU's, and at least one node outside. */
	zl_mask_clear(&set);
	zl_for_each_node(nid, &single) {
		if (nid == self->cpu_node || n == 2 ||
		    n + 1 >= zl_mask_weight(&self->memory))
			continue;
		zl_mask_set(&set, nid);
		n++;
	}
	if (!n)
		SKIP(return, "no single-zone node with memory away from the CPU's");
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	zl_for_each_node(nid, &set)
		cap += node_above(self->zi, nid, true);
	ASSERT_EQ(0, set_policy("prefer_many:%s", zl_list(&set, list)));

	ASSERT_EQ(0, ctx_alloc(self, cap));
	held(_metadata, self, &h);
	expect_only_on(_metadata, &h, &set, "prefer_many with memory in its set");
	EXPECT_EQ(cap, h.pages);

	ASSERT_EQ(0, ctx_alloc(self, 32)) TH_LOG("no fallback from an exhausted set");
	held(_metadata, self, &h);
	inside = 0;
	zl_for_each_node(nid, &set)
		inside += h.node[nid];
	EXPECT_EQ(cap, inside) TH_LOG("pages still taken from %s below min", list);
	EXPECT_EQ(cap + 32, h.pages);
	release(_metadata, self);
}

/* weighted interleave: runs of <weight> pages per node in node order; counts match per round. */
TEST_F(policy, weighted_interleave_matches_weights)
{
	static const int weights[] = { 3, 1, 2 };
	int w[ZL_MAX_NODES], got[ZL_MAX_NODES], seq[64], nid, i, n, sum = 0, rounds = 4;
	struct zl_mask set, wnodes;
	char list[256], err[256] = "";
	struct zl_held h;

	n = zl_mask_weight(&self->memory) < 3 ? zl_mask_weight(&self->memory) : 3;
	if (n < 2)
		SKIP(return, "fewer than two nodes with memory");
	zl_mask_first_n(&self->memory, n, &set);
	memset(w, 0, sizeof(w));
	i = 0;
	zl_for_each_node(nid, &set) {
		w[nid] = weights[i++];
		sum += w[nid];
		ASSERT_EQ(0, zl_ctx_write(CTX, "weights", "%d %d", nid, w[nid]));
	}
	ASSERT_EQ(0, zl_ctx_weights(CTX, got, &wnodes, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(zl_mask_equal(&wnodes, &self->online)) TH_LOG("weights: not one line per online node");
	zl_for_each_node(nid, &self->online)
		EXPECT_EQ(zl_mask_test(&set, nid) ? w[nid] : 1, got[nid]) TH_LOG("node %d", nid);
	ASSERT_EQ(0, set_policy("weighted_interleave:%s", zl_list(&set, list)));

	/* Two rounds page by page: runs of exactly the weight, nodes in order. */
	for (i = 0; i < 2 * sum; i++)
		seq[i] = alloc_one_node(_metadata, self);
	for (i = 0; i < 2 * sum; ) {
		int run = 1, next;

		while (i + run < 2 * sum && seq[i + run] == seq[i])
			run++;
		EXPECT_TRUE(zl_mask_test(&set, seq[i])) TH_LOG("page %d on node %d", i, seq[i]);
		if (i + run < 2 * sum || i == 0)
			EXPECT_EQ(w[seq[i]], run) TH_LOG("page %d: %d pages in a row on node %d, weight %d",
							  i, run, seq[i], w[seq[i]]);
		if (i + run < 2 * sum) {
			next = zl_mask_next(&set, seq[i], ZL_MAX_NODES);
			if (next >= ZL_MAX_NODES)
				next = zl_mask_nth(&set, 0);
			EXPECT_EQ(next, seq[i + run]) TH_LOG("after node %d's run", seq[i]);
		}
		i += run;
	}
	release(_metadata, self);

	/* Many rounds in one command: each node within one round of rounds * weight. */
	ASSERT_EQ(0, ctx_alloc(self, (long)rounds * sum));
	held(_metadata, self, &h);
	zl_for_each_node(nid, &self->memory) {
		long want = zl_mask_test(&set, nid) ? (long)rounds * w[nid] : 0;

		EXPECT_GE(w[nid], labs(h.node[nid] - want))
			TH_LOG("node %d: %ld pages, weight %d x %d rounds", nid, h.node[nid],
			       w[nid], rounds);
	}
	release(_metadata, self);
}

/* ---- rebinding: the examples of numa_memory_policy.rst ---- */

#define MAX_STEPS	4

struct rebind_step {
	const char *mems;	/* written to ctx/<name>/mems */
	const char *policy;	/* what `policy` must read after it */
};

struct rebind_example {
	const char *what;	/* "exact" or how it was scaled */
	const char *nodes;	/* every node it names: all must have memory */
	const char *mems;	/* the mems the policy is created in */
	const char *set;	/* the policy written */
	const char *policy;	/* and how it reads */
	struct rebind_step step[MAX_STEPS];
};

/* Every node of @a is in @b. */
static bool all_in(const struct zl_mask *a, const struct zl_mask *b)
{
	int nid;

	zl_for_each_node(nid, a)
		if (!zl_mask_test(b, nid))
			return false;
	return true;
}

/*
 * Run the first example of @ex whose nodes all have memory (the examples
 * go from the document's own to smaller scaled ones).  These are the
 * document's expectations; zonelab_mpol_kernel_test asks the kernel
 * itself, over random steps.
 */
static void run_rebind(struct __test_metadata *_metadata, FIXTURE_DATA(policy) *self,
		       const struct rebind_example *ex, size_t nr)
{
	struct zl_ctx_stats st0, st1;
	struct zl_mask need, mems, want;
	char err[256] = "";
	size_t i;
	int s;

	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, zl_parse_list(ex[i].nodes, &need));
		if (all_in(&need, &self->memory))
			break;
	}
	if (i == nr)
		SKIP(return, "no example fits the nodes with memory");
	ex += i;
	TH_LOG("%s: mems %s, '%s'", ex->what, ex->mems, ex->set);
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", ex->mems));
	ASSERT_EQ(0, set_policy("%s", ex->set));
	expect_policy(_metadata, ex->policy, ex->set);
	ASSERT_EQ(0, zl_ctx_stats(CTX, &st0, err, sizeof(err))) TH_LOG("%s", err);
	for (s = 0; s < MAX_STEPS && ex->step[s].mems; s++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "mems %s", ex->step[s].mems);
		ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", ex->step[s].mems));
		ASSERT_EQ(0, zl_ctx_mems(CTX, &mems));
		ASSERT_EQ(0, zl_parse_list(ex->step[s].mems, &want));
		EXPECT_TRUE(zl_mask_equal(&want, &mems)) TH_LOG("%s read back", buf);
		expect_policy(_metadata, ex->step[s].policy, buf);
	}
	ASSERT_EQ(0, zl_ctx_stats(CTX, &st1, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(st0.rebinds + s, st1.rebinds) TH_LOG("one rebind per mems write");
}

/*
 * Default (no flag): nodes remapped to the new mems by position.  Doc:
 * "a task that is attached to a cpuset with mems 1-3 that sets an
 * Interleave policy over the same set.  If the cpuset's mems change to
 * 3-5, the Interleave will now occur over nodes 3, 4, and 5."
 */
TEST_F(policy, rebind_default_doc_example)
{
	static const struct rebind_example ex[] = {
		{ "exact (doc: mems 1-3 -> 3-5)", "1-5", "1-3", "interleave:1-3",
		  "interleave:1-3", { { "3-5", "interleave:3-5" } } },
		{ "scaled to nodes 0-4 (mems 0-2 -> 2-4)", "0-4", "0-2", "interleave:0-2",
		  "interleave:0-2", { { "2-4", "interleave:2-4" } } },
		{ "scaled to nodes 0-2 (mems 0-1 -> 1-2)", "0-2", "0-1", "interleave:0-1",
		  "interleave:0-1", { { "1-2", "interleave:1-2" } } },
		{ "scaled to nodes 0-1 (mems 0 -> 1)", "0-1", "0", "interleave:0",
		  "interleave:0", { { "1", "interleave:1" } } },
	};

	run_rebind(_metadata, self, ex, ARRAY_SIZE(ex));
}

/*
 * MPOL_F_STATIC_NODES.  Doc: mems 1-3, Interleave over 1-3, mems change
 * to 3-5: "since only node 3 is allowed from the user's nodemask, the
 * 'interleave' only occurs over that node.  If no nodes from the user's
 * nodemask are now allowed, the Default behavior is used": 6.1's
 * mpol_rebind_nodemask() then uses every node of the mems (4-5).  Back to
 * 1-3, the user's nodes come back unchanged (never remapped).
 */
TEST_F(policy, rebind_static_doc_example)
{
	static const struct rebind_example ex[] = {
		{ "exact (doc: mems 1-3 -> 3-5; then 4-5 and 1-3)", "1-5", "1-3",
		  "interleave=static:1-3", "interleave=static:1-3",
		  { { "3-5", "interleave=static:3" }, { "4-5", "interleave=static:4-5" },
		    { "1-3", "interleave=static:1-3" } } },
		{ "scaled to nodes 0-4 (mems 0-2 -> 2-4 -> 3-4 -> 0-2)", "0-4", "0-2",
		  "interleave=static:0-2", "interleave=static:0-2",
		  { { "2-4", "interleave=static:2" }, { "3-4", "interleave=static:3-4" },
		    { "0-2", "interleave=static:0-2" } } },
		{ "scaled to nodes 0-2 (mems 0-1 -> 1-2 -> 2 -> 0-1)", "0-2", "0-1",
		  "interleave=static:0-1", "interleave=static:0-1",
		  { { "1-2", "interleave=static:1" }, { "2", "interleave=static:2" },
		    { "0-1", "interleave=static:0-1" } } },
		{ "scaled to nodes 0-1 (user node 0; mems 0-1 -> 1 -> 0-1)", "0-1", "0-1",
		  "interleave=static:0", "interleave=static:0",
		  { { "1", "interleave=static:1" }, { "0-1", "interleave=static:0" } } },
	};

	run_rebind(_metadata, self, ex, ARRAY_SIZE(ex));
}

/*
 * MPOL_F_RELATIVE_NODES.  Doc: "a task that is attached to a cpuset with
 * mems 2-5 that sets an Interleave policy over the same set with
 * MPOL_F_RELATIVE_NODES.  If the cpuset's mems change to 3-7, the
 * interleave now occurs over nodes 3,5-7.  If the cpuset's mems then
 * change to 0,2-3,5, then the interleave occurs over nodes 0,2-3,5."
 */
TEST_F(policy, rebind_relative_doc_example)
{
	static const struct rebind_example ex[] = {
		{ "exact (doc: mems 2-5 -> 3-7 -> 0,2-3,5)", "0-7", "2-5",
		  "interleave=relative:2-5", "interleave=relative:2-5",
		  { { "3-7", "interleave=relative:3,5-7" },
		    { "0,2-3,5", "interleave=relative:0,2-3,5" } } },
		{ "scaled to nodes 0-4 (mems 1-3 -> 0-1,3-4 -> 0,2,4)", "0-4", "1-3",
		  "interleave=relative:1-3", "interleave=relative:1-3",
		  { { "0-1,3-4", "interleave=relative:1,3-4" },
		    { "0,2,4", "interleave=relative:0,2,4" } } },
		{ "scaled to nodes 0-3 (mems 1-2 -> 0-1,3 -> 0,3)", "0-3", "1-2",
		  "interleave=relative:1-2", "interleave=relative:1-2",
		  { { "0-1,3", "interleave=relative:1,3" },
		    { "0,3", "interleave=relative:0,3" } } },
		{ "scaled to nodes 0-1 (mems 1 -> 0-1 -> 0)", "0-1", "1",
		  "interleave=relative:1", "interleave=relative:1",
		  { { "0-1", "interleave=relative:1" }, { "0", "interleave=relative:0" } } },
	};

	run_rebind(_metadata, self, ex, ARRAY_SIZE(ex));
}

/*
 * The default remap does not preserve the user's nodes over successive
 * rebinds.  Doc: "a nodemask of 1,3,5 may be remapped to 7-9 and then to
 * 1-3 if the set of allowed nodes is restored to its original state"
 * (mems 1-5 -> 7-9 -> 1-5); no test topology has node 9, so always scaled.
 */
TEST_F(policy, rebind_default_not_restored)
{
	static const struct rebind_example ex[] = {
		{ "exact (doc: 1,3,5 in mems 1-5 -> 7-9 -> 1-3)", "1-9", "1-5", "bind:1,3,5",
		  "bind:1,3,5", { { "7-9", "bind:7-9" }, { "1-5", "bind:1-3" } } },
		{ "scaled to nodes 0-7 (0,2,4 in mems 0-4 -> 5-7 -> 0-2)", "0-7", "0-4",
		  "bind:0,2,4", "bind:0,2,4", { { "5-7", "bind:5-7" }, { "0-4", "bind:0-2" } } },
		{ "scaled to nodes 0-3 (0,2 in mems 0-3 -> 2 -> 0)", "0-3", "0-3", "bind:0,2",
		  "bind:0,2", { { "2-3", "bind:2" }, { "0-3", "bind:0" } } },
		{ "scaled to nodes 0-1 (0-1 in mems 0-1 -> 1 -> 0)", "0-1", "0-1", "bind:0-1",
		  "bind:0-1", { { "1", "bind:1" }, { "0-1", "bind:0" } } },
	};

	run_rebind(_metadata, self, ex, ARRAY_SIZE(ex));
}

/* prefer keeps its node over a rebind (6.1's mpol_rebind_preferred() only notes the mems). */
TEST_F(policy, rebind_prefer_keeps_its_node)
{
	static const struct rebind_example ex[] = {
		{ "mems 0-1 -> 0 -> 1", "0-1", "0-1", "prefer:1", "prefer:1",
		  { { "0", "prefer:1" }, { "1", "prefer:1" } } },
	};

	run_rebind(_metadata, self, ex, ARRAY_SIZE(ex));
}

int main(int argc, char **argv)
{
	struct zl_zoneinfo *zi;
	int i, j;

	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_CONTEXTS) || !zl_path_exists(ZL_ALLOC))
		ksft_exit_skip("this zonelab has no contexts/alloc files\n");
	zl_prereq_every_node();
	zi = zl_zoneinfo_get();
	batch_one = zi && zi->nr;
	for (i = 0; zi && i < zi->nr; i++)
		for (j = 0; j < zi->zone[i].nr_pcp; j++)
			batch_one &= zi->zone[i].pcp[j].batch == 1;
	free(zi);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
