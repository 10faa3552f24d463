// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab module life cycle: loading creates the debugfs files and
 * reserves the pool, unloading removes them and returns every zonelist
 * generation and every reserved page, reloading works.  Every test leaves
 * the module loaded or unloaded, as it found it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"

static const struct {
	const char *path;
	mode_t mode;
} zl_files[] = {
	{ ZL_TOPOLOGY, 0600 },
	{ ZL_ZONELISTS, 0400 },
	{ ZL_KZONELISTS, 0400 },
	{ ZL_STATS, 0400 },
	{ ZL_REBUILD, 0200 },
	{ ZL_ZONEINFO, 0400 },
	{ ZL_BUDDYINFO, 0400 },
	{ ZL_ALLOC, 0600 },
	{ ZL_STRESS, 0600 },
	{ ZL_BENCH, 0600 },
	{ ZL_PCP, 0200 },
	{ ZL_BLOCKS, 0400 },
	{ ZL_HOTPLUG, 0200 },
	{ ZL_REBUILD_MODE, 0600 },
	{ ZL_STORM, 0600 },
	{ ZL_BENCH_REBUILD, 0600 },
	{ ZL_CONTEXTS, 0600 },
	{ ZL_REGIONS, 0600 },
	{ ZL_OOM, 0400 },
	{ ZL_OOM_DISABLE, 0600 },
};

#define NR_FILES	(ARRAY_SIZE(zl_files))

/* Files that list what users made: empty on a fresh load. */
static bool may_be_empty(const char *path)
{
	return !strcmp(path, ZL_CONTEXTS) || !strcmp(path, ZL_REGIONS);
}

FIXTURE(load)
{
	bool was_loaded;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(load)
{
	self->was_loaded = zl_module_loaded();
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(load)
{
	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->was_loaded && !zl_module_loaded())
		EXPECT_EQ(0, zl_module_load());
	if (!self->was_loaded && zl_module_loaded())
		EXPECT_EQ(0, zl_module_unload());
	EXPECT_EQ(self->was_loaded, zl_module_loaded());
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Load the module from scratch: unload it first if needed (and possible). */
static bool fresh_load(struct __test_metadata *_metadata)
{
	if (zl_module_loaded()) {
		if (!zl_ko_path()) {
			TH_LOG("zonelab is loaded and no zonelab.ko to reload it");
			return false;
		}
		EXPECT_EQ(0, zl_module_unload())
			return false;
	}
	EXPECT_EQ(0, zl_module_load())
		return false;
	return true;
}

/*
 * The unloaded line logged after @mark: A == F and A >= @min_alloc;
 * pages reserved R == returned T, and both equal @pages when it is >= 0
 * (the pool the instance reported while loaded).
 */
static void check_unloaded_line(struct __test_metadata *_metadata,
				const struct zl_klog_mark *mark, long min_alloc,
				long pages)
{
	long alloc = -1, freed = -2, reserved = -3, returned = -4;
	char *log = zl_klog_since(mark, NULL);

	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_unloaded_pages(log, &alloc, &freed, &reserved,
						 &returned))
		TH_LOG("no 'zonelab: unloaded: generations allocated A freed F, "
		       "pages reserved R returned T' line");
	free(log);
	EXPECT_EQ(alloc, freed)
		TH_LOG("generations leaked: allocated %ld freed %ld", alloc, freed);
	EXPECT_LE(min_alloc, alloc);
	EXPECT_EQ(reserved, returned)
		TH_LOG("pages leaked: reserved %ld returned %ld", reserved, returned);
	EXPECT_LT(0, reserved);
	if (pages >= 0)
		EXPECT_EQ(pages, reserved)
			TH_LOG("stats said %ld pages reserved, unload reports %ld",
			       pages, reserved);
}

/* `pages_reserved` in stats, or -1 (with a failed expectation). */
static long stat_pages_reserved(struct __test_metadata *_metadata)
{
	struct zl_stats s;

	EXPECT_EQ(0, zl_stats_read(&s))
		return -1;
	return zl_stat(&s, "pages_reserved");
}

static void check_removed(struct __test_metadata *_metadata)
{
	EXPECT_FALSE(zl_path_exists(ZL_DIR))
		TH_LOG("%s still exists after unload", ZL_DIR);
	EXPECT_FALSE(zl_path_exists(ZL_SYSMOD))
		TH_LOG("%s still exists after unload", ZL_SYSMOD);
}

static void check_files(struct __test_metadata *_metadata)
{
	struct stat st;
	size_t i;

	ASSERT_TRUE(zl_path_exists(ZL_DIR));
	ASSERT_EQ(0, stat(ZL_DIR, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	for (i = 0; i < NR_FILES; i++) {
		if (stat(zl_files[i].path, &st)) {
			EXPECT_EQ(0, errno)
				TH_LOG("%s: %s", zl_files[i].path, strerror(errno));
			continue;
		}
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(zl_files[i].mode, st.st_mode & 07777)
			TH_LOG("%s has mode %o", zl_files[i].path,
			       st.st_mode & 07777);
	}
}

/* Loading creates /sys/kernel/debug/zonelab with all its files and modes. */
TEST_F(load, load_creates_debugfs_files)
{
	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");
	EXPECT_TRUE(zl_module_loaded());
	check_files(_metadata);
}

/*
 * The load message names the possible nodes, the first generation and the
 * pages reserved, which equal `pages_reserved` and the zones' managed pages.
 */
TEST_F(load, load_message_matches_state)
{
	struct zl_zonelists *z = zl_zonelists_alloc();
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	struct zl_mask possible;
	long nodes = -1, gen = -1, pages = -1, managed = 0;
	char err[256] = "", *log, *buf;
	int i;

	ASSERT_NE(NULL, z);
	ASSERT_NE(NULL, zi);
	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");

	log = zl_klog_since(&self->mark, NULL);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_loaded_pages(log, &nodes, &gen, &pages))
		TH_LOG("no 'zonelab: loaded: N possible nodes, generation G, "
		       "P pages reserved' line");
	free(log);

	EXPECT_LT(0, pages);
	EXPECT_EQ(pages, stat_pages_reserved(_metadata));
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		managed += zi->zone[i].managed;
	EXPECT_EQ(pages, managed)
		TH_LOG("loaded line says %ld pages, zoneinfo's zones manage %ld",
		       pages, managed);
	free(zi);

	buf = zl_read_file(ZL_NODE_SYSFS "/possible", NULL);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, zl_parse_list(buf, &possible));
	free(buf);
	EXPECT_EQ(zl_mask_weight(&possible), nodes);

	ASSERT_EQ(0, zl_zonelists_read(z, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(gen, z->generation);
	free(z);
}

/*
 * The pool: every node with memory gave pages_per_node pages (rounded down
 * to whole blocks of 2^block_order) unless reserve_percent of its free
 * memory capped it; no memoryless node has zonelab zones; every zonelab
 * zone is a populated real zone and holds whole blocks.
 */
TEST_F(load, pool_follows_parameters)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	struct zl_topo *sys = zl_topo_alloc();
	long ppn = -1, pct = -1, order = -1, block, want, got, free_kb, cap;
	char err[256] = "";
	int nid, i;

	ASSERT_NE(NULL, zi);
	ASSERT_NE(NULL, sys);
	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");
	ASSERT_EQ(0, zl_read_long(ZL_SYSMOD "/parameters/pages_per_node", &ppn));
	ASSERT_EQ(0, zl_read_long(ZL_SYSMOD "/parameters/reserve_percent", &pct));
	ASSERT_EQ(0, zl_read_long(ZL_SYSMOD "/parameters/block_order", &order));
	ASSERT_LE(0, order);
	ASSERT_GT(11, order);
	block = 1L << order;
	ASSERT_EQ(0, zl_topo_from_system(sys, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));

	for (i = 0; i < zi->nr; i++) {
		const struct zl_zi_zone *z = &zi->zone[i];
		const struct zl_zone *real = zl_topo_zone(sys, z->nid, z->name);

		EXPECT_EQ(0, z->managed % block)
			TH_LOG("zone %d/%s: %ld pages, not whole blocks of %ld",
			       z->nid, z->name, z->managed, block);
		EXPECT_TRUE(real && real->present > 0 &&
			    (unsigned long)z->managed <= real->managed)
			TH_LOG("zone %d/%s (%ld pages) is not a populated real zone",
			       z->nid, z->name, z->managed);
		EXPECT_TRUE(zl_mask_test(&sys->has_memory, z->nid))
			TH_LOG("zonelab zone %d/%s on a node without memory",
			       z->nid, z->name);
	}
	zl_for_each_node(nid, &sys->has_memory) {
		got = 0;
		for (i = 0; i < zi->nr; i++)
			if (zi->zone[i].nid == nid)
				got += zi->zone[i].managed;
		/* Free memory at load: what is free now plus what we took. */
		free_kb = zl_node_meminfo_kb(nid, "MemFree");
		ASSERT_LE(0, free_kb);
		cap = (free_kb / 4 + got) / 100 * pct;
		want = ppn / block * block;
		EXPECT_GE(want, got)
			TH_LOG("node %d: %ld pages reserved, pages_per_node %ld", nid, got, ppn);
		/* Well clear of the cap (other allocations move MemFree): exact. */
		if (cap >= ppn + ppn / 8)
			EXPECT_EQ(want, got)
				TH_LOG("node %d: %ld pages reserved, expected %ld", nid, got, want);
	}
	free(zi);
	free(sys);
}

/*
 * Right after a load: one rebuild, no memory event, nothing skipped or
 * failed, nothing allocated, the pool reserved and nothing returned yet.
 */
TEST_F(load, fresh_load_counters)
{
	struct zl_stats s;

	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");
	ASSERT_EQ(0, zl_stats_read(&s));
	EXPECT_EQ(0, zl_stat(&s, "alloc_success"));
	EXPECT_EQ(0, zl_stat(&s, "alloc_fail"));
	EXPECT_EQ(0, zl_stat(&s, "pcp_hit"));
	EXPECT_EQ(0, zl_stat(&s, "pcp_miss"));
	EXPECT_LE(0, zl_stat(&s, "zone_lock"));
	EXPECT_LT(0, zl_stat(&s, "pages_reserved"));
	EXPECT_EQ(0, zl_stat(&s, "pages_returned"))
		TH_LOG("pages are returned at unload only");
	EXPECT_EQ(1, zl_stat(&s, "rebuilds"));
	EXPECT_EQ(0, zl_stat(&s, "rebuild_failed"));
	EXPECT_EQ(0, zl_stat(&s, "memory_events"));
	EXPECT_EQ(0, zl_stat(&s, "rebuild_skipped"))
		TH_LOG("rebuild_skipped counts memory events; none happened");
	EXPECT_LE(1, zl_stat(&s, "generations_live"));
	EXPECT_GE(2, zl_stat(&s, "generations_live"));
	EXPECT_LE(0, zl_stat(&s, "rebuild_ns_last"));
	EXPECT_LE(zl_stat(&s, "rebuild_ns_last"), zl_stat(&s, "rebuild_ns_max"));
}

/*
 * Unloading removes the debugfs dir and /sys/module/zonelab, freeing every
 * generation and returning every reserved page.
 */
TEST_F(load, unload_frees_everything)
{
	struct zl_klog_mark mark;
	struct zl_stats s;
	int i;

	if (zl_module_loaded() && !zl_ko_path())
		SKIP(return, "no zonelab.ko to reload after unloading");
	if (!zl_module_loaded())
		ASSERT_EQ(0, zl_module_load());
	/* A few generations beyond the first, so freeing has work to do. */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, zl_write_str(ZL_REBUILD, "1"));
	}
	ASSERT_EQ(0, zl_stats_read(&s));
	ASSERT_LE(6, zl_stat(&s, "rebuilds"));

	zl_klog_mark(&mark);
	ASSERT_EQ(0, zl_module_unload());
	check_removed(_metadata);
	check_unloaded_line(_metadata, &mark, zl_stat(&s, "rebuilds"),
			    zl_stat(&s, "pages_reserved"));
}

/*
 * Pages in use at unload come back too: stress workers still running
 * (unload stops them) and pages allocated and freed through `alloc`.
 */
TEST_F(load, unload_during_stress_returns_every_page)
{
	struct zl_klog_mark mark;
	long pages;
	int fd;

	if (zl_module_loaded() && !zl_ko_path())
		SKIP(return, "no zonelab.ko to reload after unloading");
	if (!zl_module_loaded())
		ASSERT_EQ(0, zl_module_load());
	pages = stat_pages_reserved(_metadata);
	ASSERT_LT(0, pages);

	/* Pages left in pcplists and split buddies by an alloc holder. */
	fd = open(ZL_ALLOC, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(8, write(fd, "alloc 37", 8));
	EXPECT_EQ(16, write(fd, "alloc 3 order=2\n", 16));
	close(fd);

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=2 order_max=3 hold=32"));
	zl_sleep_ms(300);
	zl_klog_mark(&mark);
	ASSERT_EQ(0, zl_module_unload());
	check_removed(_metadata);
	check_unloaded_line(_metadata, &mark, 1, pages);
}

/* Load and unload three times in a row; every cycle is complete. */
TEST_F(load, reload_cycles)
{
	struct zl_zonelists *z = zl_zonelists_alloc();
	struct zl_klog_mark mark;
	char err[256] = "";
	struct zl_stats s;
	long pages;
	int i;

	ASSERT_NE(NULL, z);
	if (zl_module_loaded() && !zl_ko_path())
		SKIP(return, "no zonelab.ko to reload after unloading");

	for (i = 0; i < 3; i++) {
		if (zl_module_loaded()) {
			zl_klog_mark(&mark);
			pages = stat_pages_reserved(_metadata);
			ASSERT_EQ(0, zl_module_unload());
			check_removed(_metadata);
			check_unloaded_line(_metadata, &mark, 1, pages);
		}
		ASSERT_EQ(0, zl_module_load());
		check_files(_metadata);
		ASSERT_EQ(0, zl_zonelists_read(z, ZL_ZONELISTS, true, err, sizeof(err)))
			TH_LOG("cycle %d: %s", i, err);
		/* A new instance starts over: its first build is its only one. */
		ASSERT_EQ(0, zl_stats_read(&s));
		EXPECT_EQ(1, zl_stat(&s, "rebuilds"))
			TH_LOG("cycle %d: counters survived the unload", i);
		EXPECT_EQ(0, zl_stat(&s, "pages_returned"))
			TH_LOG("cycle %d: counters survived the unload", i);
	}
	free(z);
}

/* An open debugfs file pins the module: unload fails until it is closed. */
TEST_F(load, open_file_pins_module)
{
	int fds[NR_FILES];
	char buf[64];
	size_t i;
	int ret;

	if (zl_module_loaded() && !zl_ko_path())
		SKIP(return, "no zonelab.ko to reload after unloading");
	if (!zl_module_loaded())
		ASSERT_EQ(0, zl_module_load());

	for (i = 0; i < NR_FILES; i++) {
		fds[i] = open(zl_files[i].path,
			      zl_files[i].mode & 0400 ? O_RDONLY : O_WRONLY);
		ASSERT_LE(0, fds[i])
			TH_LOG("%s: %s", zl_files[i].path, strerror(errno));

		ret = syscall(SYS_delete_module, "zonelab", O_NONBLOCK);
		EXPECT_EQ(-1, ret)
			TH_LOG("unloaded while %s was open", zl_files[i].path);
		if (ret == 0) {
			/* Do not read the stale fd; reload for the teardown. */
			close(fds[i]);
			ASSERT_EQ(0, zl_module_load());
			return;
		}
		EXPECT_TRUE(errno == EAGAIN || errno == EBUSY)
			TH_LOG("delete_module: %s", strerror(errno));
		EXPECT_TRUE(zl_module_loaded());
		if (zl_files[i].mode & 0400) {
			EXPECT_LE(may_be_empty(zl_files[i].path) ? 0 : 1,
				  read(fds[i], buf, sizeof(buf)))
				TH_LOG("%s: %s", zl_files[i].path, strerror(errno));
		}
		close(fds[i]);
	}
	ASSERT_EQ(0, zl_module_unload());
	check_removed(_metadata);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADABLE);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
