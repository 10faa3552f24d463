// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's contexts as cpusets (issue 5): allocations follow a context's
 * mems; a mems update under an allocation that would fail is retried, not
 * failed (mems_retry=0 shows the failures, and premature_oom counting
 * them); a context's policy and mems rewritten thousands of times under
 * racing allocations leave no page outside the mems allowed during its
 * allocation and no policy behind; the cpuset01 scenario, in the kernel
 * (stress workers under bind, interleave and prefer while user space
 * flips the mems between disjoint node sets) and in user space (a process
 * in a real cgroup v2 cpuset whose cpuset.mems its parent flips, which
 * allocates through the `alloc` file without a context and so under its
 * real cpuset); and the rules of use: a context in use cannot be
 * destroyed, an alloc file binds to one context, at most 64 contexts.
 *
 * "Allowed during an allocation": the writer of mems keeps a sequence
 * count in user space, odd while a write is in flight, and each allocating
 * thread reads it before and after its command.  A page whose command saw
 * the same even count before and after must lie in that one mems; any
 * other page in the union of every mems from the one before to the one
 * after.  Every test restores mems_retry, stops stress and destroys its
 * contexts, and waits until policies_live is back where it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"
#include "zonelab_mems.h"

#define CTX		"zlt_cpuset"
#define CTX2		"zlt_cpuset2"
#define CGROOT		"/sys/fs/cgroup"
#define CGCHILD		CGROOT "/zlt_cpuset"

/* mems writes in the flip tests: "thousands of times". */
#define NR_FLIPS	2000
/* Policy and mems writes (half each) under racing allocations. */
#define NR_SWAPS	2000
/* Each test's mems writes fit in one struct zl_history. */
_Static_assert(NR_FLIPS < ZL_HISTORY_MAX - 2 && NR_SWAPS / 2 < ZL_HISTORY_MAX - 2, "history");

/* What every test of both fixtures sets up and restores. */
struct cs_env {
	struct zl_zoneinfo *zi;
	struct zl_mask memory, online;
	struct zl_mask a, b;		/* disjoint sets of nodes with memory */
	struct zl_klog_mark mark;
	long long live0;
	long retry0;			/* mems_retry before the test */
	bool ctx, ctx2, stress;
	int fd, hog;			/* alloc files, or -1 */
	/* cgroup_cpuset_flips: what to undo */
	pid_t child;			/* to kill, or 0 */
	bool cg_mounted, cg_enabled, cg_made;
	long rcu_exp0;			/* rcu_expedited to restore, or -1 */
};

FIXTURE(cpuset)
{
	struct cs_env e;
};

/* cpuset01 in the kernel, per policy and mems_retry. */
FIXTURE(cpuset01)
{
	struct cs_env e;
};

FIXTURE_VARIANT(cpuset01)
{
	const char *policy;	/* "bind", "interleave", "prefer" */
	int retry;		/* mems_retry */
	int flips;		/* mems writes */
};

FIXTURE_VARIANT_ADD(cpuset01, bind) { .policy = "bind", .retry = 1, .flips = NR_FLIPS, };
FIXTURE_VARIANT_ADD(cpuset01, interleave) { .policy = "interleave", .retry = 1, .flips = 1000, };
FIXTURE_VARIANT_ADD(cpuset01, prefer) { .policy = "prefer", .retry = 1, .flips = 1000, };
FIXTURE_VARIANT_ADD(cpuset01, bind_no_retry) { .policy = "bind", .retry = 0, .flips = 1000, };

#define RCU_EXPEDITED	"/sys/kernel/rcu_expedited"

/* Remove the test's cgroup, and the cpuset controller and mount if it added them. */
static void cg_undo(struct __test_metadata *_metadata, struct cs_env *self)
{
	int tries;

	if (self->cg_made) {
		/* The child's exit reaches the cgroup a moment later. */
		for (tries = 0; rmdir(CGCHILD) && errno == EBUSY && tries < 100; tries++)
			zl_sleep_ms(20);
		EXPECT_FALSE(zl_path_exists(CGCHILD)) TH_LOG("rmdir " CGCHILD ": %s",
							   strerror(errno));
		self->cg_made = false;
	}
	if (self->cg_enabled) {
		EXPECT_EQ(0, zl_write_str(CGROOT "/cgroup.subtree_control", "-cpuset"));
		self->cg_enabled = false;
	}
	if (self->cg_mounted) {
		EXPECT_EQ(0, umount(CGROOT));
		self->cg_mounted = false;
	}
	if (self->rcu_exp0 >= 0) {
		EXPECT_EQ(0, zl_write_str(RCU_EXPEDITED, self->rcu_exp0 ? "1" : "0"));
		self->rcu_exp0 = -1;
	}
}

static void cs_setup(struct __test_metadata *_metadata, struct cs_env *self)
{
	char err[128] = "";
	int n;

	self->fd = self->hog = -1;
	self->rcu_exp0 = -1;
	zl_klog_mark(&self->mark);
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	ASSERT_EQ(0, zl_node_state("online", &self->online));
	ASSERT_EQ(0, zl_pool_at_rest(self->zi, err, sizeof(err))) TH_LOG("%s", err);
	/* A = {first node with memory}, B = {second}: others, if any, stay out. */
	n = zl_mask_weight(&self->memory);
	zl_mask_clear(&self->a);
	zl_mask_clear(&self->b);
	if (n >= 2) {
		zl_mask_set(&self->a, zl_mask_nth(&self->memory, 0));
		zl_mask_set(&self->b, zl_mask_nth(&self->memory, 1));
	}
	self->retry0 = zl_param("mems_retry");
	ASSERT_LE(0, self->retry0);
	self->live0 = zl_policies_live();
	ASSERT_LE(0, self->live0);
	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	self->ctx = true;
}

static void cs_teardown(struct __test_metadata *_metadata, struct cs_env *self)
{
	long long last = -1;

	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	cg_undo(_metadata, self);
	if (self->stress)
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	if (self->fd >= 0)
		close(self->fd);
	if (self->hog >= 0)
		close(self->hog);
	if (self->ctx)
		EXPECT_EQ(0, zl_ctx_destroy(CTX));
	if (self->ctx2)
		EXPECT_EQ(0, zl_ctx_destroy(CTX2));
	EXPECT_EQ(0, zl_param_set("mems_retry", self->retry0));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, &last))
		TH_LOG("policies_live %lld, %lld before the test", last, self->live0);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

FIXTURE_SETUP(cpuset)
{
	cs_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(cpuset)
{
	cs_teardown(_metadata, &self->e);
}

FIXTURE_SETUP(cpuset01)
{
	cs_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(cpuset01)
{
	cs_teardown(_metadata, &self->e);
}

static void held(struct __test_metadata *_metadata, int fd, struct zl_held *h)
{
	char err[256] = "";

	ASSERT_EQ(0, zl_alloc_state(fd, 4096, h, err, sizeof(err))) TH_LOG("%s", err);
}

static void ctx_stats(struct __test_metadata *_metadata, const char *name,
		      struct zl_ctx_stats *st)
{
	char err[256] = "";

	ASSERT_EQ(0, zl_ctx_stats(name, st, err, sizeof(err))) TH_LOG("%s", err);
}

/* Nothing held anywhere any more: every zone wholly free after a drain. */
static void expect_pool_whole(struct __test_metadata *_metadata, struct zl_zoneinfo *zi)
{
	int i;

	ASSERT_EQ(0, zl_zoneinfo_drained(zi));
	for (i = 0; i < zi->nr; i++)
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free)
			TH_LOG("zone %d/%s: %ld of %ld pages free", zi->zone[i].nid,
			       zi->zone[i].name, zi->zone[i].free, zi->zone[i].managed);
}

/* ---- mems ---- */

/* Pages go where the context's mems say, and `numa` counts them there. */
TEST_F(cpuset, allocations_follow_mems)
{
	struct zl_mask *sets[] = { &self->e.b, &self->e.a };
	char list[256], err[256] = "";
	struct zl_ctx_numa numa;
	struct zl_held h0, h1;
	int s, nid;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	self->e.fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->e.fd);
	memset(&h0, 0, sizeof(h0));
	for (s = 0; s < 2; s++) {
		ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", zl_list(sets[s], list)));
		ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 10 ctx=" CTX));
		held(_metadata, self->e.fd, &h1);
		zl_for_each_node(nid, &self->e.memory)
			EXPECT_EQ(zl_mask_test(sets[s], nid) ? 10 : 0, h1.node[nid] - h0.node[nid])
				TH_LOG("mems %s: node %d", list, nid);
		h0 = h1;
	}
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(zl_mask_equal(&numa.nodes, &self->e.memory));
	zl_for_each_node(nid, &self->e.memory)
		EXPECT_EQ(h1.node[nid], numa.node[nid]) TH_LOG("numa, node %d", nid);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "free all"));
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, numa.total);
}

/*
 * A file that holds pages of its own cannot join a context (EBUSY: its
 * pages are charged to itself, as a task's are to its cpuset), so `numa`
 * never counts them; once it freed them, it can.
 */
TEST_F(cpuset, holding_file_cannot_join)
{
	char err[256] = "";
	struct zl_ctx_numa numa;

	self->e.fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->e.fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 5"));
	EXPECT_EQ(-EBUSY, zl_alloc_cmd(self->e.fd, "alloc 3 ctx=" CTX));
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, numa.total);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "free all"));
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 3 ctx=" CTX));
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(3, numa.total);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "free all"));
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, numa.total);
}

/* ---- a mems update under an allocation that would fail ---- */

#define NR_TRIALS	20

struct trials {
	int n;
	int late;		/* the allocation was not held before the write */
	int ok, enomem, other;	/* results of the others */
};

/* Trial outcomes: one whose allocation was not held in the drain is late. */
static void trial_count(struct trials *res, bool held, int ret)
{
	res->n++;
	if (!held)
		res->late++;
	else if (ret == 0)
		res->ok++;
	else if (ret == -ENOMEM)
		res->enomem++;
	else
		res->other++;
}

/*
 * Node a is held down to its min and the context's mems are {a}: an
 * allocation under it fails after its slow path, which drains every
 * CPU's pcplist and waits for that (zl_pcp_drain_all(): a work item per
 * CPU).  This thread runs SCHED_FIFO on CPU x, so the work item of CPU x
 * cannot run while it spins: an allocation started on CPU y is held in
 * its slow path, after it read mems {a} and before its last try.  Then
 * the mems change to {b}, which has memory, and this thread sleeps: the
 * allocation's last try comes after the change, which it must see and
 * retry under {b}.  A trial whose allocation was not seen sleeping in
 * flush_work() before the write (the hold did not work) does not count.
 */
static void flip_trials(struct __test_metadata *_metadata, struct cs_env *self,
			struct trials *res)
{
	int a = zl_mask_nth(&self->a, 0), b = zl_mask_nth(&self->b, 0), i, mfd, x, y;
	struct sched_param rt = { .sched_priority = 1 }, normal = { 0 };
	long pool = zl_zi_managed(self->zi, -1);
	struct zl_trial_alloc *t = calloc(1, sizeof(*t));
	char a_s[16], b_s[16], path[256];
	struct zl_mask cpus;
	pthread_t thread;

	memset(res, 0, sizeof(*res));
	ASSERT_NE(NULL, t);
	ASSERT_LE(2, zl_online_cpus(&cpus));
	x = zl_mask_nth(&cpus, 0);
	y = zl_mask_nth(&cpus, 1);
	snprintf(a_s, sizeof(a_s), "%d", a);
	snprintf(b_s, sizeof(b_s), "%d", b);
	self->hog = zl_alloc_open_exempt();
	ASSERT_LE(0, self->hog);
	/* Everything node a gives down to min. */
	ASSERT_EQ(-ENOMEM, zl_alloc_cmd(self->hog, "alloc %ld node=%d thisnode", pool, a));
	self->fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->fd);
	/* mems written through one open file. */
	mfd = open(zl_ctx_path(path, sizeof(path), CTX, "mems"), O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, zl_write_fd(mfd, a_s));
	ASSERT_EQ(-ENOMEM, zl_alloc_cmd(self->fd, "alloc 1 ctx=" CTX))
		TH_LOG("node %d is not exhausted", a);

	t->fd = self->fd;
	t->cpu = y;
	t->cmd = "alloc 1 ctx=" CTX;
	ASSERT_EQ(0, pthread_create(&thread, NULL, zl_trial_thread, t));
	ASSERT_EQ(0, zl_pin_cpu(x));
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt));
	for (i = 1; i <= NR_TRIALS; i++) {
		bool held;

		ASSERT_EQ(0, zl_write_fd(mfd, a_s));
		/* Spinning: CPU x's work waits for us while it is held in the drain. */
		held = zl_trial_start(t, i, 200000);
		ASSERT_EQ(0, zl_write_fd(mfd, b_s));
		trial_count(res, held, zl_trial_result(t, i));
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	}
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
	t->quit = true;
	atomic_store(&t->go, i);
	pthread_join(thread, NULL);
	close(mfd);
	free(t);
	TH_LOG("%d trials (%d not held in the drain): %d ok, %d ENOMEM", res->n, res->late,
	       res->ok, res->enomem);
}

/* A mems change under an allocation that would fail makes it retry, not fail. */
TEST_F(cpuset, mems_flip_retries_instead_of_failing)
{
	long long oom0 = zl_stat_get("premature_oom");
	struct zl_ctx_stats st0, st1;
	struct zl_mask cpus;
	struct trials res;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	if (zl_online_cpus(&cpus) < 2)
		SKIP(return, "one online CPU: nothing holds an allocation while mems change");
	ASSERT_EQ(0, zl_param_set("mems_retry", 1));
	ctx_stats(_metadata, CTX, &st0);
	flip_trials(_metadata, &self->e, &res);
	ctx_stats(_metadata, CTX, &st1);
	ASSERT_LT(res.late, res.n) TH_LOG("no allocation was held in its slow path");
	EXPECT_EQ(0, res.enomem) TH_LOG("allocations failed while the new mems had memory");
	EXPECT_EQ(0, res.other);
	EXPECT_EQ(res.n - res.late, res.ok);
	EXPECT_LE(st0.retries + res.n - res.late, st1.retries) TH_LOG("fewer retries than mems changes under allocations");
	EXPECT_EQ(oom0, zl_stat_get("premature_oom"));
}

/* The same with mems_retry=0 (before 2017): the allocations fail, premature_oom counts them. */
TEST_F(cpuset, mems_flip_without_retry_fails)
{
	long long oom0 = zl_stat_get("premature_oom");
	struct zl_mask cpus;
	struct trials res;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	if (zl_online_cpus(&cpus) < 2)
		SKIP(return, "one online CPU: nothing holds an allocation while mems change");
	ASSERT_EQ(0, zl_param_set("mems_retry", 0));
	flip_trials(_metadata, &self->e, &res);
	ASSERT_LT(res.late, res.n) TH_LOG("no allocation was held in its slow path");
	EXPECT_EQ(res.n - res.late, res.enomem)
		TH_LOG("without the retry an allocation under a mems change succeeded");
	EXPECT_EQ(oom0 + res.enomem, zl_stat_get("premature_oom"))
		TH_LOG("%d premature failures, premature_oom +%lld", res.enomem,
		       zl_stat_get("premature_oom") - oom0);
}

/* ---- policy and mems rewritten under racing allocations ---- */

#define NR_ALLOCATORS	3

static const char * const swap_policies[] = {
	"bind:%s", "interleave:%s", "prefer:%s", "prefer_many:%s",
	"weighted_interleave:%s", "default", "local", "bind=static:%s",
	"interleave=relative:%s", "prefer=static:%s", "bind:%s", "prefer_many=relative:%s",
};

/* What the swaps write: mems sets in turn, and each policy's argument. */
struct swap_plan {
	struct zl_mask sets[6];
	int nsets;
	char m0[16], m1[16], m01[64], mall[256];
	const char *pargs[ARRAY_SIZE(swap_policies)];
};

/* The writes' outcomes. */
struct swap_counts {
	int policy_ok, policy_einval, mems_writes, other;
};

/* Mems sets: never the last node with memory when there are three or more. */
static void swap_plan(const struct cs_env *e, struct swap_plan *p)
{
	int n = zl_mask_weight(&e->memory);
	struct zl_mask all2;
	const char *pargs[ARRAY_SIZE(swap_policies)] = {
		p->m0, p->m01, p->m1, p->m01, p->mall, "", "", p->m1, p->m01, p->m0, p->mall,
		p->m1,
	};

	snprintf(p->m0, sizeof(p->m0), "%d", zl_mask_nth(&e->memory, 0));
	snprintf(p->m1, sizeof(p->m1), "%d", zl_mask_nth(&e->memory, 1));
	zl_mask_first_n(&e->memory, 2, &all2);
	zl_list(&all2, p->m01);
	p->nsets = 0;
	p->sets[p->nsets++] = e->a;
	p->sets[p->nsets++] = e->b;
	p->sets[p->nsets++] = all2;
	if (n >= 3) {
		zl_mask_first_n(&e->memory, n - 1, &p->sets[p->nsets]);
		zl_mask_clear(&p->sets[p->nsets + 1]);
		zl_mask_set(&p->sets[p->nsets + 1], zl_mask_nth(&e->memory, 2));
		p->nsets += 2;
	}
	zl_list(&p->sets[p->nsets - 1], p->mall);
	memcpy(p->pargs, pargs, sizeof(pargs));
}

/* Mems write @i: recorded in @h before it starts, seq odd while it is in flight. */
static void swap_mems(struct __test_metadata *_metadata, struct zl_history *h,
		      const struct swap_plan *p, int i, struct swap_counts *c)
{
	const struct zl_mask *m = &p->sets[(i / 2) % p->nsets];
	long s = zl_history_begin(h, zl_mask_bits(m));
	char list[256];
	int ret;

	ret = zl_ctx_write(CTX, "mems", "%s", zl_list(m, list));
	zl_history_end(h, s);
	if (ret) {
		c->other++;
		TH_LOG("mems %s: %s", list, strerror(-ret));
	}
	c->mems_writes++;
}

static void swap_policy(const struct swap_plan *p, int i, struct swap_counts *c)
{
	size_t k = (i / 2) % ARRAY_SIZE(swap_policies);
	int ret;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	ret = zl_ctx_write(CTX, "policy", swap_policies[k], p->pargs[k]);
#pragma GCC diagnostic pop
	if (!ret)
		c->policy_ok++;
	else if (ret == -EINVAL)
		c->policy_einval++;	/* no node of it within the mems */
	else
		c->other++;
}

/* Allocator @i's pages: none failed, none outside the mems of its allocation. */
static long expect_allocator(struct __test_metadata *_metadata, const struct zl_racer *r,
			     int i, const struct zl_history *h, const struct zl_mask *memory)
{
	char list[256] = "";
	size_t off = 0;
	int nid;

	EXPECT_EQ(0, r->fails) TH_LOG("allocator %d: %ld failures, last %s", i,
				      r->fails, strerror(-r->err));
	EXPECT_EQ(0, r->err);
	EXPECT_EQ(0, r->outside)
		TH_LOG("allocator %d: %ld pages outside the mems of their allocation, e.g. node %d outside %s",
		       i, r->outside, r->bad_node,
		       zl_bits_list(zl_mems_allowed(h, r->bad_s0, r->bad_s1), list,
				    sizeof(list)));
	EXPECT_LT(0, r->clean) TH_LOG("allocator %d: no allocation without a mems write under it", i);
	zl_for_each_node(nid, memory)
		if (r->on[nid] && off < sizeof(list))
			off += snprintf(list + off, sizeof(list) - off, " %ld on %d",
					r->on[nid], nid);
	TH_LOG("allocator %d: %ld pages (%ld with no mems write under them):%s", i,
	       r->allocs, r->clean, list);
	return r->allocs;
}

/* Many threads allocate while another rewrites policy and mems thousands of times. */
TEST_F_TIMEOUT(cpuset, policy_swap_under_racing_allocations, 120)
{
	struct zl_racer al[NR_ALLOCATORS];
	long long viol0 = zl_stat_get("policy_violations");
	struct swap_counts c = { 0 };
	struct zl_ctx_stats st0, st1;
	struct zl_history *h = calloc(1, sizeof(*h));
	pthread_t thread[NR_ALLOCATORS];
	atomic_bool stop = false;
	long long t0 = zl_now_ms();
	struct swap_plan plan;
	char list[256];
	long total = 0;
	int i;

	ASSERT_NE(NULL, h);
	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(free(h); return, "fewer than two nodes with memory");
	swap_plan(&self->e, &plan);
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", zl_list(&plan.sets[0], list)));
	h->hist[0] = zl_mask_bits(&plan.sets[0]);
	ctx_stats(_metadata, CTX, &st0);
	for (i = 0; i < NR_ALLOCATORS; i++) {
		al[i] = (struct zl_racer){ .cmd = "alloc 1 ctx=" CTX, .free_at = 32,
					   .h = h, .stop = &stop };
		al[i].fd = zl_alloc_open_exempt();
		ASSERT_LE(0, al[i].fd);
		ASSERT_EQ(0, pthread_create(&thread[i], NULL, zl_racer_thread, &al[i]));
	}
	for (i = 0; i < NR_SWAPS; i++) {
		if (i % 2)
			swap_mems(_metadata, h, &plan, i, &c);
		else
			swap_policy(&plan, i, &c);
	}
	atomic_store(&stop, true);
	for (i = 0; i < NR_ALLOCATORS; i++) {
		pthread_join(thread[i], NULL);
		close(al[i].fd);
	}
	ctx_stats(_metadata, CTX, &st1);
	EXPECT_EQ(0, c.other) TH_LOG("writes failed other than with EINVAL");
	EXPECT_LT(0, c.policy_ok);
	for (i = 0; i < NR_ALLOCATORS; i++)
		total += expect_allocator(_metadata, &al[i], i, h, &self->e.memory);
	TH_LOG("%d mems writes, %d policies set (%d EINVAL), %ld allocations in %lld ms",
	       c.mems_writes, c.policy_ok, c.policy_einval, total, zl_now_ms() - t0);
	EXPECT_LT(0, total);
	EXPECT_EQ(st0.allocs + total, st1.allocs);
	EXPECT_EQ(st0.fails, st1.fails);
	EXPECT_EQ(st0.rebinds + c.mems_writes, st1.rebinds);
	EXPECT_EQ(viol0, zl_stat_get("policy_violations"));
	free(h);
	/* The teardown checks that policies_live comes back to where it was. */
}

/* ---- cpuset01, in the kernel ---- */

/* stress_under_mems_flips' node lists: A, B, and both. */
struct ab_lists {
	char a[256], b[256], ab[256];
};

/*
 * The variant's mems_retry, its policy over A and B (prefer: A's node)
 * and mems A; the nodes with memory in neither into @outside.
 */
static void stress_policy(struct __test_metadata *_metadata, const struct cs_env *e,
			  const FIXTURE_VARIANT(cpuset01) *variant, struct ab_lists *l,
			  struct zl_mask *outside)
{
	struct zl_mask ab;
	char pol[300];
	int nid;

	zl_mask_or(&ab, &e->a, &e->b);
	zl_list(&e->a, l->a);
	zl_list(&e->b, l->b);
	zl_list(&ab, l->ab);
	zl_mask_clear(outside);
	zl_for_each_node(nid, &e->memory)
		if (!zl_mask_test(&ab, nid))
			zl_mask_set(outside, nid);
	ASSERT_EQ(0, zl_param_set("mems_retry", variant->retry));
	if (!strcmp(variant->policy, "prefer"))
		snprintf(pol, sizeof(pol), "prefer:%d", zl_mask_nth(&e->a, 0));
	else
		snprintf(pol, sizeof(pol), "%s:%s", variant->policy, l->ab);
	ASSERT_EQ(0, zl_ctx_write(CTX, "policy", "%s", pol));
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", l->a));
}

/*
 * The variant's flips of mems between A and B, with `numa` sampled every
 * 200th (*@samples counts them): never a page outside both.  The flips
 * done.
 */
static int stress_flips(struct __test_metadata *_metadata,
			const FIXTURE_VARIANT(cpuset01) *variant, long long oom0,
			const struct ab_lists *l, const struct zl_mask *outside, int *samples)
{
	struct zl_ctx_numa numa;
	char err[256] = "";
	int i, nid, max;

	/* Without the retry, up to three times the flips until premature_oom counts. */
	max = variant->retry ? variant->flips : 3 * variant->flips;
	for (i = 0; i < max; i++) {
		if (!variant->retry && i >= variant->flips && i % 100 == 0 &&
		    zl_stat_get("premature_oom") > oom0)
			break;
		ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", i % 2 ? l->a : l->b));
		if (i % 200 == 0) {
			ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
			zl_for_each_node(nid, outside)
				EXPECT_EQ(0, numa.node[nid]) TH_LOG("node %d is never allowed", nid);
			(*samples)++;
		}
	}
	return i;
}

/*
 * Stress workers allocate and free under the policy at exhaustion while
 * user space flips the context's mems between disjoint node sets
 * thousands of times: with the retry, no premature OOM, no page outside
 * the allowed nodes, nothing leaked; without it, premature_oom counts.
 */
TEST_F_TIMEOUT(cpuset01, stress_under_mems_flips, 120)
{
	long long oom0 = zl_stat_get("premature_oom"), viol0 = zl_stat_get("policy_violations");
	struct zl_ctx_stats st0, st1;
	struct zl_stress s0, s1, st;
	struct zl_ctx_numa numa;
	struct zl_mask outside;
	struct ab_lists l;
	char err[256] = "";
	int i, nid, samples = 0;
	long long t0;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	stress_policy(_metadata, &self->e, variant, &l, &outside);
	ctx_stats(_metadata, CTX, &st0);
	ASSERT_EQ(0, zl_stress_read(&s0));
	/* Two workers, order 0, a window larger than the pool: at exhaustion. */
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=2 order_max=0 hold=65536 ctx=" CTX));
	self->e.stress = true;
	/* A failed allocation counted: the pool is at exhaustion. */
	ASSERT_EQ(0, zl_stress_wait_above(&st, offsetof(struct zl_stress, fails), s0.fails,
					  20000))
		TH_LOG("stress never reached exhaustion");
	t0 = zl_now_ms();
	i = stress_flips(_metadata, variant, oom0, &l, &outside, &samples);
	ASSERT_EQ(0, zl_stress_read(&s1));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->e.stress = false;
	ctx_stats(_metadata, CTX, &st1);
	TH_LOG("%s, mems_retry=%d: %d flips %s <-> %s in %lld ms; stress %ld ops, %ld failed; context %ld retries, premature_oom +%lld",
	       variant->policy, variant->retry, i, l.a, l.b, zl_now_ms() - t0,
	       s1.ops - s0.ops, s1.fails - s0.fails, st1.retries - st0.retries,
	       zl_stat_get("premature_oom") - oom0);
	EXPECT_EQ(st0.rebinds + i, st1.rebinds);
	EXPECT_EQ(viol0, zl_stat_get("policy_violations"));
	if (variant->retry) {
		EXPECT_EQ(oom0, zl_stat_get("premature_oom"))
			TH_LOG("premature OOM under cpuset updates with the retry on");
	} else {
		EXPECT_LT(oom0, zl_stat_get("premature_oom"))
			TH_LOG("mems_retry=0 and no premature OOM counted: the test cannot show it");
	}
	/* Stopped: the workers gave every page back, the context counts none. */
	ASSERT_EQ(0, zl_ctx_numa(CTX, &numa, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, numa.total);
	zl_for_each_node(nid, &numa.nodes)
		EXPECT_EQ(0, numa.node[nid]) TH_LOG("node %d", nid);
	EXPECT_EQ(0, st1.users);
	expect_pool_whole(_metadata, self->e.zi);
	EXPECT_LT(0, samples);
}

/* ---- cpuset01, in user space through a real cgroup v2 cpuset ---- */

/* Shared with the child: the mems written (A, B, A, ...) and what it saw. */
struct cg_shared {
	struct zl_history h;
	atomic_bool moved, stop;
	struct zl_racer r;
};

/* Time for the cgroup flips: a cpuset.mems write migrates the child's pages (slow under TCG). */
static long cg_flip_ms(void)
{
	const char *env = getenv("ZL_CGROUP_FLIP_MS");

	return env && atol(env) > 0 ? atol(env) : 1500;
}

/* The mapping shared with the child, mems A in force. */
static struct cg_shared *cg_shared_new(struct __test_metadata *_metadata,
				       const struct cs_env *e)
{
	struct cg_shared *sh;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->h.hist[0] = zl_mask_bits(&e->a);
	/*
	 * One page at a time through `alloc`, without a context, yielding to
	 * let the kworkers of a cpuset.mems write run on its CPU.
	 */
	sh->r = (struct zl_racer){ .cmd = "alloc 1", .free_at = 64, .yield = true,
				   .h = &sh->h, .stop = &sh->stop };
	return sh;
}

/* The child forked and moved into the test's cgroup. */
static void cg_start_child(struct __test_metadata *_metadata, struct cs_env *e,
			   struct cg_shared *sh)
{
	char pid_s[32];

	e->child = fork();
	ASSERT_LE(0, e->child);
	if (e->child == 0)
		zl_racer_child(&sh->r, &sh->moved);
	snprintf(pid_s, sizeof(pid_s), "%d", e->child);
	ASSERT_EQ(0, zl_write_str(CGCHILD "/cgroup.procs", pid_s));
	atomic_store(&sh->moved, true);
}

/*
 * cpuset.mems flipped between @la and @lb, NR_FLIPS times or as many as
 * fit before @deadline (at least two); the longest write into *@max_us.
 * The flips done.
 */
static int cg_flips(struct __test_metadata *_metadata, struct cs_env *e,
		    struct cg_shared *sh, const char *la, const char *lb, long long deadline,
		    long long *max_us)
{
	int i;

	for (i = 0; i < NR_FLIPS && (i < 2 || zl_now_ms() < deadline); i++) {
		bool to_b = !(i % 2);
		long long until, w0 = zl_now_us();
		long s = zl_history_begin(&sh->h, zl_mask_bits(to_b ? &e->b : &e->a));
		int ret;

		ret = zl_write_str(CGCHILD "/cpuset.mems", to_b ? lb : la);
		zl_history_end(&sh->h, s);
		if (zl_now_us() - w0 > *max_us)
			*max_us = zl_now_us() - w0;
		ASSERT_EQ(0, ret) TH_LOG("flip %d: cpuset.mems: %s", i, strerror(-ret));
		/* A moment with stable mems, for allocations wholly inside it. */
		until = zl_now_us() + 300;
		while (zl_now_us() < until)
			;
	}
	return i;
}

/*
 * A forked process in a cgroup v2 cpuset allocates page after page through
 * `alloc` while its parent flips cpuset.mems between disjoint node sets
 * (NR_FLIPS times, or as many as fit in ZL_CGROUP_FLIP_MS, default 1.5 s, at least two):
 * no allocation fails while memory is available, and every page lies on a
 * node its cpuset allowed during that allocation.
 */
TEST_F_TIMEOUT(cpuset, cgroup_cpuset_flips, 120)
{
	struct cg_shared *sh;
	const struct zl_racer *r;
	char la[256], lb[256];
	long long t0, max_us = 0;
	long exp, on_a, on_b;
	int i, status;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	if (!zl_path_exists(CGROOT "/cgroup.controllers")) {
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2 at " CGROOT ": %s", strerror(errno));
		self->e.cg_mounted = true;
	}
	if (!zl_file_has_word(CGROOT "/cgroup.controllers", "cpuset"))
		SKIP(return, "no cpuset controller in cgroup v2");
	if (!zl_file_has_word(CGROOT "/cgroup.subtree_control", "cpuset")) {
		ASSERT_EQ(0, zl_write_str(CGROOT "/cgroup.subtree_control", "+cpuset"));
		self->e.cg_enabled = true;
	}
	/* Expedited grace periods make each cpuset.mems write cheaper. */
	if (!zl_read_long(RCU_EXPEDITED, &exp) && !zl_write_str(RCU_EXPEDITED, "1"))
		self->e.rcu_exp0 = exp;
	sh = cg_shared_new(_metadata, &self->e);
	r = &sh->r;
	zl_list(&self->e.a, la);
	zl_list(&self->e.b, lb);
	ASSERT_EQ(0, mkdir(CGCHILD, 0755)) TH_LOG("mkdir " CGCHILD ": %s", strerror(errno));
	self->e.cg_made = true;
	ASSERT_EQ(0, zl_write_str(CGCHILD "/cpuset.mems", la));

	cg_start_child(_metadata, &self->e, sh);
	zl_sleep_ms(20);
	t0 = zl_now_ms();
	i = cg_flips(_metadata, &self->e, sh, la, lb, t0 + cg_flip_ms(), &max_us);
	atomic_store(&sh->stop, true);
	ASSERT_EQ(self->e.child, waitpid(self->e.child, &status, 0));
	self->e.child = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	on_a = zl_racer_pages_on(r, &self->e.a);
	on_b = zl_racer_pages_on(r, &self->e.b);
	TH_LOG("%d flips of cpuset.mems %s <-> %s in %lld ms (the longest write %lld ms): %ld allocations (%ld on %s, %ld on %s), %ld with no write under them",
	       i, la, lb, zl_now_ms() - t0, max_us / 1000, r->allocs, on_a, la, on_b, lb, r->clean);
	EXPECT_EQ(0, r->fails) TH_LOG("%ld allocations failed, last %s", r->fails,
				      strerror(-r->err));
	EXPECT_EQ(0, r->err);
	EXPECT_EQ(0, r->outside)
		TH_LOG("%ld pages outside the mems allowed during their allocation, e.g. node %d (seq %ld..%ld)",
		       r->outside, r->bad_node, r->bad_s0, r->bad_s1);
	EXPECT_EQ(0, r->clean_wrong) TH_LOG("pages not on the mems in force all along");
	EXPECT_LT(0, on_a);
	EXPECT_LT(0, on_b) TH_LOG("the flips never reached the allocations");
	EXPECT_LT(0, r->clean);
	munmap(sh, sizeof(*sh));
	/* The teardown removes the cgroup and restores the controller. */
}

/* ---- rules of use ---- */

/* A context used by an alloc file or by stress cannot be destroyed (EBUSY). */
TEST_F(cpuset, context_in_use_is_busy)
{
	struct zl_ctx_stats st;

	self->e.fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->e.fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 1 ctx=" CTX));
	ctx_stats(_metadata, CTX, &st);
	EXPECT_EQ(1, st.users);
	EXPECT_EQ(-EBUSY, zl_ctx_destroy(CTX));
	EXPECT_TRUE(zl_ctx_exists(CTX));
	close(self->e.fd);
	self->e.fd = -1;
	ctx_stats(_metadata, CTX, &st);
	EXPECT_EQ(0, st.users);

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=1 hold=8 ctx=" CTX));
	self->e.stress = true;
	EXPECT_EQ(-EBUSY, zl_ctx_destroy(CTX));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->e.stress = false;
	ASSERT_EQ(0, zl_ctx_destroy(CTX));
	self->e.ctx = false;
	EXPECT_FALSE(zl_ctx_exists(CTX));
}

/* An alloc file is bound to its first context: another one is EBUSY and takes nothing. */
TEST_F(cpuset, alloc_file_binds_one_context)
{
	struct zl_held h;
	struct zl_ctx_stats st;

	ASSERT_EQ(0, zl_ctx_create_exempt(CTX2));
	self->e.ctx2 = true;
	self->e.fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->e.fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 2 ctx=" CTX));
	EXPECT_EQ(-EBUSY, zl_alloc_cmd(self->e.fd, "alloc 1 ctx=" CTX2));
	held(_metadata, self->e.fd, &h);
	EXPECT_EQ(2, h.pages);
	ctx_stats(_metadata, CTX2, &st);
	EXPECT_EQ(0, st.users);
	EXPECT_EQ(0, st.allocs);
	/* The same context again, or none named: both use the bound one. */
	EXPECT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 1 ctx=" CTX));
	EXPECT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 1"));
	ctx_stats(_metadata, CTX, &st);
	EXPECT_EQ(4, st.allocs);
	EXPECT_EQ(1, st.users);
}

/*
 * node= and thisnode with ctx= are EINVAL (the context's policy says
 * where); so they are on a file already bound to a context.
 */
TEST_F(cpuset, bound_file_rejects_node)
{
	struct zl_held h;
	int other;

	if (zl_mask_weight(&self->e.memory) < 2)
		SKIP(return, "fewer than two nodes with memory");
	other = zl_mask_nth(&self->e.memory, 1);
	self->e.fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->e.fd);
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->e.fd, "alloc 1 node=%d ctx=" CTX, other));
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->e.fd, "alloc 1 thisnode ctx=" CTX));
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%d", zl_mask_nth(&self->e.memory, 0)));
	ASSERT_EQ(0, zl_alloc_cmd(self->e.fd, "alloc 1 ctx=" CTX));
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->e.fd, "alloc 1 node=%d thisnode", other))
		TH_LOG("a file bound to a context took node=%d thisnode", other);
	held(_metadata, self->e.fd, &h);
	EXPECT_EQ(0, h.node[other]) TH_LOG("a page outside the context's mems");
}

/* At most 64 contexts: the 65th is ENOSPC and changes nothing; all go again. */
TEST_F(cpuset, at_most_64_contexts)
{
	char *list0, *list1, name[ZL_NAME_MAX];
	int i, made = 0, existing = 0;
	long long live;

	list0 = zl_read_file(ZL_CONTEXTS, NULL);
	ASSERT_NE(NULL, list0);
	for (i = 0; list0[i]; i++)
		existing += list0[i] == '\n';
	for (i = 0; existing + made < ZL_MAX_CTX; i++) {
		snprintf(name, sizeof(name), "zlt_many_%d", i);
		if (zl_ctx_create(name))
			break;
		made++;
	}
	EXPECT_EQ(ZL_MAX_CTX, existing + made);
	live = zl_policies_live();
	list1 = zl_read_file(ZL_CONTEXTS, NULL);
	ASSERT_NE(NULL, list1);
	EXPECT_EQ(-ENOSPC, zl_ctx_create("zlt_one_too_many"));
	EXPECT_FALSE(zl_ctx_exists("zlt_one_too_many"));
	free(list0);
	list0 = zl_read_file(ZL_CONTEXTS, NULL);
	ASSERT_NE(NULL, list0);
	EXPECT_STREQ(list1, list0);
	EXPECT_EQ(0, zl_policies_settle(live, 2000, NULL));
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "zlt_many_%d", i);
		EXPECT_EQ(0, zl_ctx_destroy(name)) TH_LOG("%s", name);
	}
	free(list0);
	free(list1);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_CONTEXTS) || !zl_path_exists(ZL_ALLOC) ||
	    zl_param("mems_retry") < 0)
		ksft_exit_skip("this zonelab has no contexts, alloc file or mems_retry\n");
	zl_prereq_every_node();
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
