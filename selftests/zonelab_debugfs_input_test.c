// SPDX-License-Identifier: GPL-2.0
/*
 * Robustness of zonelab's debugfs files, in the spirit of
 * selftests/damon/debugfs_huge_count_read_write.sh: malformed, huge,
 * offset and vectored writes to `rebuild` fail with EINVAL and change
 * nothing; malformed and out-of-range commands to `alloc`, `stress`,
 * `bench`, `pcp`, `oom_disable` and ctx/<name>/oom_score_adj fail with
 * the errno the README gives and change nothing either (stats, zonelists,
 * zones, buddy lists, pcplists, stress, bench, the OOM owners and the
 * writer's own alloc holder); so do malformed writes to `contexts`,
 * `regions` and a context's files (the context list, the regions' ranges
 * and every ctx/<name>/ file are part of the state); read-only files
 * refuse writes;
 * reads of every size and offset agree; concurrent writers are counted
 * exactly; the kernel logs no warning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_debugfs_input.h"

static const char * const ro_files[] = {
	ZL_TOPOLOGY, ZL_ZONELISTS, ZL_KZONELISTS, ZL_STATS, ZL_ZONEINFO, ZL_BUDDYINFO,
	ZL_OOM,
};

#define NR_RO	(ARRAY_SIZE(ro_files))

/*
 * The malformed-input tables: the fixtures here, their variants and rows
 * in zonelab_debugfs_input_cases.h, which must come after them.
 */
FIXTURE(bad_write)
{
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE(bad_cmd)
{
	int alloc_fd;		/* the holder */
	bool ctx;		/* ADJ_CTX was created */
	long long policies;	/* policies_live before that */
	struct state before;
	struct zl_klog_mark mark;
	int zone_nid;		/* a zone zonelab holds pages of */
	char zone_name[ZL_ZONE_NAME];
};

#include "zonelab_debugfs_input_cases.h"

/* ---- malformed writes, one variant per input ---- */

FIXTURE_SETUP(bad_write)
{
	state_setup(_metadata, &self->before, &self->mark);
}

FIXTURE_TEARDOWN(bad_write)
{
	state_teardown(_metadata, &self->before, &self->mark);
}

/* The malformed write fails with EINVAL and changes nothing. */
TEST_F(bad_write, rejected_and_changes_nothing)
{
	size_t len = variant->len ? variant->len : strlen(variant->data);
	ssize_t ret;
	int err;

	err = zl_write_once(ZL_REBUILD, variant->data, len, &ret);
	EXPECT_EQ(-EINVAL, err)
		TH_LOG("write of %zu bytes returned %zd (%s)", len, ret,
		       err ? strerror(-err) : "accepted");
	expect_unchanged(_metadata, &self->before, "a malformed write");
}

/* ---- malformed and out-of-range commands to alloc, stress, bench, pcp ---- */

FIXTURE_SETUP(bad_cmd)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	long pcp = 0;
	int i;

	self->alloc_fd = -1;
	zl_klog_mark(&self->mark);
	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	if (!strncmp(variant->file, ADJ_CTX_DIR "/", strlen(ADJ_CTX_DIR "/"))) {
		self->policies = zl_stat_get("policies_live");
		ASSERT_EQ(0, zl_cmd(ZL_CONTEXTS, "create " ADJ_CTX));
		self->ctx = true;
	}
	holder_setup(_metadata, &self->alloc_fd);
	if (variant->ctx)
		ctx_restore(_metadata);
	/* The freed pages sit in a pcplist: a wrong drain would show. */
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		pcp += zl_zi_pcp_total(&zi->zone[i]);
	ASSERT_LT(0, zi->nr);
	self->zone_nid = zi->zone[0].nid;
	zl_copy_str(self->zone_name, sizeof(self->zone_name), zi->zone[0].name);
	free(zi);
	ASSERT_LT(0, pcp)
		TH_LOG("no page in any pcplist after freeing %d", FREED_PAGES);
	self->before.with_ctx = variant->ctx;
	state_read(_metadata, &self->before, self->alloc_fd);
	ASSERT_NE(NULL, strstr(self->before.alloc, "pages 5\n"))
		TH_LOG("the holder shows '%s'", self->before.alloc);
	ASSERT_NE(NULL, strstr(self->before.text[ST_STRESS], "running 0\n"))
		TH_LOG("stress runs already");
}

FIXTURE_TEARDOWN(bad_cmd)
{
	if (self->alloc_fd >= 0)
		close(self->alloc_fd);
	if (variant->ctx)
		ctx_strays(_metadata);
	/* A start that was wrongly accepted must not outlive the test. */
	zl_cmd(ZL_STRESS, "stop");
	zl_cmd(ZL_STORM, "stop");
	zl_cmd(ZL_OOM_DISABLE, "0");
	if (self->ctx) {
		long long end = zl_now_ms() + 5000;

		EXPECT_EQ(0, zl_cmd(ZL_CONTEXTS, "destroy " ADJ_CTX));
		/* Its policy goes after a grace period: let `stats` settle. */
		while (zl_stat_get("policies_live") != self->policies && zl_now_ms() < end)
			zl_sleep_ms(10);
		EXPECT_EQ(self->policies, zl_stat_get("policies_live"));
	}
	state_teardown(_metadata, &self->before, &self->mark);
}

/* The command fails with the README's errno and changes nothing at all. */
TEST_F(bad_cmd, rejected_and_changes_nothing)
{
	size_t len = variant->len ? variant->len : strlen(variant->data);
	const char *data = variant->data;
	char zone_cmd[64];
	ssize_t ret;
	int err;

	if (variant->zone) {
		snprintf(zone_cmd, sizeof(zone_cmd), variant->data, self->zone_nid,
			 self->zone_name);
		data = zone_cmd;
		len = strlen(data);
	}
	if (!strcmp(variant->file, ZL_ALLOC)) {
		ret = write(self->alloc_fd, data, len);
		err = ret < 0 ? -errno : 0;
	} else {
		err = zl_write_once(variant->file, data, len, &ret);
	}
	EXPECT_EQ(-variant->err, err)
		TH_LOG("%s: write of '%.*s' (%zu bytes) returned %zd (%s), expected %s",
		       variant->file, variant->zone ? (int)len : 0, data, len, ret,
		       err ? strerror(-err) : "accepted", strerror(variant->err));
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd,
			    "a rejected command");
}

/* ---- command files: offsets, sizes, boundaries, read-only ---- */

FIXTURE(cmd)
{
	int alloc_fd;
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(cmd)
{
	self->alloc_fd = -1;
	quiet_start(_metadata, &self->mark);
	holder_setup(_metadata, &self->alloc_fd);
	state_read(_metadata, &self->before, self->alloc_fd);
}

FIXTURE_TEARDOWN(cmd)
{
	if (self->alloc_fd >= 0)
		close(self->alloc_fd);
	zl_cmd(ZL_STRESS, "stop");
	state_teardown(_metadata, &self->before, &self->mark);
}

/* pwrite() to the alloc stream fails with ESPIPE at any offset; nothing changes. */
TEST_F(cmd, alloc_pwrite_is_espipe)
{
	static const off_t offs[] = { 0, 1, 4096 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		EXPECT_EQ(-1, pwrite(self->alloc_fd, "alloc 1", 7, offs[i]))
			TH_LOG("pwrite at %lld accepted", (long long)offs[i]);
		EXPECT_EQ(ESPIPE, errno);
		EXPECT_EQ(-1, pwrite(self->alloc_fd, "free all", 8, offs[i]));
		EXPECT_EQ(ESPIPE, errno);
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "pwrite to alloc");
}

/*
 * A good command at a non-zero offset of stress, bench or pcp fails and
 * changes nothing: EINVAL from the module (a write after lseek(), and
 * pwrite() to pcp); pwrite() to stress and bench, which are seq_files
 * (seq_open() clears FMODE_PWRITE), fails with ESPIPE in the VFS.
 */
TEST_F(cmd, one_shot_files_reject_offsets)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char disable[64] = "";
	const struct { const char *path, *cmd; bool seq; } cases[] = {
		{ ZL_STRESS, "start threads=1 hold=1", true }, { ZL_STRESS, "stop", true },
		{ ZL_BENCH, "run 1", true }, { ZL_BENCH, "run\n", true },
		{ ZL_PCP, "drain", false }, { ZL_PCP, "drain all\n", false },
		{ ZL_PCP, disable, false },
	};
	static const off_t offs[] = { 1, 5, 4096, 1 << 20 };
	size_t i, o;
	ssize_t ret;
	int fd;

	/* A good `disable`: of a zone zonelab holds pages of. */
	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	ASSERT_LT(0, zi->nr);
	snprintf(disable, sizeof(disable), "disable %d %s", zi->zone[0].nid, zi->zone[0].name);
	free(zi);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (o = 0; o < ARRAY_SIZE(offs); o++) {
			fd = open(cases[i].path, cases[i].seq ? O_RDWR : O_WRONLY);
			ASSERT_LE(0, fd);
			ret = pwrite(fd, cases[i].cmd, strlen(cases[i].cmd), offs[o]);
			EXPECT_EQ(-1, ret)
				TH_LOG("%s: '%s' at %lld accepted", cases[i].path,
				       cases[i].cmd, (long long)offs[o]);
			EXPECT_EQ(cases[i].seq ? ESPIPE : EINVAL, errno)
				TH_LOG("%s: pwrite '%s' at %lld: %s", cases[i].path,
				       cases[i].cmd, (long long)offs[o], strerror(errno));
			/* The file position the module sees: seek within the text. */
			if (cases[i].seq && offs[o] < 8) {
				ASSERT_EQ(offs[o], lseek(fd, offs[o], SEEK_SET));
				ret = write(fd, cases[i].cmd, strlen(cases[i].cmd));
				EXPECT_EQ(-1, ret)
					TH_LOG("%s: '%s' at %lld accepted", cases[i].path,
					       cases[i].cmd, (long long)offs[o]);
				EXPECT_EQ(EINVAL, errno)
					TH_LOG("%s: '%s' at %lld: %s", cases[i].path,
					       cases[i].cmd, (long long)offs[o],
					       strerror(errno));
			}
			close(fd);
		}
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "an offset write");
}

/* A 1 MiB write starting with a good command fails with EINVAL everywhere. */
TEST_F(cmd, huge_commands_rejected)
{
	static const struct { const char *path, *cmd; } cases[] = {
		{ ZL_ALLOC, "alloc 1" }, { ZL_ALLOC, "free all" },
		{ ZL_STRESS, "stop" }, { ZL_STRESS, "start" },
		{ ZL_BENCH, "run 1" }, { ZL_PCP, "drain all" },
	};
	size_t len = 1 << 20, i;
	char *buf = malloc(len);
	ssize_t ret;
	int err;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(buf, ' ', len);
		memcpy(buf, cases[i].cmd, strlen(cases[i].cmd));
		buf[len - 1] = '\n';
		if (!strcmp(cases[i].path, ZL_ALLOC)) {
			ret = write(self->alloc_fd, buf, len);
			err = ret < 0 ? -errno : 0;
		} else {
			err = zl_write_once(cases[i].path, buf, len, &ret);
		}
		EXPECT_EQ(-EINVAL, err)
			TH_LOG("%s: 1 MiB '%s...' returned %zd", cases[i].path,
			       cases[i].cmd, ret);
	}
	free(buf);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a 1 MiB command");
}

/*
 * writev() to a file with only ->write is one write per segment (the VFS
 * loops): a malformed first segment fails with EINVAL and stops it there.
 */
TEST_F(cmd, writev_bad_first_segment)
{
	static const struct { const char *path, *a, *b; } cases[] = {
		{ ZL_ALLOC, "alloc 1x", "alloc 1" }, { ZL_ALLOC, "free 1x", "free all" },
		{ ZL_ALLOC, "x", "free 1" }, { ZL_PCP, "drain x", "drain all" },
		{ ZL_STRESS, "start x", "start threads=1" },
		{ ZL_BENCH, "run x", "run 1" },
	};
	struct iovec iov[2];
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		iov[0].iov_base = (void *)cases[i].a;
		iov[0].iov_len = strlen(cases[i].a);
		iov[1].iov_base = (void *)cases[i].b;
		iov[1].iov_len = strlen(cases[i].b);
		fd = strcmp(cases[i].path, ZL_ALLOC) ? open(cases[i].path, O_WRONLY) :
						       dup(self->alloc_fd);
		ASSERT_LE(0, fd);
		ret = writev(fd, iov, 2);
		EXPECT_EQ(-1, ret)
			TH_LOG("%s: writev '%s' '%s' returned %zd", cases[i].path,
			       cases[i].a, cases[i].b, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a bad writev");
}

/* An alloc command of 63 bytes is accepted; 64 bytes is not (the limit itself). */
TEST_F(cmd, alloc_length_limit)
{
	char *now;

	ASSERT_EQ((size_t)63, strlen(ALLOC_LEN63));
	ASSERT_EQ((size_t)64, strlen(ALLOC_LEN64));
	EXPECT_EQ(-1, write(self->alloc_fd, ALLOC_LEN64, 64));
	EXPECT_EQ(EINVAL, errno);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a 64-byte alloc");

	EXPECT_EQ(63, write(self->alloc_fd, ALLOC_LEN63, 63))
		TH_LOG("63-byte 'alloc 00..01': %s", strerror(errno));
	now = alloc_state(self->alloc_fd, 4096);
	ASSERT_NE(NULL, now);
	EXPECT_NE(NULL, strstr(now, "pages 6\n"))
		TH_LOG("after the 63-byte alloc the holder shows '%s'", now);
	free(now);
	EXPECT_EQ(6, write(self->alloc_fd, "free 1", 6));
}

/* Starting stress while it runs is EBUSY and keeps the running parameters. */
TEST_F(cmd, stress_start_while_running_is_ebusy)
{
	char *st;

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=1 order_max=2 hold=8"));
	EXPECT_EQ(-EBUSY, zl_cmd(ZL_STRESS, "start threads=2 order_max=1 hold=4"));
	EXPECT_EQ(-EBUSY, zl_cmd(ZL_STRESS, "start"));
	st = zl_read_file(ZL_STRESS, NULL);
	ASSERT_NE(NULL, st);
	EXPECT_NE(NULL, strstr(st, "running 1\nthreads 1\norder_max 2\nhold 8\n"))
		TH_LOG("stress shows '%s'", st);
	free(st);
	/* A malformed command is still EINVAL, not EBUSY. */
	EXPECT_EQ(-EINVAL, zl_cmd(ZL_STRESS, "start threads=1x"));
	EXPECT_EQ(-ERANGE, zl_cmd(ZL_STRESS, "start threads=65"));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	st = zl_read_file(ZL_STRESS, NULL);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(0, strncmp(st, "running 0\n", 10))
		TH_LOG("stress shows '%s' after stop", st);
	free(st);
}

/* A failing alloc that ran out of pages is ENOMEM and keeps what it got; not malformed. */
TEST_F(cmd, alloc_enomem_keeps_what_it_got)
{
	struct zl_stats s0, s1;
	long pool = 0, held = -1, on_node = -1;
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char cmd[64], line[32], *now, *p;
	int fd, i, nid;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		pool += zi->zone[i].managed;
	ASSERT_LT(0, pool);
	nid = zl_zi_first_node(zi);
	free(zi);
	ASSERT_LE(0, nid);

	fd = open(ZL_ALLOC, O_RDWR);
	ASSERT_LE(0, fd);
	/* ENOMEM, not an OOM kill of this very holder. */
	ASSERT_EQ(19, write(fd, "oom_score_adj -1000", 19));
	ASSERT_EQ(0, zl_stats_read(&s0));
	/* The whole pool from one node alone: not E2BIG, but the node runs out. */
	snprintf(cmd, sizeof(cmd), "alloc %ld node=%d thisnode", pool, nid);
	EXPECT_EQ(-1, write(fd, cmd, strlen(cmd)));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, zl_stats_read(&s1));
	now = alloc_state(fd, 7);
	ASSERT_NE(NULL, now);
	EXPECT_EQ(1, sscanf(now, "pages %ld", &held))
		TH_LOG("holder shows '%s'", now);
	snprintf(line, sizeof(line), "\nnode %d ", nid);
	p = strstr(now, line);
	if (p)
		sscanf(p + strlen(line), "%ld", &on_node);
	free(now);
	EXPECT_LT(0, held);
	EXPECT_GT(pool, held);
	EXPECT_EQ(held, on_node)
		TH_LOG("thisnode pages of node %d came from another node", nid);
	EXPECT_EQ(zl_stat(&s0, "alloc_fail") + 1, zl_stat(&s1, "alloc_fail"));
	EXPECT_EQ(zl_stat(&s0, "alloc_success") + held, zl_stat(&s1, "alloc_success"));
	EXPECT_EQ(8, write(fd, "free all", 8));
	now = alloc_state(fd, 4096);
	ASSERT_NE(NULL, now);
	EXPECT_EQ(0, strncmp(now, "pages 0\n", 8))
		TH_LOG("after free all the holder shows '%s'", now);
	free(now);
	close(fd);
}

/* Writes to zoneinfo and buddyinfo fail; reads of pcp fail; nothing changes. */
TEST_F(cmd, read_only_and_write_only)
{
	static const char * const ro[] = { ZL_ZONEINFO, ZL_BUDDYINFO };
	char buf[64];
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		fd = open(ro[i], O_RDWR);
		if (fd < 0) {
			EXPECT_TRUE(errno == EACCES || errno == EPERM);
			continue;
		}
		EXPECT_EQ(-1, write(fd, "drain all", 9))
			TH_LOG("write to %s accepted", ro[i]);
		EXPECT_TRUE(errno == EINVAL || errno == EACCES || errno == EPERM)
			TH_LOG("write to %s: %s", ro[i], strerror(errno));
		close(fd);
	}
	fd = open(ZL_PCP, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 1, 0));
	close(fd);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd,
			    "writes to read-only files, reads of pcp");
}

/*
 * The alloc file's state comes out whole whatever the read size, ends with
 * one 0, and the next read starts over.
 */
TEST_F(cmd, alloc_reads_of_every_size)
{
	static const size_t chunks[] = { 1, 2, 7, 4096, 1 << 20 };
	char *again;
	size_t i, len;

	ASSERT_LT((size_t)8, strlen(self->before.alloc));
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		again = zl_read_fd_chunks(self->alloc_fd, chunks[i], &len);
		ASSERT_NE(NULL, again);
		EXPECT_STREQ(self->before.alloc, again)
			TH_LOG("%zu-byte reads of alloc", chunks[i]);
		free(again);
	}
}

/* ---- other writes and reads ---- */

FIXTURE(input)
{
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(input)
{
	state_setup(_metadata, &self->before, &self->mark);
}

FIXTURE_TEARDOWN(input)
{
	state_teardown(_metadata, &self->before, &self->mark);
}

/* A 1 MiB write (of zeros ending in "1") fails with EINVAL and changes nothing. */
TEST_F(input, huge_write_rejected)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);
	ssize_t ret;

	ASSERT_NE(NULL, buf);
	memset(buf, '0', len);
	buf[len - 1] = '1';
	EXPECT_EQ(-EINVAL, zl_write_once(ZL_REBUILD, buf, len, &ret))
		TH_LOG("1 MiB write returned %zd", ret);
	buf[0] = '1';
	memset(buf + 1, '\n', len - 1);
	EXPECT_EQ(-EINVAL, zl_write_once(ZL_REBUILD, buf, len, &ret))
		TH_LOG("1 MiB write of '1\\n\\n...' returned %zd", ret);
	free(buf);
	expect_unchanged(_metadata, &self->before, "a 1 MiB write");
}

/* A good command at a non-zero offset (pwrite) fails with EINVAL and changes nothing. */
TEST_F(input, offset_write_rejected)
{
	static const struct { const char *s; off_t off; } cases[] = {
		{ "1", 1 }, { "1\n", 1 }, { "1", 4096 }, { "1\n", 1 << 20 },
	};
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fd = open(ZL_REBUILD, O_WRONLY);
		ASSERT_LE(0, fd);
		ret = pwrite(fd, cases[i].s, strlen(cases[i].s), cases[i].off);
		EXPECT_EQ(-1, ret)
			TH_LOG("pwrite at %lld accepted", (long long)cases[i].off);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "an offset write");
}

/* writev whose first segment is malformed fails with EINVAL and changes nothing. */
TEST_F(input, writev_rejected)
{
	static const char * const cases[][2] = {
		{ "0", "1" }, { "x", "\n" }, { "11", "" }, { " ", "1" },
	};
	struct iovec iov[2];
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		iov[0].iov_base = (void *)cases[i][0];
		iov[0].iov_len = strlen(cases[i][0]);
		iov[1].iov_base = (void *)cases[i][1];
		iov[1].iov_len = strlen(cases[i][1]);
		fd = open(ZL_REBUILD, O_WRONLY);
		ASSERT_LE(0, fd);
		ret = writev(fd, iov, 2);
		EXPECT_EQ(-1, ret)
			TH_LOG("writev case %zu returned %zd", i, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "a writev");
}

/* Writes to every read-only file fail and change nothing. */
TEST_F(input, readonly_files_reject_writes)
{
	static const int modes[] = { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND };
	char *before_ro[NR_RO], *now;
	size_t i, m;
	ssize_t ret;
	int fd;

	for (i = 0; i < NR_RO; i++) {
		before_ro[i] = zl_read_file(ro_files[i], NULL);
		ASSERT_NE(NULL, before_ro[i]);
	}
	for (i = 0; i < NR_RO; i++) {
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			fd = open(ro_files[i], modes[m]);
			if (fd < 0) {
				EXPECT_TRUE(errno == EACCES || errno == EPERM)
					TH_LOG("open %s: %s", ro_files[i], strerror(errno));
				continue;
			}
			ret = write(fd, "1\n", 2);
			EXPECT_EQ(-1, ret)
				TH_LOG("write to %s accepted", ro_files[i]);
			EXPECT_TRUE(errno == EINVAL || errno == EACCES || errno == EPERM)
				TH_LOG("write to %s: %s", ro_files[i], strerror(errno));
			ret = pwrite(fd, "1", 1, 0);
			EXPECT_EQ(-1, ret);
			close(fd);
		}
	}
	for (i = 0; i < NR_RO; i++) {
		now = zl_read_file(ro_files[i], NULL);
		ASSERT_NE(NULL, now);
		EXPECT_STREQ(before_ro[i], now)
			TH_LOG("%s changed after writes", ro_files[i]);
		free(now);
		free(before_ro[i]);
	}
	expect_unchanged(_metadata, &self->before, "writes to read-only files");
}

/* Reads of `rebuild` fail with EINVAL, whatever the open mode, and change nothing. */
TEST_F(input, rebuild_reads_fail)
{
	static const int modes[] = { O_RDWR, O_RDONLY };
	char buf[64];
	size_t m;
	ssize_t ret;
	int fd;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		fd = open(ZL_REBUILD, modes[m]);
		ASSERT_LE(0, fd)
			TH_LOG("open rebuild mode %d: %s", modes[m], strerror(errno));
		ret = read(fd, buf, sizeof(buf));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		ret = pread(fd, buf, 1, 0);
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "reads of rebuild");
}

/* Read of @path with @chunk-sized reads; NULL on error. */
static char *read_chunks(const char *path, size_t chunk, size_t *len)
{
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = zl_read_fd_chunks(fd, chunk, len);
	close(fd);
	return buf;
}

FIXTURE(reads)
{
	char *whole;
	size_t len;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(reads)
{
	const char *path;
	bool ctx;		/* READ_CTX and READ_REGION exist during the test */
};

/* The context and region the ctx variants make: their files are not empty. */
#define READ_CTX	"zl_read"
#define READ_REGION	"zl_read"
#define READ_CTX_FILE(f)	ZL_CTX_DIR "/" READ_CTX "/" f

FIXTURE_VARIANT_ADD(reads, topology) { .path = ZL_TOPOLOGY, };
FIXTURE_VARIANT_ADD(reads, zonelists) { .path = ZL_ZONELISTS, };
FIXTURE_VARIANT_ADD(reads, kernel_zonelists) { .path = ZL_KZONELISTS, };
FIXTURE_VARIANT_ADD(reads, stats) { .path = ZL_STATS, };
FIXTURE_VARIANT_ADD(reads, zoneinfo) { .path = ZL_ZONEINFO, };
FIXTURE_VARIANT_ADD(reads, buddyinfo) { .path = ZL_BUDDYINFO, };
FIXTURE_VARIANT_ADD(reads, stress) { .path = ZL_STRESS, };
FIXTURE_VARIANT_ADD(reads, bench) { .path = ZL_BENCH, };
FIXTURE_VARIANT_ADD(reads, blocks) { .path = ZL_BLOCKS, };
FIXTURE_VARIANT_ADD(reads, rebuild_mode) { .path = ZL_REBUILD_MODE, };
FIXTURE_VARIANT_ADD(reads, storm) { .path = ZL_STORM, };
FIXTURE_VARIANT_ADD(reads, bench_rebuild) { .path = ZL_BENCH_REBUILD, };
FIXTURE_VARIANT_ADD(reads, oom) { .path = ZL_OOM, };
FIXTURE_VARIANT_ADD(reads, oom_disable) { .path = ZL_OOM_DISABLE, };
FIXTURE_VARIANT_ADD(reads, contexts) { .path = ZL_CONTEXTS, .ctx = true, };
FIXTURE_VARIANT_ADD(reads, regions) { .path = ZL_REGIONS, .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_mems) { .path = READ_CTX_FILE("mems"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_policy) { .path = READ_CTX_FILE("policy"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_weights) { .path = READ_CTX_FILE("weights"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_numa) { .path = READ_CTX_FILE("numa"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_stats) { .path = READ_CTX_FILE("stats"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_oom_score_adj) {
	.path = READ_CTX_FILE("oom_score_adj"), .ctx = true,
};

static void reads_ctx_unmake(void)
{
	zl_ctx_destroy(READ_CTX);
	zl_region_cmd("destroy " READ_REGION);
}

/* Make READ_CTX and READ_REGION: 0, or -errno (with what was made removed). */
static int reads_ctx_make(void)
{
	int err = zl_ctx_create(READ_CTX);

	if (!err)
		err = zl_ctx_write(READ_CTX, "policy", "interleave");
	if (!err)
		err = zl_ctx_write(READ_CTX, "weights", "0 2");
	if (!err)
		err = zl_ctx_write(READ_CTX, "oom_score_adj", "-7");
	if (!err)
		err = zl_region_cmd("create " READ_REGION " 64");
	if (!err)
		err = zl_region_cmd("set " READ_REGION " 0-7 interleave");
	if (!err)
		err = zl_region_cmd("set " READ_REGION " 8-15 local");
	if (err)
		reads_ctx_unmake();
	return err;
}

FIXTURE_SETUP(reads)
{
	char *again;
	bool good;
	int err;

	quiet_start(_metadata, &self->mark);
	if (variant->ctx)
		ASSERT_EQ(0, reads_ctx_make());
	self->whole = read_chunks(variant->path, 1 << 16, &self->len);
	err = errno;
	/* A text that changes on its own cannot be compared: read it twice. */
	again = self->whole ? read_chunks(variant->path, 1 << 16, NULL) : NULL;
	good = again && self->len && self->whole[self->len - 1] == '\n' &&
	       !strcmp(self->whole, again);
	free(again);
	/* No teardown after a failed setup: remove them here. */
	if (!good && variant->ctx)
		reads_ctx_unmake();
	ASSERT_NE(NULL, self->whole)
		TH_LOG("%s: %s", variant->path, strerror(err));
	ASSERT_LT((size_t)0, self->len);
	ASSERT_EQ('\n', self->whole[self->len - 1]);
	ASSERT_TRUE(good) TH_LOG("%s changes between two reads", variant->path);
}

FIXTURE_TEARDOWN(reads)
{
	free(self->whole);
	if (variant->ctx) {
		EXPECT_EQ(0, zl_ctx_destroy(READ_CTX));
		EXPECT_EQ(0, zl_region_cmd("destroy " READ_REGION));
		/* Their policies go after a grace period: let `stats` settle. */
		EXPECT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Reads of 1, 7, 4096 bytes and of 1 MiB return exactly the whole-file text. */
TEST_F(reads, chunked_reads_agree)
{
	static const size_t chunks[] = { 1, 7, 4096, 1 << 20 };
	size_t i, len;
	char *buf;

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		buf = read_chunks(variant->path, chunks[i], &len);
		ASSERT_NE(NULL, buf);
		EXPECT_EQ(self->len, len)
			TH_LOG("%zu-byte reads gave %zu bytes, not %zu", chunks[i],
			       len, self->len);
		EXPECT_STREQ(self->whole, buf)
			TH_LOG("%zu-byte reads differ", chunks[i]);
		free(buf);
	}
}

/* pread in the middle returns the same bytes; past the end returns 0. */
TEST_F(reads, pread_at_offsets)
{
	const off_t offs[] = { 0, 1, (off_t)self->len / 2, (off_t)self->len - 1 };
	char buf[4096], *rest;
	size_t i, len;
	ssize_t ret;
	int fd;

	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		size_t want = self->len - offs[i];

		if (want > sizeof(buf))
			want = sizeof(buf);
		ret = pread(fd, buf, want, offs[i]);
		ASSERT_LT(0, ret)
			TH_LOG("pread at %lld: %s", (long long)offs[i], strerror(errno));
		/* seq_file may return less than asked; what it returns must match. */
		EXPECT_EQ(0, memcmp(buf, self->whole + offs[i], ret))
			TH_LOG("pread at %lld differs", (long long)offs[i]);
	}
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), self->len));
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 1 << 20));
	EXPECT_EQ(0, pread(fd, buf, 0, 0));
	close(fd);

	/* A reader that starts mid-file and continues sequentially. */
	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)self->len / 2, lseek(fd, self->len / 2, SEEK_SET));
	rest = zl_read_fd_chunks(fd, 5, &len);
	ASSERT_NE(NULL, rest);
	EXPECT_EQ(self->len - self->len / 2, len);
	EXPECT_STREQ(self->whole + self->len / 2, rest);
	free(rest);
	close(fd);
}

/* ---- concurrent writers ---- */

#define WRITER_OPS	200

static const char * const mixed_bad[] = { "0", "2", "1x", " 1", "", "11", "1\n\n" };

/* Good rebuild commands, two in three, and bad ones. */
static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	const char *s;
	ssize_t ret;
	int i, err;

	for (i = 0; i < WRITER_OPS; i++) {
		bool good = (i + w->id) % 3 != 0;

		s = good ? (i & 1 ? "1" : "1\n") :
			   mixed_bad[i % (ARRAY_SIZE(mixed_bad))];
		err = zl_write_once(ZL_REBUILD, s, strlen(s), &ret);
		writer_count(w, good, !err && (!good || ret == (ssize_t)strlen(s)), err);
	}
	return NULL;
}

/* Two threads writing good and bad commands: generation grows by the good ones. */
TEST_F_TIMEOUT(input, concurrent_writers_count_exactly, 120)
{
	struct zl_zonelists *z0 = zl_zonelists_alloc(), *z1 = zl_zonelists_alloc();
	struct writer w[2];
	struct zl_stats s0, s1;
	char err[512] = "";
	int i, good = 0;

	ASSERT_NE(NULL, z0);
	ASSERT_NE(NULL, z1);
	ASSERT_EQ(0, zl_zonelists_read(z0, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&s0));

	run_writers(_metadata, w, 2, writer_fn, "thread", "writes");
	for (i = 0; i < 2; i++)
		good += w[i].good_ok;
	ASSERT_EQ(0, zl_zonelists_read(z1, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(z0->generation + good, z1->generation);
	EXPECT_EQ(zl_stat(&s0, "rebuilds") + good, zl_stat(&s1, "rebuilds"));
	EXPECT_EQ(zl_stat(&s0, "rebuild_failed"), zl_stat(&s1, "rebuild_failed"));
	for (i = 0; i < ZL_MAX_NODES; i++) {
		if (!zl_mask_test(&z0->nodes, i))
			continue;
		EXPECT_STREQ(z0->node[i].order_line, z1->node[i].order_line);
		EXPECT_STREQ(z0->node[i].fallback_line, z1->node[i].fallback_line);
		EXPECT_STREQ(z0->node[i].thisnode_line, z1->node[i].thisnode_line);
	}
	free(z0);
	free(z1);
}

#define ALLOC_WRITER_OPS	300

static const char * const alloc_bad[] = {
	"alloc 0", "alloc 1x", "free 0", "alloc 1 order=1x", "free all x", "",
};

/* Own holder; good alloc/free commands mixed with bad ones and pcp drains. */
static void *alloc_writer_fn(void *arg)
{
	struct writer *w = arg;
	int fd = open(ZL_ALLOC, O_RDWR | O_CLOEXEC), i;
	const char *cmd;
	char buf[32];
	ssize_t ret;

	if (fd < 0) {
		w->good_err = -1;
		return NULL;
	}
	for (i = 0; i < ALLOC_WRITER_OPS; i++) {
		bool good = i % 4 != 3;

		if (!good) {
			cmd = alloc_bad[(i / 4) % ARRAY_SIZE(alloc_bad)];
		} else if (i % 4 == 0) {
			snprintf(buf, sizeof(buf), "alloc %d order=%d", 1 + i % 5, (i / 4) % 3);
			w->blocks += 1 + i % 5;
			cmd = buf;
		} else if (i % 4 == 1) {
			cmd = i % 3 ? "free 2" : "free all";
		} else {
			cmd = i % 2 ? "drain" : "drain all";
			ret = zl_cmd(ZL_PCP, cmd);
			writer_count(w, true, !ret, ret);
			continue;
		}
		ret = write(fd, cmd, strlen(cmd));
		writer_count(w, good, good ? ret == (ssize_t)strlen(cmd) : ret >= 0,
			     ret < 0 ? -errno : 0);
	}
	close(fd);
	return NULL;
}

/*
 * Three writers, each with its own holder, and pcp drains, with bad
 * commands mixed in: good ones succeed, bad ones are EINVAL, every block
 * asked for is counted in alloc_success (no failure), and once the holders
 * are closed and the pcplists drained every zone is whole again: free ==
 * managed, no pcp page, only blocks of the reserved order.
 */
TEST_F_TIMEOUT(input, concurrent_alloc_writers, 300)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	struct writer w[3];
	struct zl_stats s0, s1;
	long asked = 0;
	char *bi0, *bi1;
	int i;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	bi0 = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, bi0);
	ASSERT_EQ(0, zl_stats_read(&s0));
	run_writers(_metadata, w, 3, alloc_writer_fn, "writer", "commands");
	for (i = 0; i < 3; i++)
		asked += w[i].blocks;
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(zl_stat(&s0, "alloc_fail"), zl_stat(&s1, "alloc_fail"));
	EXPECT_EQ(zl_stat(&s0, "alloc_success") + asked, zl_stat(&s1, "alloc_success"));

	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++) {
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free)
			TH_LOG("zone %d/%s: %ld of %ld pages free after everything was freed",
			       zi->zone[i].nid, zi->zone[i].name, zi->zone[i].free,
			       zi->zone[i].managed);
		EXPECT_EQ(0, zl_zi_pcp_total(&zi->zone[i]));
	}
	bi1 = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, bi1);
	EXPECT_STREQ(bi0, bi1)
		TH_LOG("the buddy lists did not merge back");
	free(bi0);
	free(bi1);
	free(zi);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_CONTEXTS) || !zl_path_exists(ZL_REGIONS))
		ksft_exit_skip("this zonelab has no contexts/regions files\n");
	live_base = zl_policies_live();
	ctx_make();
	/* Runs before zl_prereq()'s handler (atexit() calls them in reverse order). */
	atexit(ctx_unmake);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
