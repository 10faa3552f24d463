// SPDX-License-Identifier: GPL-2.0
/*
 * Robustness of zonelab's debugfs files, in the spirit of
 * selftests/damon/debugfs_huge_count_read_write.sh: malformed, huge,
 * offset and vectored writes to `rebuild` fail with EINVAL and change
 * nothing; read-only files refuse writes; reads of every size and offset
 * agree; concurrent writers are counted exactly; the kernel logs no
 * warning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"

static const char * const ro_files[] = {
	ZL_TOPOLOGY, ZL_ZONELISTS, ZL_KZONELISTS, ZL_STATS,
};

#define NR_RO	(ARRAY_SIZE(ro_files))

/* Everything a write could change, as text. */
struct state {
	char *zonelists;
	char *stats;
};

static void state_read(struct __test_metadata *_metadata, struct state *s)
{
	s->zonelists = zl_read_file(ZL_ZONELISTS, NULL);
	s->stats = zl_read_file(ZL_STATS, NULL);
	ASSERT_NE(NULL, s->zonelists);
	ASSERT_NE(NULL, s->stats);
}

static void state_free(struct state *s)
{
	free(s->zonelists);
	free(s->stats);
	s->zonelists = NULL;
	s->stats = NULL;
}

/* The zonelists and stats files are byte for byte what they were. */
static void expect_unchanged(struct __test_metadata *_metadata,
			     const struct state *before, const char *what)
{
	struct state now;

	state_read(_metadata, &now);
	EXPECT_STREQ(before->zonelists, now.zonelists)
		TH_LOG("%s changed zonelists", what);
	EXPECT_STREQ(before->stats, now.stats)
		TH_LOG("%s changed stats", what);
	state_free(&now);
}

/* Setup of the bad_write and input fixtures: @before once `stats` is quiet. */
static void state_setup(struct __test_metadata *_metadata, struct state *before,
			struct zl_klog_mark *mark)
{
	zl_klog_mark(mark);
	/* Old generations freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	state_read(_metadata, before);
}

static void state_teardown(struct __test_metadata *_metadata, struct state *before,
			   const struct zl_klog_mark *mark)
{
	state_free(before);
	EXPECT_EQ(0, zl_klog_new_bad(mark));
}

/* ---- malformed writes, one variant per input ---- */

FIXTURE(bad_write)
{
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(bad_write)
{
	const char *data;
	size_t len;	/* 0: strlen(data); set for data with a NUL inside */
};

FIXTURE_VARIANT_ADD(bad_write, empty)
{
	.data = "",
};

FIXTURE_VARIANT_ADD(bad_write, zero)
{
	.data = "0",
};

FIXTURE_VARIANT_ADD(bad_write, two)
{
	.data = "2",
};

FIXTURE_VARIANT_ADD(bad_write, eleven)
{
	.data = "11",
};

FIXTURE_VARIANT_ADD(bad_write, one_x)
{
	.data = "1x",
};

FIXTURE_VARIANT_ADD(bad_write, lead_space)
{
	.data = " 1",
};

FIXTURE_VARIANT_ADD(bad_write, trail_space)
{
	.data = "1 ",
};

FIXTURE_VARIANT_ADD(bad_write, two_newlines)
{
	.data = "1\n\n",
};

FIXTURE_VARIANT_ADD(bad_write, newline_only)
{
	.data = "\n",
};

FIXTURE_VARIANT_ADD(bad_write, plus_one)
{
	.data = "+1",
};

FIXTURE_VARIANT_ADD(bad_write, minus_one)
{
	.data = "-1",
};

FIXTURE_VARIANT_ADD(bad_write, leading_zero)
{
	.data = "01",
};

FIXTURE_VARIANT_ADD(bad_write, hex_one)
{
	.data = "0x1",
};

FIXTURE_VARIANT_ADD(bad_write, crlf)
{
	.data = "1\r\n",
};

FIXTURE_VARIANT_ADD(bad_write, tab)
{
	.data = "1\t",
};

FIXTURE_VARIANT_ADD(bad_write, nul)
{
	.data = "\0", .len = 1,
};

FIXTURE_VARIANT_ADD(bad_write, one_nul)
{
	.data = "1\0", .len = 2,
};

FIXTURE_VARIANT_ADD(bad_write, binary)
{
	.data = "\x01\xff\x80",
};

FIXTURE_VARIANT_ADD(bad_write, len32_zeros_one)
{
	.data = "00000000000000000000000000000001",
};

FIXTURE_VARIANT_ADD(bad_write, len32_one_newlines)
{
	.data = "1\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
};

FIXTURE_VARIANT_ADD(bad_write, len64)
{
	.data = "000000000000000000000000000000000000000000000000000000000000001\n",
};

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
};

FIXTURE_VARIANT_ADD(reads, topology) { .path = ZL_TOPOLOGY, };
FIXTURE_VARIANT_ADD(reads, zonelists) { .path = ZL_ZONELISTS, };
FIXTURE_VARIANT_ADD(reads, kernel_zonelists) { .path = ZL_KZONELISTS, };
FIXTURE_VARIANT_ADD(reads, stats) { .path = ZL_STATS, };

FIXTURE_SETUP(reads)
{
	zl_klog_mark(&self->mark);
	/* Old generations freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	self->whole = read_chunks(variant->path, 1 << 16, &self->len);
	ASSERT_NE(NULL, self->whole)
		TH_LOG("%s: %s", variant->path, strerror(errno));
	ASSERT_LT((size_t)0, self->len);
	ASSERT_EQ('\n', self->whole[self->len - 1]);
}

FIXTURE_TEARDOWN(reads)
{
	free(self->whole);
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

struct writer {
	pthread_t thread;
	int id;
	int good_ok, good_err, bad_ok, bad_err_einval, bad_err_other;
};

static const char * const mixed_bad[] = { "0", "2", "1x", " 1", "", "11", "1\n\n" };

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
		if (good) {
			if (!err && ret == (ssize_t)strlen(s))
				w->good_ok++;
			else
				w->good_err++;
		} else if (!err) {
			w->bad_ok++;
		} else if (err == -EINVAL) {
			w->bad_err_einval++;
		} else {
			w->bad_err_other++;
		}
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

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, writer_fn, &w[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, w[i].good_err) TH_LOG("thread %d: good writes failed", i);
		EXPECT_EQ(0, w[i].bad_ok) TH_LOG("thread %d: bad writes accepted", i);
		EXPECT_EQ(0, w[i].bad_err_other) TH_LOG("thread %d: bad writes not EINVAL", i);
		good += w[i].good_ok;
	}
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

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
