// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab module life cycle: loading creates the debugfs files, unloading
 * removes them and returns every zonelist generation, reloading works.
 * Every test leaves the module loaded or unloaded, as it found it.
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
	{ ZL_TOPOLOGY, 0400 },
	{ ZL_ZONELISTS, 0400 },
	{ ZL_KZONELISTS, 0400 },
	{ ZL_STATS, 0400 },
	{ ZL_REBUILD, 0200 },
};

#define NR_FILES	(ARRAY_SIZE(zl_files))

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

/* The unloaded line logged after @mark: A == F and A >= @min_alloc. */
static void check_unloaded_line(struct __test_metadata *_metadata,
				const struct zl_klog_mark *mark, long min_alloc)
{
	long alloc = -1, freed = -2;
	char *log = zl_klog_since(mark, NULL);

	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_unloaded(log, &alloc, &freed))
		TH_LOG("no 'zonelab: unloaded: generations allocated A freed F' line");
	free(log);
	EXPECT_EQ(alloc, freed)
		TH_LOG("generations leaked: allocated %ld freed %ld", alloc, freed);
	EXPECT_LE(min_alloc, alloc);
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

/* Loading creates /sys/kernel/debug/zonelab with all five files and modes. */
TEST_F(load, load_creates_debugfs_files)
{
	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");
	EXPECT_TRUE(zl_module_loaded());
	check_files(_metadata);
}

/* The load message names the possible nodes and the first generation. */
TEST_F(load, load_message_matches_state)
{
	struct zl_zonelists *z = zl_zonelists_alloc();
	struct zl_mask possible;
	long nodes = -1, gen = -1;
	char err[256] = "", *log, *buf;

	ASSERT_NE(NULL, z);
	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");

	log = zl_klog_since(&self->mark, NULL);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_loaded(log, &nodes, &gen))
		TH_LOG("no 'zonelab: loaded: N possible nodes, generation G' line");
	free(log);

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

/* Right after a load: one rebuild, no memory event, nothing skipped or failed. */
TEST_F(load, fresh_load_counters)
{
	struct zl_stats s;

	if (!fresh_load(_metadata))
		SKIP(return, "cannot reload zonelab here");
	ASSERT_EQ(0, zl_stats_read(&s));
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

/* Unloading removes the debugfs dir and /sys/module/zonelab, freeing every generation. */
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
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, zl_write_str(ZL_REBUILD, "1"));
	ASSERT_EQ(0, zl_stats_read(&s));
	ASSERT_LE(6, zl_stat(&s, "rebuilds"));

	zl_klog_mark(&mark);
	ASSERT_EQ(0, zl_module_unload());
	check_removed(_metadata);
	check_unloaded_line(_metadata, &mark, zl_stat(&s, "rebuilds"));
}

/* Load and unload three times in a row; every cycle is complete. */
TEST_F(load, reload_cycles)
{
	struct zl_zonelists *z = zl_zonelists_alloc();
	struct zl_klog_mark mark;
	char err[256] = "";
	struct zl_stats s;
	int i;

	ASSERT_NE(NULL, z);
	if (zl_module_loaded() && !zl_ko_path())
		SKIP(return, "no zonelab.ko to reload after unloading");

	for (i = 0; i < 3; i++) {
		if (zl_module_loaded()) {
			zl_klog_mark(&mark);
			ASSERT_EQ(0, zl_module_unload());
			check_removed(_metadata);
			check_unloaded_line(_metadata, &mark, 1);
		}
		ASSERT_EQ(0, zl_module_load());
		check_files(_metadata);
		ASSERT_EQ(0, zl_zonelists_read(z, ZL_ZONELISTS, true, err, sizeof(err)))
			TH_LOG("cycle %d: %s", i, err);
		/* A new instance starts over: its first build is its only one. */
		ASSERT_EQ(0, zl_stats_read(&s));
		EXPECT_EQ(1, zl_stat(&s, "rebuilds"))
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
			      zl_files[i].mode == 0200 ? O_WRONLY : O_RDONLY);
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
		if (zl_files[i].mode == 0400)
			EXPECT_LT(0, read(fds[i], buf, sizeof(buf)));
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
