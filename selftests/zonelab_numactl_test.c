// SPDX-License-Identifier: GPL-2.0
/*
 * The `topology` file's numactl format: after `numactl` is written to it,
 * it reads as `numactl --hardware` prints the machine.  Compared with the
 * real numactl where the guest has one: the available line, the cpus lines
 * and the distance table identical, each node's size within 1%.  Without
 * numactl those tests skip; the format's own consistency with the default
 * format and the format switch itself (`numactl`, `default`, anything else
 * EINVAL and no change) are tested everywhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"

/* Which format a `topology` read shows, from its first line. */
enum format { FMT_UNKNOWN, FMT_DEFAULT, FMT_NUMACTL };

static int read_format(void)
{
	char *text = zl_read_file(ZL_TOPOLOGY, NULL);
	int f = FMT_UNKNOWN;

	if (!text)
		return FMT_UNKNOWN;
	if (!strncmp(text, "possible", 8))
		f = FMT_DEFAULT;
	else if (!strncmp(text, "available: ", 11))
		f = FMT_NUMACTL;
	free(text);
	return f;
}

/* `topology` read in the numactl format, which is left selected. */
static int read_zl_numactl(struct zl_numactl *n, char *err, size_t errlen)
{
	char *text;
	int ret;

	ret = zl_cmd("topology", "numactl");
	if (ret) {
		zl_set_err(err, errlen, "writing numactl to topology: %s", strerror(-ret));
		return ret;
	}
	text = zl_read_file(ZL_TOPOLOGY, NULL);
	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "%s: %s", ZL_TOPOLOGY, strerror(errno));
		return ret;
	}
	ret = zl_numactl_parse(n, text, err, errlen);
	free(text);
	return ret;
}

/* `numactl --hardware` run and parsed; 0 or -errno with @err set. */
static int read_real_numactl(const char *path, struct zl_numactl *n, char *err,
			     size_t errlen)
{
	char *argv[] = { (char *)path, "--hardware", NULL };
	int status, ret;
	char *text;

	text = zl_run_output(argv, &status);
	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "%s --hardware: %s", path, strerror(errno));
		return ret;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		zl_set_err(err, errlen, "%s --hardware: exit status %d%s (output '%s')", path,
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			   WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			   ", could not run: libraries missing?" : "", text);
		free(text);
		return -EIO;
	}
	ret = zl_numactl_parse(n, text, err, errlen);
	free(text);
	return ret;
}

FIXTURE(numactl)
{
	struct zl_numactl *zl;		/* zonelab's numactl format */
	struct zl_numactl *real;	/* numactl --hardware */
	bool have_numactl;
	struct zl_klog_mark mark;
};

/*
 * Both outputs, numactl's first: the sizes cannot change in between on an
 * idle guest.  numactl missing is no failure here; the tests skip.
 */
FIXTURE_SETUP(numactl)
{
	char path[256], err[512] = "";

	zl_klog_mark(&self->mark);
	self->zl = calloc(1, sizeof(*self->zl));
	self->real = calloc(1, sizeof(*self->real));
	ASSERT_NE(NULL, self->zl);
	ASSERT_NE(NULL, self->real);
	self->have_numactl = zl_find_program("numactl", path, sizeof(path));
	if (self->have_numactl)
		ASSERT_EQ(0, read_real_numactl(path, self->real, err, sizeof(err)))
			TH_LOG("%s", err);
	ASSERT_EQ(0, read_zl_numactl(self->zl, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(numactl)
{
	EXPECT_EQ(0, zl_cmd("topology", "default"));
	free(self->zl);
	free(self->real);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

#define NEED_NUMACTL()							\
	do {								\
		if (!self->have_numactl)				\
			SKIP(return, "no numactl in this system's PATH");\
	} while (0)

/* "available: N nodes (list)" is numactl's line, byte for byte. */
TEST_F(numactl, available_line_identical)
{
	NEED_NUMACTL();
	EXPECT_STREQ(self->real->available, self->zl->available);
}

/* The same nodes in the same order, each "node N cpus: ..." identical. */
TEST_F(numactl, cpus_lines_identical)
{
	int k;

	NEED_NUMACTL();
	ASSERT_EQ(self->real->nr_nodes, self->zl->nr_nodes);
	for (k = 0; k < self->real->nr_nodes; k++) {
		EXPECT_EQ(self->real->nid[k], self->zl->nid[k]);
		EXPECT_STREQ(self->real->cpus[k], self->zl->cpus[k]);
	}
}

/* "node distances:" and the table after it identical, blanks included. */
TEST_F(numactl, distance_table_identical)
{
	int i;

	NEED_NUMACTL();
	ASSERT_EQ(self->real->nr_dist, self->zl->nr_dist);
	for (i = 0; i < self->real->nr_dist; i++)
		EXPECT_STREQ(self->real->dist[i], self->zl->dist[i])
			TH_LOG("distance table line %d", i + 1);
}

/* Each node's size is within 1% of numactl's (0 MB for 0 MB). */
TEST_F(numactl, sizes_within_one_percent)
{
	unsigned long long a, b, diff;
	int k;

	NEED_NUMACTL();
	ASSERT_EQ(self->real->nr_nodes, self->zl->nr_nodes);
	for (k = 0; k < self->real->nr_nodes; k++) {
		a = self->zl->size_mb[k];
		b = self->real->size_mb[k];
		diff = a > b ? a - b : b - a;
		EXPECT_LE(diff * 100, b)
			TH_LOG("node %d: zonelab %llu MB, numactl %llu MB",
			       self->zl->nid[k], a, b);
		TH_LOG("node %d size: zonelab %llu MB, numactl %llu MB",
		       self->zl->nid[k], a, b);
	}
}

/*
 * Without numactl too: the numactl format says what the default format
 * says (online nodes, their cpus, the distances), and size is the node's
 * managed pages in MB (MemTotal of nodeN/meminfo), free at most that.
 */
TEST_F(numactl, agrees_with_default_format)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	char *text, err[512] = "", list[1024], want[1100];
	unsigned long long managed;
	struct zl_topo *t;
	int k, nid, n, z;
	size_t len;
	long kb;

	t = zl_topo_alloc();
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, zl_cmd("topology", "default"));
	text = zl_read_file(ZL_TOPOLOGY, NULL);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, zl_topo_parse(t, text, err, sizeof(err)))
		TH_LOG("%s", err);
	free(text);

	snprintf(want, sizeof(want), "available: %d nodes (%s)", zl_mask_weight(&t->online),
		 zl_format_list(&t->online, list, sizeof(list)));
	EXPECT_STREQ(want, self->zl->available);
	ASSERT_EQ(zl_mask_weight(&t->online), self->zl->nr_nodes);

	k = 0;
	zl_for_each_node(nid, &t->online) {
		int cpu;

		ASSERT_EQ(nid, self->zl->nid[k]);
		len = snprintf(want, sizeof(want), "node %d cpus:", nid);
		zl_for_each_bit(cpu, &t->cpus[nid], ZL_MASK_BITS)
			len += snprintf(want + len, sizeof(want) - len, " %d", cpu);
		EXPECT_STREQ(want, self->zl->cpus[k]);

		managed = 0;
		for (z = 0; z < t->nr_zones[nid]; z++)
			managed += t->zones[nid][z].managed;
		EXPECT_EQ(managed * page_kb / 1024, self->zl->size_mb[k])
			TH_LOG("node %d: %llu managed pages", nid, managed);
		kb = zl_node_memtotal_kb(nid);
		ASSERT_LE(0, kb);
		EXPECT_EQ((unsigned long long)kb / 1024, self->zl->size_mb[k])
			TH_LOG("node %d: nodeN/meminfo MemTotal %ld kB", nid, kb);
		EXPECT_LE(self->zl->free_mb[k], self->zl->size_mb[k]);

		/* Row k + 1 of the table: "% 3d: " and "% 3d " per node. */
		len = snprintf(want, sizeof(want), "% 3d: ", nid);
		zl_for_each_node(n, &t->online)
			len += snprintf(want + len, sizeof(want) - len, "% 3d ", t->dist[nid][n]);
		EXPECT_STREQ(want, self->zl->dist[k + 1]);
		k++;
	}
	len = snprintf(want, sizeof(want), "node ");
	zl_for_each_node(n, &t->online)
		len += snprintf(want + len, sizeof(want) - len, "% 3d ", n);
	EXPECT_STREQ(want, self->zl->dist[0]);
	free(t);
}

FIXTURE(format)
{
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(format)
{
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(format)
{
	EXPECT_EQ(0, zl_cmd("topology", "default"));
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* `numactl` and `default` (also as `echo` writes them) switch later reads. */
TEST_F(format, switches_both_ways)
{
	ASSERT_EQ(0, zl_cmd("topology", "numactl"));
	EXPECT_EQ(FMT_NUMACTL, read_format());
	EXPECT_EQ(FMT_NUMACTL, read_format());
	ASSERT_EQ(0, zl_cmd("topology", "default\n"));
	EXPECT_EQ(FMT_DEFAULT, read_format());
	ASSERT_EQ(0, zl_cmd("topology", "numactl\n"));
	EXPECT_EQ(FMT_NUMACTL, read_format());
	ASSERT_EQ(0, zl_cmd("topology", "default"));
	EXPECT_EQ(FMT_DEFAULT, read_format());
}

/* Any other write fails with EINVAL and leaves the format as it was. */
TEST_F(format, bad_writes_einval_unchanged)
{
	static const struct {
		const char *buf;
		size_t len;
	} bad[] = {
#define B(s) { s, sizeof(s) - 1 }
		B(""), B("\n"), B("numa"), B("numactl "), B(" numactl"), B("NUMACTL"),
		B("Default"), B("numactl\n\n"), B("numactl\ndefault"), B("default\0"),
		B("numactl\0x"), B("1"), B("0"), B("numactl x"), B("numactl\t"),
		B("defaultnumactl"), B("--hardware"),
		B("numactlnumactlnumactlnumactlnumactlnumactlnumactlnumactlnumactlnumactl"),
#undef B
	};
	static const char * const start[] = { "default", "numactl" };
	static const int fmt[] = { FMT_DEFAULT, FMT_NUMACTL };
	size_t i, s;
	ssize_t n;
	int fd;

	for (s = 0; s < ARRAY_SIZE(start); s++) {
		ASSERT_EQ(0, zl_cmd("topology", start[s]));
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(-EINVAL, zl_write_once(ZL_TOPOLOGY, bad[i].buf, bad[i].len, &n))
				TH_LOG("'%.*s' (%zu bytes) accepted in %s format", (int)bad[i].len,
				       bad[i].buf, bad[i].len, start[s]);
			EXPECT_EQ(fmt[s], read_format())
				TH_LOG("'%.*s' changed the %s format", (int)bad[i].len,
				       bad[i].buf, start[s]);
		}
		/*
		 * A write at a non-zero offset is half a command (pwrite()
		 * itself fails on a seq_file: ESPIPE).
		 */
		fd = open(ZL_TOPOLOGY, O_RDWR);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, pwrite(fd, start[1 - s], strlen(start[1 - s]), 1));
		EXPECT_EQ(1, lseek(fd, 1, SEEK_SET));
		EXPECT_EQ(-1, write(fd, start[1 - s], strlen(start[1 - s])));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
		EXPECT_EQ(fmt[s], read_format());
	}
}

/* The file is root's, read and write (0600). */
TEST_F(format, mode_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(ZL_TOPOLOGY, &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
