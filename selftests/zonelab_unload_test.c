// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's pool at unload (issue 3): unloading while stress runs returns
 * every reserved page to the kernel (the "unloaded:" line, and each node's
 * free memory back where it was before the load), and an open alloc file
 * pins the module until it is closed.  Every test loads the module itself
 * and leaves it loaded or unloaded, as it found it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_pool.h"

FIXTURE(unload)
{
	bool was_loaded;
	struct zl_mask memory;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(unload)
{
	self->was_loaded = zl_module_loaded();
	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	/* Every test starts from an unloaded module (main() checked we can reload). */
	if (self->was_loaded)
		ASSERT_EQ(0, zl_module_unload());
}

FIXTURE_TEARDOWN(unload)
{
	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->was_loaded && !zl_module_loaded())
		EXPECT_EQ(0, zl_module_load());
	if (!self->was_loaded && zl_module_loaded())
		EXPECT_EQ(0, zl_module_unload());
	EXPECT_EQ(self->was_loaded, zl_module_loaded());
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* delete_module(), retried on EBUSY/EAGAIN for at most @ms: 0 or -errno. */
static int unload_within(long ms)
{
	long long deadline = zl_now_ms() + ms;

	for (;;) {
		if (!syscall(SYS_delete_module, "zonelab", O_NONBLOCK))
			return 0;
		if ((errno != EBUSY && errno != EAGAIN) || zl_now_ms() > deadline)
			return -errno;
		zl_sleep_ms(50);
	}
}

/* The "unloaded:" line logged after @mark: reserved == returned == @pool. */
static void expect_all_returned(struct __test_metadata *_metadata,
				const struct zl_klog_mark *mark, long pool)
{
	long reserved = -1, returned = -2, alloc, freed;
	char *log = zl_klog_since(mark, NULL);

	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, zl_klog_last_unloaded_pages(log, &alloc, &freed, &reserved,
						 &returned))
		TH_LOG("no 'zonelab: unloaded: ... pages reserved R returned T' line");
	free(log);
	EXPECT_EQ(reserved, returned) TH_LOG("%ld pages reserved, %ld returned",
					     reserved, returned);
	EXPECT_EQ(pool, reserved);
}

/* Unload while stress runs: every page returned, each node's free memory back. */
TEST_F_TIMEOUT(unload, unload_under_stress_returns_every_page, ZL_STRESS_TEST_TIMEOUT_S)
{
	long before[ZL_MAX_NODES], managed[ZL_MAX_NODES], pool, after, tol;
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct zl_zoneinfo *zi = malloc(sizeof(*zi));
	struct zl_klog_mark mark;
	struct zl_stress st;
	int nid;

	ASSERT_NE(NULL, zi);
	zl_vm_stat_refresh();
	zl_for_each_node(nid, &self->memory) {
		before[nid] = zl_node_free_kb(nid);
		ASSERT_LT(0, before[nid]);
	}

	ASSERT_EQ(0, zl_module_load());
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	pool = zl_zi_managed(zi, -1);
	zl_for_each_node(nid, &self->memory)
		managed[nid] = zl_zi_managed(zi, nid);
	free(zi);
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start"));
	/* Pages out in the workers' hands when the unload comes. */
	EXPECT_EQ(0, zl_stress_wait_above(&st, offsetof(struct zl_stress, ops), 0,
					  ZL_STRESS_DEADLINE_MS))
		TH_LOG("no stress op in %d ms", ZL_STRESS_DEADLINE_MS);
	ASSERT_EQ(1, st.running);

	zl_klog_mark(&mark);
	ASSERT_EQ(0, unload_within(2000));
	EXPECT_FALSE(zl_module_loaded());
	expect_all_returned(_metadata, &mark, pool);

	zl_vm_stat_refresh();
	zl_for_each_node(nid, &self->memory) {
		after = zl_node_free_kb(nid);
		tol = managed[nid] * page_kb * 2 / 100 + 1024;
		zl_log("node %d: %ld kB free before the load, %ld kB after the unload",
		       nid, before[nid], after);
		EXPECT_GE(tol, labs(after - before[nid]))
			TH_LOG("node %d: %ld kB free before the load, %ld kB after (%ld kB reserved, MemFree %ld kB)",
			       nid, before[nid], after, managed[nid] * page_kb,
			       zl_node_memfree_kb(nid));
	}
}

/* An open alloc file holding pages refuses the unload; after close it succeeds. */
TEST_F(unload, open_alloc_file_blocks_unload)
{
	struct zl_klog_mark mark;
	struct zl_zoneinfo *zi = malloc(sizeof(*zi));
	char err[256] = "";
	struct zl_held h;
	long pool;
	int fd, ret;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_module_load());
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	pool = zl_zi_managed(zi, -1);
	free(zi);
	fd = zl_alloc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zl_alloc_cmd(fd, "alloc 100 order=1"));

	ret = syscall(SYS_delete_module, "zonelab", O_NONBLOCK);
	EXPECT_EQ(-1, ret) TH_LOG("unloaded while an alloc file held pages");
	if (ret == 0) {
		/* Do not touch the stale fd beyond closing it. */
		close(fd);
		return;
	}
	EXPECT_TRUE(errno == EBUSY || errno == EAGAIN)
		TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_TRUE(zl_module_loaded());
	ASSERT_EQ(0, zl_alloc_state(fd, 4096, &h, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(200, h.pages);

	ASSERT_EQ(0, close(fd));
	zl_klog_mark(&mark);
	ASSERT_EQ(0, unload_within(2000));
	expect_all_returned(_metadata, &mark, pool);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADABLE);
	if (zl_module_loaded() && !zl_ko_path())
		ksft_exit_skip("zonelab is loaded and no zonelab.ko to reload it\n");
	/* Exits through ksft_exit(). */
	return test_harness_run(argc, argv);
}
