// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's own OOM (issue 6): an allocation that fails after low, min,
 * drain-all and a last try picks the owner (alloc file, stress workers,
 * context) holding the most pages on the nodes it may use, adjusted by
 * oom_score_adj (-1000: never), marks it owner-wide and lets the reaper
 * free it; a victim's allocations may go down to half the min watermark,
 * never lower, everyone else's stop at min; oom_disable waits for the
 * victims to go and then refuses kills.
 *
 * Node X is a node whose pages zonelab keeps in one zone, with that
 * zone's pcplists disabled for the whole test, so that order-0 thisnode
 * allocations on it stop exactly where the watermark check says:
 * `pages free` > mark + protection[highest zone] allows one more page.
 * Node Y is another node with zonelab pages.
 *
 * Every test leaves nothing held: stress stopped, alloc files closed,
 * its contexts destroyed, oom_disable 0, no victim left, X's pcplists
 * enabled again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
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

/* Alloc files and contexts one test may have open. */
#define MAX_HOLDERS	6
#define MAX_CTX		2
#define OOM_MAX_OWNERS	64
/* How long a victim may take to go (the module waits 0.5 s itself). */
#define GONE_MS		5000
/* Zonelab pages X and Y need more than (find_nodes()). */
#define NODE_PAGES	2048

/* ---- the `oom` file ---- */
struct oom_owner {
	unsigned int id;
	char kind[16];
	char name[40];
	long pages, reaped;
	int adj, victim, kills, skip;
};

#define OWNER_FMT \
	"owner %u %15s %39s pages %ld reaped %ld oom_score_adj %d victim %d kills %d oom_skip %d%c"

struct oom_state {
	int disabled, victims, nr;
	struct oom_owner o[OOM_MAX_OWNERS];
};

/*
 * `oom` strictly: "disabled <0|1>", "victims <n>", then one owner line
 * each, every line ended by a newline.  0 or -errno.
 */
static int oom_read(struct oom_state *st)
{
	char *text = zl_read_file(ZL_OOM, NULL), line[256];
	const char *pos = text;
	int n = 0, err = 0;
	bool no_nl;
	char tail;

	if (!text)
		return -errno;
	memset(st, 0, sizeof(*st));
	while (!err && zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		struct oom_owner *o = &st->o[st->nr];

		if (no_nl)
			err = -EINVAL;
		else if (n == 0)
			err = sscanf(line, "disabled %d%c", &st->disabled, &tail) == 1 &&
			      (st->disabled == 0 || st->disabled == 1) ? 0 : -EINVAL;
		else if (n == 1)
			err = sscanf(line, "victims %d%c", &st->victims, &tail) == 1 &&
			      st->victims >= 0 ? 0 : -EINVAL;
		else if (st->nr == OOM_MAX_OWNERS)
			err = -ENOSPC;
		else if (sscanf(line, OWNER_FMT, &o->id, o->kind, o->name, &o->pages,
				&o->reaped, &o->adj, &o->victim, &o->kills, &o->skip,
				&tail) != 9 || (o->skip != 0 && o->skip != 1))
			err = -EINVAL;
		else
			st->nr++;
		n++;
	}
	if (!err && n < 2)
		err = -EINVAL;
	if (err)
		zl_log("bad `oom` text (line %d): %s\n", n, text);
	free(text);
	return err;
}

static const struct oom_owner *oom_find(const struct oom_state *st, unsigned int id)
{
	int i;

	for (i = 0; i < st->nr; i++)
		if (st->o[i].id == id)
			return &st->o[i];
	return NULL;
}

static const struct oom_owner *oom_find_name(const struct oom_state *st,
					     const char *kind, const char *name)
{
	int i;

	for (i = 0; i < st->nr; i++)
		if (!strcmp(st->o[i].kind, kind) && !strcmp(st->o[i].name, name))
			return &st->o[i];
	return NULL;
}

/* Owner @id as `oom` shows it now, into @out: 0 or -errno (-ENOENT). */
static int oom_owner(unsigned int id, struct oom_owner *out)
{
	struct oom_state *st = malloc(sizeof(*st));
	const struct oom_owner *o;
	int err;

	if (!st)
		return -ENOMEM;
	err = oom_read(st);
	o = err ? NULL : oom_find(st, id);
	if (!err && !o)
		err = -ENOENT;
	if (o)
		*out = *o;
	free(st);
	return err;
}

/*
 * Wait up to @ms until `oom` shows no victim and, with @id (owner ids
 * start at 1), owner @id chosen @kills times and no victim any more (its
 * pages went), its entry into @out: 0 or -ETIMEDOUT.
 */
static int wait_settled(unsigned int id, int kills, struct oom_owner *out, int ms)
{
	long long end = zl_now_ms() + ms;
	struct oom_state *st = malloc(sizeof(*st));
	int err = -ETIMEDOUT;

	if (!st)
		return -ENOMEM;
	do {
		const struct oom_owner *o;

		if (oom_read(st))
			break;
		o = id ? oom_find(st, id) : NULL;
		if (!st->victims && (!id || (o && o->kills == kills && !o->victim))) {
			if (o)
				*out = *o;
			err = 0;
			break;
		}
		zl_sleep_ms(10);
	} while (zl_now_ms() < end);
	free(st);
	return err;
}

/* Owner @id chosen @kills times and gone, and no victim left: 0 or -ETIMEDOUT. */
static int wait_gone(unsigned int id, int kills, struct oom_owner *out)
{
	return wait_settled(id, kills, out, GONE_MS);
}

/* Wait up to @ms until `oom` shows no victim: 0 or -ETIMEDOUT. */
static int wait_no_victims(int ms)
{
	return wait_settled(0, 0, NULL, ms);
}

/* ---- an alloc file's text ---- */
/*
 * Read @fd strictly: "pages <n>", "node <nid> <pages>" lines adding up to
 * it, then at most a last line "reaped <n>" (*reaped -1 without one).
 */
static int holder_read(int fd, long *pages, long *reaped)
{
	char *text = zl_read_fd_chunks(fd, 4096, NULL), line[128];
	const char *pos = text;
	long sum = 0, v;
	int n = 0, nid, last = -1, err = 0;
	bool no_nl;
	char tail;

	if (!text)
		return -errno;
	*reaped = -1;
	while (!err && zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl || *reaped >= 0) {
			err = -EINVAL;
		} else if (n == 0) {
			err = sscanf(line, "pages %ld%c", pages, &tail) == 1 ? 0 : -EINVAL;
		} else if (sscanf(line, "node %d %ld%c", &nid, &v, &tail) == 2 && nid > last) {
			sum += v;
			last = nid;
		} else if (sscanf(line, "reaped %ld%c", &v, &tail) == 1 && v > 0) {
			*reaped = v;
		} else {
			err = -EINVAL;
		}
		n++;
	}
	if (!err && (n == 0 || sum != *pages))
		err = -EINVAL;
	if (err)
		zl_log("bad alloc file text: %s\n", text);
	free(text);
	return err;
}

/* ---- the fixture ---- */
FIXTURE(oom)
{
	struct zl_zoneinfo *zi;
	const struct zl_zi_zone *zx;	/* node X's one zone, as at setup */
	int x, y;
	long min, prot;			/* X's min watermark and protection */
	int fd[MAX_HOLDERS];
	unsigned int id[MAX_HOLDERS];	/* their owner ids in `oom` */
	int nr_fd;
	char ctx[MAX_CTX][32];
	int nr_ctx;
	char enable_cmd[64];		/* undoes the pcp disable of X's zone */
	bool pcp_disabled;
	bool stress;
	struct zl_stats s0;
	struct zl_klog_mark mark;
};

/* Nodes X and Y, found by main(): X has one zonelab zone, Y is another. */
static int node_x = -1, node_y = -1;

FIXTURE_SETUP(oom)
{
	struct oom_state *st = malloc(sizeof(*st));
	struct zl_stress ss;
	char cmd[64];
	int i;

	zl_klog_mark(&self->mark);
	self->x = node_x;
	self->y = node_y;
	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, oom_read(st));
	ASSERT_EQ(0, st->disabled) TH_LOG("oom_disable is 1 before the test");
	ASSERT_EQ(0, st->victims) TH_LOG("a victim is left from before");
	free(st);
	ASSERT_EQ(0, zl_stress_read(&ss));
	ASSERT_EQ(0, ss.running) TH_LOG("stress is running: the pool is not quiescent");
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		ASSERT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free)
			TH_LOG("zone %d/%s: pages held by someone else",
			       self->zi->zone[i].nid, self->zi->zone[i].name);
	}
	for (i = 0; i < self->zi->nr; i++)
		if (self->zi->zone[i].nid == self->x)
			self->zx = &self->zi->zone[i];
	ASSERT_NE(NULL, self->zx);
	ASSERT_LT(0, self->zx->nr_prot);
	self->min = self->zx->min;
	/* The watermark check's lowmem_reserve[MAX_NR_ZONES - 1]. */
	self->prot = self->zx->protection[self->zx->nr_prot - 1];
	snprintf(cmd, sizeof(cmd), "disable %d %s", self->x, self->zx->name);
	snprintf(self->enable_cmd, sizeof(self->enable_cmd), "enable %d %s",
		 self->x, self->zx->name);
	ASSERT_EQ(0, zl_cmd(ZL_PCP, cmd));
	self->pcp_disabled = true;
	ASSERT_EQ(0, zl_stats_read(&self->s0));
}

FIXTURE_TEARDOWN(oom)
{
	int i;

	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->stress) {
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	}
	for (i = 0; i < self->nr_fd; i++)
		close(self->fd[i]);
	for (i = 0; i < self->nr_ctx; i++)
		EXPECT_EQ(0, zl_ctx_destroy(self->ctx[i])) TH_LOG("destroy %s", self->ctx[i]);
	EXPECT_EQ(0, zl_cmd(ZL_OOM_DISABLE, "0"));
	EXPECT_EQ(0, zl_param_set("walk_delay_us", 0));
	if (self->pcp_disabled) {
		EXPECT_EQ(0, zl_cmd(ZL_PCP, self->enable_cmd));
	}
	EXPECT_EQ(0, wait_no_victims(GONE_MS)) TH_LOG("a victim is left");
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Open an alloc file, remember it and its owner id; its index. */
static int holder_open(struct __test_metadata *_metadata, FIXTURE_DATA(oom) *self)
{
	struct oom_state *st;
	int i, h = self->nr_fd;
	char name[32];

	ASSERT_GT(MAX_HOLDERS, h);
	self->fd[h] = zl_alloc_open();
	ASSERT_LE(0, self->fd[h]);
	self->nr_fd++;
	/* The newest owner named after this process is the file's. */
	snprintf(name, sizeof(name), "pid%d", getpid());
	self->id[h] = 0;
	st = malloc(sizeof(*st));
	if (st && !oom_read(st))
		for (i = 0; i < st->nr; i++)
			if (!strcmp(st->o[i].kind, "file") && !strcmp(st->o[i].name, name) &&
			    st->o[i].id > self->id[h])
				self->id[h] = st->o[i].id;
	free(st);
	ASSERT_NE(0U, self->id[h]) TH_LOG("no `oom` owner %s for a new alloc file", name);
	return h;
}

/* An alloc file with oom_score_adj @adj holding @pages order-0 pages of @nid. */
static int holder_with(struct __test_metadata *_metadata, FIXTURE_DATA(oom) *self,
		       int adj, long pages, int nid)
{
	int h = holder_open(_metadata, self);

	if (adj) {
		EXPECT_EQ(0, zl_alloc_cmd(self->fd[h], "oom_score_adj %d", adj));
	}
	if (pages) {
		EXPECT_EQ(0, zl_alloc_cmd(self->fd[h], "alloc %ld node=%d thisnode", pages, nid));
	}
	return h;
}

static void ctx_create(struct __test_metadata *_metadata, FIXTURE_DATA(oom) *self,
		       const char *name)
{
	ASSERT_LT(self->nr_ctx, MAX_CTX);
	ASSERT_EQ(0, zl_ctx_create(name)) TH_LOG("create %s", name);
	snprintf(self->ctx[self->nr_ctx++], sizeof(self->ctx[0]), "%s", name);
}

/* X's zone's `pages free` now. */
static long x_free(struct __test_metadata *_metadata, FIXTURE_DATA(oom) *self)
{
	const struct zl_zi_zone *z;

	EXPECT_EQ(0, zl_zoneinfo_read(self->zi));
	z = zl_zoneinfo_find(self->zi, self->x, self->zx->name);
	EXPECT_NE(NULL, z);
	EXPECT_EQ(0, zl_zi_pcp_total(z)) TH_LOG("pages in a disabled pcplist");
	return z ? z->free : -1;
}

/* Pages a non-victim may still take from X: free above min + protection. */
static long x_cap(struct __test_metadata *_metadata, FIXTURE_DATA(oom) *self)
{
	return x_free(_metadata, self) - (self->min + self->prot);
}

static long stat_delta(FIXTURE_DATA(oom) *self, const char *key)
{
	return zl_stat_get(key) - zl_stat(&self->s0, key);
}

/*
 * The biggest eligible holder on the allocation's nodes is the victim:
 * of two default files on X the bigger one goes, the smaller one keeps
 * everything, and the allocation that declared OOM then succeeds.
 */
TEST_F(oom, biggest_eligible_holder_chosen)
{
	struct oom_owner a, b, c;
	int ha, hb, hc;
	long cap;

	ha = holder_with(_metadata, self, 0, 256, self->x);
	hb = holder_with(_metadata, self, 0, 1024, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	cap = x_cap(_metadata, self);
	ASSERT_LT(0, cap);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", cap + 512,
				  self->x));
	ASSERT_EQ(0, wait_gone(self->id[hb], 1, &b)) TH_LOG("the bigger file was not killed");
	EXPECT_EQ(0, b.pages);
	EXPECT_EQ(1024, b.reaped);
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	EXPECT_EQ(0, a.kills) TH_LOG("the smaller file was chosen");
	EXPECT_EQ(256, a.pages);
	EXPECT_EQ(0, a.reaped);
	ASSERT_EQ(0, oom_owner(self->id[hc], &c));
	EXPECT_EQ(cap + 512, c.pages);
	EXPECT_EQ(0, c.kills);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
	EXPECT_EQ(1024, stat_delta(self, "oom_reaped_pages"));
	EXPECT_EQ(0, stat_delta(self, "oom_reserve_allocs"));
}

/* oom_score_adj -1000 is never chosen, however much it holds. */
TEST_F(oom, exempt_holder_never_chosen)
{
	struct oom_owner a, b;
	int ha, hb, hc;
	long cap;

	hb = holder_with(_metadata, self, -1000, 1024, self->x);
	ha = holder_with(_metadata, self, 0, 256, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	cap = x_cap(_metadata, self);
	ASSERT_LT(0, cap);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", cap + 128,
				  self->x));
	ASSERT_EQ(0, wait_gone(self->id[ha], 1, &a)) TH_LOG("the eligible file was not killed");
	EXPECT_EQ(256, a.reaped);
	ASSERT_EQ(0, oom_owner(self->id[hb], &b));
	EXPECT_EQ(0, b.kills) TH_LOG("an oom_score_adj -1000 owner was chosen");
	EXPECT_EQ(1024, b.pages);
	EXPECT_EQ(-1000, b.adj);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/* Only exempt holders: the allocation fails with ENOMEM and nobody is killed. */
TEST_F(oom, only_exempt_holders_enomem)
{
	struct oom_owner b, c;
	int hb, hc;
	long cap;

	hb = holder_with(_metadata, self, -1000, 1024, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	cap = x_cap(_metadata, self);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", cap + 1,
					self->x));
	ASSERT_EQ(0, oom_owner(self->id[hb], &b));
	EXPECT_EQ(1024, b.pages);
	EXPECT_EQ(0, b.kills);
	ASSERT_EQ(0, oom_owner(self->id[hc], &c));
	EXPECT_EQ(cap, c.pages);
	EXPECT_EQ(0, c.kills);
	EXPECT_EQ(0, stat_delta(self, "oom_kills"));
	EXPECT_EQ(0, stat_delta(self, "oom_reaped_pages"));
	EXPECT_EQ(0, wait_no_victims(0));
}

/*
 * A victim allocates below min, down to min - min/2 and never lower: the
 * only holder of X, allocating all of X, chooses itself and stops with
 * exactly min - min/2 + protection pages free (what the reaper then took
 * back tells), min/2 of them from the OOM reserve.
 */
TEST_F(oom, victim_reserve_stops_at_half_min)
{
	long f0 = x_free(_metadata, self), floor = self->min - self->min / 2 + self->prot;
	long pages, reaped;
	struct oom_owner a;
	int ha;

	if (self->min / 2 == 0)
		SKIP(return, "node %d's min watermark %ld leaves no reserve", self->x, self->min);
	ha = holder_open(_metadata, self);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[ha], "alloc %ld node=%d thisnode", f0,
					self->x));
	ASSERT_EQ(0, wait_gone(self->id[ha], 1, &a)) TH_LOG("the file did not choose itself");
	TH_LOG("node %d: free %ld, min %ld, protection %ld: the victim got %ld pages",
	       self->x, f0, self->min, self->prot, a.reaped);
	EXPECT_EQ(f0 - floor, a.reaped)
		TH_LOG("the victim stopped at %ld free, not min - min/2 = %ld",
		       f0 - a.reaped, floor);
	EXPECT_EQ(self->min / 2, stat_delta(self, "oom_reserve_allocs"));
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
	ASSERT_EQ(0, holder_read(self->fd[ha], &pages, &reaped));
	EXPECT_EQ(0, pages);
	EXPECT_EQ(f0 - floor, reaped);
	EXPECT_EQ(f0, x_free(_metadata, self));
}

/*
 * A non-victim stops at min: the OOM it declares kills a holder on
 * another node (oom_score_adj 1000), which does not help; the retry
 * fails and exactly min + protection pages stay free on X.
 */
TEST_F(oom, non_victim_fails_at_min)
{
	long f0 = x_free(_metadata, self);
	struct oom_owner b, c;
	int hb, hc;

	hb = holder_with(_metadata, self, 1000, 1, self->y);
	hc = holder_open(_metadata, self);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", f0,
					self->x));
	EXPECT_EQ(self->min + self->prot, x_free(_metadata, self))
		TH_LOG("node %d's zone after a non-victim failed (min %ld, protection %ld)",
		       self->x, self->min, self->prot);
	ASSERT_EQ(0, oom_owner(self->id[hc], &c));
	EXPECT_EQ(f0 - self->min - self->prot, c.pages);
	EXPECT_EQ(0, c.victim);
	EXPECT_EQ(0, c.kills);
	ASSERT_EQ(0, wait_gone(self->id[hb], 1, &b)) TH_LOG("no kill of the +1000 file");
	EXPECT_EQ(1, b.reaped);
	EXPECT_EQ(0, stat_delta(self, "oom_reserve_allocs"));
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/*
 * The reaper frees an idle victim's pages (zoneinfo's free pages come
 * back at once), its read ends with `reaped <pages>`, its next write
 * fails with ENOMEM once and the one after works.
 */
TEST_F(oom, reaper_restores_free_pages)
{
	long pages, reaped, low_free;
	struct oom_owner a;
	int ha, hc;
	long cap;

	ha = holder_with(_metadata, self, 0, 1024, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	cap = x_cap(_metadata, self);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", cap + 1,
				  self->x));
	ASSERT_EQ(0, wait_gone(self->id[ha], 1, &a));
	EXPECT_EQ(0, a.pages);
	EXPECT_EQ(1024, a.reaped);
	low_free = self->min + self->prot;
	EXPECT_EQ(low_free + 1024 - 1, x_free(_metadata, self))
		TH_LOG("the reaped pages are not free again");
	EXPECT_EQ(1024, stat_delta(self, "oom_reaped_pages"));

	ASSERT_EQ(0, holder_read(self->fd[ha], &pages, &reaped));
	EXPECT_EQ(0, pages);
	EXPECT_EQ(1024, reaped);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[ha], "alloc 1 node=%d thisnode", self->x))
		TH_LOG("the first write after the reap did not fail");
	EXPECT_EQ(0, zl_alloc_cmd(self->fd[ha], "alloc 1 node=%d thisnode", self->x))
		TH_LOG("the reaped file stays unusable");
	ASSERT_EQ(0, holder_read(self->fd[ha], &pages, &reaped));
	EXPECT_EQ(1, pages);
	EXPECT_EQ(1024, reaped);
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	EXPECT_EQ(1, a.kills);
	EXPECT_EQ(0, a.victim);

	EXPECT_EQ(0, zl_alloc_cmd(self->fd[hc], "free all"));
	EXPECT_EQ(0, zl_alloc_cmd(self->fd[ha], "free all"));
	EXPECT_EQ(self->zx->managed, x_free(_metadata, self));
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

#define WORKERS		4
#define WORKER_HOLD	256

/*
 * Stress workers on Y (@ctx: under that context, bound to Y; NULL: as
 * the stress owner) are one owner: an OOM on X takes them all, every
 * worker frees its ring (the owner's pages reach 0, the mark goes), the
 * owner is chosen once, and the workers go on allocating afterwards.
 */
static void workers_all_marked(struct __test_metadata *_metadata,
			       FIXTURE_DATA(oom) *self, const char *ctx)
{
	const char *kind = ctx ? "ctx" : "stress", *name = ctx ? ctx : "workers";
	struct oom_state *st = malloc(sizeof(*st));
	const struct oom_owner *o = NULL;
	struct oom_owner w;
	long long end;
	struct zl_stress s0, s1;
	unsigned int id;
	char cmd[128];
	int hc;

	ASSERT_NE(NULL, st);
	if (ctx) {
		ctx_create(_metadata, self, ctx);
		ASSERT_EQ(0, zl_ctx_write(ctx, "policy", "bind:%d", self->y));
		snprintf(cmd, sizeof(cmd), "start ctx=%s threads=%d order_max=0 hold=%d",
			 ctx, WORKERS, WORKER_HOLD);
	} else {
		snprintf(cmd, sizeof(cmd), "start threads=%d order_max=0 hold=%d node=%d",
			 WORKERS, WORKER_HOLD, self->y);
	}
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, cmd)) TH_LOG("%s", cmd);
	self->stress = true;
	/* Every ring full: each worker holds hold - 1 pages between steps. */
	end = zl_now_ms() + 10000;
	do {
		zl_sleep_ms(20);
		ASSERT_EQ(0, oom_read(st));
		o = oom_find_name(st, kind, name);
		ASSERT_NE(NULL, o);
	} while (o->pages < WORKERS * (WORKER_HOLD - 1) && zl_now_ms() < end);
	ASSERT_LE(WORKERS * (WORKER_HOLD - 1), o->pages) TH_LOG("the rings never filled");
	id = o->id;
	free(st);

	hc = holder_with(_metadata, self, -1000, 0, self->x);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode",
					x_free(_metadata, self), self->x));
	ASSERT_EQ(0, wait_gone(id, 1, &w)) TH_LOG("the workers' pages never all went");
	TH_LOG("%s %s: %ld pages reaped", kind, name, w.reaped);
	EXPECT_LE(WORKERS * (WORKER_HOLD - 1), w.reaped) TH_LOG("a worker kept its ring");
	EXPECT_EQ(w.reaped, stat_delta(self, "oom_reaped_pages"));
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));

	ASSERT_EQ(0, zl_stress_read(&s0));
	zl_sleep_ms(300);
	ASSERT_EQ(0, zl_stress_read(&s1));
	EXPECT_EQ(1, s1.running);
	EXPECT_LT(s0.ops, s1.ops) TH_LOG("the workers stopped allocating");
	ASSERT_EQ(0, oom_owner(id, &w));
	EXPECT_EQ(1, w.kills) TH_LOG("the workers were chosen again");
	EXPECT_EQ(0, w.victim);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/* The stress workers, one owner: all of them are marked and free their rings. */
TEST_F(oom, stress_workers_all_marked)
{
	workers_all_marked(_metadata, self, NULL);
}

/* Workers under a context: the context is the victim, every worker frees. */
TEST_F(oom, context_workers_all_marked)
{
	workers_all_marked(_metadata, self, "oomt_workers");
}

struct victim_writer {
	int fd, nid;
	long count;
	int err;
};

static void *victim_write(void *arg)
{
	struct victim_writer *v = arg;

	v->err = zl_alloc_cmd(v->fd, "alloc %ld node=%d thisnode", v->count, v->nid);
	return NULL;
}

/* The victim's window is watched while it allocates: that takes two CPUs. */
static bool two_cpus(void)
{
	struct zl_mask cpus;

	return zl_online_cpus(&cpus) >= 2;
}

/*
 * Start a writer on a new holder (@ha) that asks for all of X's free
 * pages, then wait until the holder shows as a victim or GONE_MS pass:
 * @seen says which, @a holds its last `oom` entry.  pthread_create()'s
 * error, or 0.
 */
static int start_victim(struct __test_metadata *_metadata,
			FIXTURE_DATA(oom) *self, struct victim_writer *v,
			pthread_t *thread, int *ha, struct oom_owner *a, bool *seen)
{
	long long end = zl_now_ms() + GONE_MS;
	int err;

	*ha = holder_open(_metadata, self);
	v->fd = self->fd[*ha];
	v->count = x_free(_metadata, self);
	err = pthread_create(thread, NULL, victim_write, v);
	*seen = false;
	while (!err && !*seen && zl_now_ms() < end) {
		if (oom_owner(self->id[*ha], a))
			break;
		*seen = a->victim;
	}
	return err;
}

/*
 * oom_disable 1 waits for an exiting victim: a file that chose itself and
 * still allocates from the reserve is a victim until its write ends and
 * the reaper takes its pages; the disable returns only after that.
 */
TEST_F(oom, oom_disable_waits_for_victim)
{
	struct victim_writer v = { .nid = self->x };
	long long t0, t1;
	struct oom_owner a;
	pthread_t thread;
	bool seen;
	int ha, err;
	long val;

	if (!two_cpus())
		SKIP(return, "one CPU: the writer's victim window passes unwatched");
	ASSERT_EQ(0, start_victim(_metadata, self, &v, &thread, &ha, &a, &seen));
	t0 = zl_now_ms();
	err = zl_cmd(ZL_OOM_DISABLE, "1");
	t1 = zl_now_ms();
	/* What holds when the disable returns, before anything else runs. */
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	pthread_join(thread, NULL);
	ASSERT_TRUE(seen) TH_LOG("the file never showed as a victim");
	EXPECT_EQ(0, err) TH_LOG("oom_disable 1: %s", strerror(-err));
	EXPECT_EQ(-ENOMEM, v.err);
	EXPECT_EQ(0, a.victim) TH_LOG("oom_disable returned with the victim still there");
	EXPECT_EQ(0, a.pages);
	EXPECT_LT(0, a.reaped);
	TH_LOG("oom_disable 1 waited %lld ms", t1 - t0);
	ASSERT_EQ(0, zl_read_long(ZL_OOM_DISABLE, &val));
	EXPECT_EQ(1, val);
}

/* A busy victim: one walk of 10 ms a page for BUSY_PAGES pages of Y. */
#define BUSY_PAGES	300

/* Alloc once a page on X from @h until it works or @ms pass: 0 or -errno. */
static int alloc_until(FIXTURE_DATA(oom) *self, int h, int ms)
{
	long long end = zl_now_ms() + ms;
	int err;

	do
		err = zl_alloc_cmd(self->fd[h], "alloc 1 node=%d thisnode", self->x);
	while (err == -ENOMEM && zl_now_ms() < end);
	return err;
}

/*
 * No second victim while one is on its way out, as oom_evaluate_task()
 * aborts its scan; until the reaper gives up on it (MMF_OOM_SKIP, after
 * ten tries 0.1 s apart).  The biggest file on X is busy allocating on Y
 * (its lock held, so it cannot be reaped); the exempt file's first OOM
 * picks it, the second one picks nobody (oom_pending), not the smaller
 * file on X, and only once the busy one shows oom_skip does a third take
 * the smaller file.  oom_kill.c's rules applied to zonelab's owners: the
 * kernel cannot be asked, its OOM works on tasks.
 */
TEST_F_TIMEOUT(oom, no_second_victim_while_one_is_pending, 60)
{
	struct victim_writer v = { .nid = self->y, .count = BUSY_PAGES };
	struct oom_owner a, b;
	pthread_t thread;
	int ha, hb, hc, err;

	if (!two_cpus())
		SKIP(return, "one CPU: the busy file would hold it");
	ha = holder_with(_metadata, self, 0, 1024, self->x);
	hb = holder_with(_metadata, self, 0, 256, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode",
				  x_cap(_metadata, self), self->x));
	ASSERT_EQ(0, zl_param_set("walk_delay_us", 10000));
	v.fd = self->fd[ha];
	ASSERT_EQ(0, pthread_create(&thread, NULL, victim_write, &v));
	zl_sleep_ms(100);

	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc 1 node=%d thisnode", self->x));
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	ASSERT_EQ(1, a.victim) TH_LOG("the busy file was not chosen");
	if (a.skip)
		SKIP(goto out, "the reaper gave up before the second OOM could run");
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc 1 node=%d thisnode", self->x));
	ASSERT_EQ(0, oom_owner(self->id[hb], &b));
	EXPECT_EQ(0, b.kills) TH_LOG("a second victim while the first was on its way out");
	EXPECT_LE(1, stat_delta(self, "oom_pending"));

	err = alloc_until(self, hc, GONE_MS);
	EXPECT_EQ(0, err) TH_LOG("alloc 1: %s", strerror(-err));
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	EXPECT_EQ(1, a.skip) TH_LOG("the next victim came before the reaper gave up");
	EXPECT_EQ(1, a.victim) TH_LOG("the busy file went while busy");
	ASSERT_EQ(0, oom_owner(self->id[hb], &b));
	EXPECT_EQ(1, b.kills);
	EXPECT_EQ(2, stat_delta(self, "oom_kills"));
out:
	EXPECT_EQ(0, zl_param_set("walk_delay_us", 0));
	pthread_join(thread, NULL);
	EXPECT_EQ(0, v.err) TH_LOG("the busy file: %s", strerror(-v.err));
	/* The reaper takes its pages once its lock is free. */
	EXPECT_EQ(0, wait_gone(self->id[ha], 1, &a)) TH_LOG("the busy file never went");
}

/*
 * With oom_disable 1 nothing is killed: the allocation fails with ENOMEM
 * and the eligible holder keeps its pages; after 0 the same kill happens.
 */
TEST_F(oom, oom_disable_blocks_kills)
{
	struct oom_state *st = malloc(sizeof(*st));
	struct oom_owner b, c;
	int hb, hc;
	long cap, val;

	ASSERT_NE(NULL, st);
	hb = holder_with(_metadata, self, 0, 512, self->x);
	hc = holder_with(_metadata, self, -1000, 0, self->x);
	ASSERT_EQ(0, zl_cmd(ZL_OOM_DISABLE, "1"));
	ASSERT_EQ(0, zl_read_long(ZL_OOM_DISABLE, &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, oom_read(st));
	EXPECT_EQ(1, st->disabled);
	free(st);

	cap = x_cap(_metadata, self);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd[hc], "alloc %ld node=%d thisnode", cap + 1,
					self->x));
	ASSERT_EQ(0, oom_owner(self->id[hb], &b));
	EXPECT_EQ(0, b.kills) TH_LOG("a kill while oom_disable is 1");
	EXPECT_EQ(512, b.pages);
	ASSERT_EQ(0, oom_owner(self->id[hc], &c));
	EXPECT_EQ(cap, c.pages);
	EXPECT_EQ(0, stat_delta(self, "oom_kills"));

	ASSERT_EQ(0, zl_cmd(ZL_OOM_DISABLE, "0"));
	ASSERT_EQ(0, zl_read_long(ZL_OOM_DISABLE, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(0, zl_alloc_cmd(self->fd[hc], "alloc 1 node=%d thisnode", self->x));
	ASSERT_EQ(0, wait_gone(self->id[hb], 1, &b)) TH_LOG("no kill after oom_disable 0");
	EXPECT_EQ(512, b.reaped);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/*
 * Under a context's bind policy the victim is chosen among the holders of
 * the bound nodes only: the smaller file on X goes, not the bigger one on Y.
 */
TEST_F(oom, bind_policy_picks_holders_of_its_nodes)
{
	const char *ctx = "oomt_bind";
	struct oom_owner hxo, hyo;
	int hx, hy, hd;
	long cap;

	ctx_create(_metadata, self, ctx);
	ASSERT_EQ(0, zl_ctx_write(ctx, "policy", "bind:%d", self->x));
	ASSERT_EQ(0, zl_ctx_write(ctx, "oom_score_adj", "-1000"));
	hy = holder_with(_metadata, self, 0, 1536, self->y);
	hx = holder_with(_metadata, self, 0, 256, self->x);
	hd = holder_open(_metadata, self);
	cap = x_cap(_metadata, self);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hd], "alloc %ld ctx=%s", cap + 128, ctx));
	ASSERT_EQ(0, wait_gone(self->id[hx], 1, &hxo)) TH_LOG("the holder on node %d survived",
							      self->x);
	EXPECT_EQ(256, hxo.reaped);
	ASSERT_EQ(0, oom_owner(self->id[hy], &hyo));
	EXPECT_EQ(0, hyo.kills) TH_LOG("the bigger holder on node %d, outside the policy, went",
				       self->y);
	EXPECT_EQ(1536, hyo.pages);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/*
 * oom_score_adj is a share of the pages the allocation is held to, as
 * oom_badness() takes constrained_alloc()'s totalpages: under a bind
 * policy to X, the pages of X.  A file of 256 pages with an adj that
 * makes it the bigger one against the whole pool, but not against X's
 * pages, loses to a file of 1024 pages.  The formula is oom_badness()'s
 * and the totals are zonelab's zoneinfo (the kernel cannot be asked: its
 * OOM works on tasks and real nodes).
 */
TEST_F(oom, adj_is_a_share_of_the_constrained_pages)
{
	const char *ctx = "oomt_total";
	long tx = zl_zi_managed(self->zi, self->x), pool = 0, cap;
	struct oom_owner ao, bo;
	int i, ha, hb, hd, adj;

	for (i = 0; i < self->zi->nr; i++)
		pool += self->zi->zone[i].managed;
	/* The smallest adj that wins against the pool, by 64, but not against X. */
	for (adj = 1; adj <= 1000 && 256 + adj * pool / 1000 < 1024 + 64; adj++)
		;
	if (adj > 1000 || 256 + adj * tx / 1000 > 1024 - 64)
		SKIP(return, "no adj tells X's %ld pages from the pool's %ld", tx, pool);
	TH_LOG("adj %d: %ld points against the pool's %ld pages, %ld against X's %ld",
	       adj, 256 + adj * pool / 1000, pool, 256 + adj * tx / 1000, tx);
	ctx_create(_metadata, self, ctx);
	ASSERT_EQ(0, zl_ctx_write(ctx, "policy", "bind:%d", self->x));
	ASSERT_EQ(0, zl_ctx_write(ctx, "oom_score_adj", "-1000"));
	ha = holder_with(_metadata, self, adj, 256, self->x);
	hb = holder_with(_metadata, self, 0, 1024, self->x);
	hd = holder_open(_metadata, self);
	cap = x_cap(_metadata, self);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd[hd], "alloc %ld ctx=%s", cap + 128, ctx));
	ASSERT_EQ(0, wait_gone(self->id[hb], 1, &bo))
		TH_LOG("the 1024-page file was not chosen");
	ASSERT_EQ(0, oom_owner(self->id[ha], &ao));
	EXPECT_EQ(0, ao.kills) TH_LOG("adj counted in thousandths of the whole pool");
	EXPECT_EQ(256, ao.pages);
	EXPECT_EQ(1, stat_delta(self, "oom_kills"));
}

/*
 * cpuset01: stress under a context while its mems flip between two nodes
 * from user space, far from exhaustion: no allocation fails, no premature
 * OOM is counted and nobody is killed.
 */
TEST_F(oom, no_premature_oom_under_mems_flips)
{
	const char *ctx = "oomt_cpuset";
	struct zl_stress s0, s1;
	char mems[2][16], buf[64], *text;
	long long end;
	int flips = 0;

	ctx_create(_metadata, self, ctx);
	snprintf(mems[0], sizeof(mems[0]), "%d", self->x);
	snprintf(mems[1], sizeof(mems[1]), "%d", self->y);
	ASSERT_EQ(0, zl_ctx_write(ctx, "policy", "interleave:%d,%d", self->x, self->y));
	ASSERT_EQ(0, zl_stress_read(&s0));
	snprintf(buf, sizeof(buf), "start ctx=%s threads=2 order_max=0 hold=512", ctx);
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, buf));
	self->stress = true;
	end = zl_now_ms() + 2000;
	while (zl_now_ms() < end) {
		ASSERT_EQ(0, zl_ctx_write(ctx, "mems", "%s", mems[flips % 2]));
		flips++;
	}
	ASSERT_EQ(0, zl_stress_read(&s1));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->stress = false;
	text = zl_ctx_read(ctx, "stats");
	ASSERT_NE(NULL, text);
	TH_LOG("%d mems flips, %ld allocations; ctx stats: %s", flips, s1.ops - s0.ops, text);
	EXPECT_NE(NULL, strstr(text, "\nfails 0\n")) TH_LOG("allocations failed with memory free");
	free(text);
	EXPECT_LT(s0.ops, s1.ops);
	EXPECT_EQ(s0.fails, s1.fails);
	EXPECT_EQ(0, stat_delta(self, "premature_oom"));
	EXPECT_EQ(0, stat_delta(self, "oom_kills"));
	EXPECT_EQ(0, stat_delta(self, "policy_violations"));
}

/*
 * The knobs: an alloc file's oom_score_adj (ERANGE outside -1000..1000,
 * EINVAL once bound to a context, nothing changed by either), a
 * context's, and the stress workers' from `stress start`.
 */
TEST_F(oom, oom_score_adj_knobs)
{
	struct oom_state *st = malloc(sizeof(*st));
	const char *ctx = "oomt_knobs";
	const struct oom_owner *o;
	struct oom_owner a;
	char path[128];
	int ha;
	long val;

	ASSERT_NE(NULL, st);
	ha = holder_open(_metadata, self);
	EXPECT_EQ(0, zl_alloc_cmd(self->fd[ha], "oom_score_adj 500"));
	EXPECT_EQ(-ERANGE, zl_alloc_cmd(self->fd[ha], "oom_score_adj 1001"));
	EXPECT_EQ(-ERANGE, zl_alloc_cmd(self->fd[ha], "oom_score_adj -1001"));
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	EXPECT_EQ(500, a.adj);

	ctx_create(_metadata, self, ctx);
	EXPECT_EQ(0, zl_alloc_cmd(self->fd[ha], "alloc 1 ctx=%s", ctx));
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->fd[ha], "oom_score_adj 0"))
		TH_LOG("oom_score_adj of a file bound to a context");
	ASSERT_EQ(0, oom_owner(self->id[ha], &a));
	EXPECT_EQ(500, a.adj);
	EXPECT_EQ(0, a.pages) TH_LOG("a bound file's pages are its context's");

	zl_ctx_path(path, sizeof(path), ctx, "oom_score_adj");
	ASSERT_EQ(0, zl_read_long(path, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(0, zl_ctx_write(ctx, "oom_score_adj", "-1000"));
	EXPECT_EQ(-ERANGE, zl_ctx_write(ctx, "oom_score_adj", "1001"));
	ASSERT_EQ(0, zl_read_long(path, &val));
	EXPECT_EQ(-1000, val);
	ASSERT_EQ(0, oom_read(st));
	o = oom_find_name(st, "ctx", ctx);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-1000, o->adj);
	EXPECT_EQ(1, o->pages);

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=1 hold=1 oom_score_adj=-500"));
	self->stress = true;
	ASSERT_EQ(0, oom_read(st));
	o = oom_find_name(st, "stress", "workers");
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-500, o->adj);
	free(st);
}

/*
 * Nodes X (one zonelab zone of more than NODE_PAGES pages) and Y (the
 * other node with the most zonelab pages, more than NODE_PAGES too: tests
 * put up to 1536 pages there).  A node's share of the pool is a quarter
 * of its free memory at load, so a small node (node 0 under KASAN, whose
 * shadow lives there) may have only 1024 pages: as Y it would go to OOM
 * on the tests' own setup.
 */
static bool find_nodes(void)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	long best = 0;
	int i, n;

	if (!zi || zl_zoneinfo_read(zi)) {
		free(zi);
		return false;
	}
	for (i = 0; i < zi->nr && node_x < 0; i++) {
		for (n = 0; n < zi->nr; n++)
			if (n != i && zi->zone[n].nid == zi->zone[i].nid)
				break;
		if (n == zi->nr && zi->zone[i].managed > NODE_PAGES)
			node_x = zi->zone[i].nid;
	}
	for (i = 0; i < zi->nr && node_x >= 0; i++) {
		long pages = zl_zi_managed(zi, zi->zone[i].nid);

		if (zi->zone[i].nid != node_x && pages > NODE_PAGES && pages > best) {
			node_y = zi->zone[i].nid;
			best = pages;
		}
	}
	free(zi);
	return node_x >= 0 && node_y >= 0;
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_OOM) || !zl_path_exists(ZL_OOM_DISABLE))
		ksft_exit_skip("this zonelab has no oom/oom_disable files\n");
	if (!find_nodes())
		ksft_exit_skip("need two nodes of over %d zonelab pages, one in one zone\n",
			       NODE_PAGES);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
