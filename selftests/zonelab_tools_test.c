// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's tracepoints through the tools a kernel developer already
 * uses: `trace-cmd record -e zonelab` and `perf record -e 'zonelab:*'`
 * each record an allocation and a rebuild made by the command they run,
 * and their reports show both events with their fields.  A test skips
 * when its tool is not installed (scripts/setup installs both; qemu-run
 * copies them into the guest with their libraries).
 *
 * The tools switch the events on and off themselves, which live-patches
 * code: the other CPUs are offline meanwhile (zl_other_cpus_set_online()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"

#define TRACE_CMD	"/usr/bin/trace-cmd"
#define PERF		"/usr/bin/perf"
#define DATA		"/tmp/zonelab_tools.dat"
/* What the recorded command does: three order-0 pages, one rebuild. */
#define WORKLOAD	"sh -c 'echo alloc 3 > " ZL_ALLOC "; echo 1 > " ZL_REBUILD "'"

/*
 * Run @cmd under sh; what it prints on stdout into a malloc'd *@out (NULL
 * on error).  Its exit status, or -1.
 */
static int run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	int st;

	*out = p ? zl_read_fd_chunks(fileno(p), 4096, NULL) : NULL;
	if (!p)
		return -1;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether a line of @text has both @a and @b. */
static bool has_line(const char *text, const char *a, const char *b)
{
	const char *l = text;

	while (l && *l) {
		const char *end = strchrnul(l, '\n'), *pa = strstr(l, a);

		if (pa && pa < end) {
			const char *pb = strstr(l, b);

			if (pb && pb < end)
				return true;
		}
		l = *end ? end + 1 : NULL;
	}
	return false;
}

FIXTURE(tools)
{
	struct zl_klog_mark mark;
};

/* A tool, the command that records WORKLOAD and the one that reports it. */
FIXTURE_VARIANT(tools)
{
	const char *path, *package, *record, *report;
};

FIXTURE_VARIANT_ADD(tools, trace_cmd) {
	.path = TRACE_CMD, .package = "trace-cmd",
	.record = TRACE_CMD " record -q -e zonelab -o " DATA " " WORKLOAD " 2>&1",
	.report = TRACE_CMD " report -i " DATA " 2>&1",
};

/* -N: no build-id cache; the guest has no home for one. */
FIXTURE_VARIANT_ADD(tools, perf) {
	.path = PERF, .package = "linux-perf",
	.record = PERF " record -q -N -a -e 'zonelab:*' -o " DATA " -- " WORKLOAD " 2>&1",
	.report = PERF " script -i " DATA " 2>/dev/null",
};

FIXTURE_SETUP(tools)
{
	zl_klog_mark(&self->mark);
	unlink(DATA);
	zl_other_cpus_set_online(false);
}

FIXTURE_TEARDOWN(tools)
{
	zl_other_cpus_set_online(true);
	unlink(DATA);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* The report has an order-0 zonelab_alloc and a zonelab_rebuild of mode rcu. */
TEST_F(tools, record_and_report)
{
	char *out;
	int st;

	if (access(variant->path, X_OK))
		SKIP(return, "no %s (Debian package %s)", variant->path, variant->package);
	st = run(variant->record, &out);
	ASSERT_EQ(0, st) TH_LOG("%s: exit %d:\n%s", variant->record, st, out ? out : "");
	free(out);
	st = run(variant->report, &out);
	ASSERT_EQ(0, st) TH_LOG("%s: exit %d:\n%s", variant->report, st, out ? out : "");
	ASSERT_NE(NULL, out) TH_LOG("reading the output of %s", variant->report);
	EXPECT_TRUE(has_line(out, "zonelab_alloc:", "order=0"))
		TH_LOG("no order-0 zonelab_alloc in the report:\n%.2000s", out);
	EXPECT_TRUE(has_line(out, "zonelab_rebuild:", "mode=rcu"))
		TH_LOG("no zonelab_rebuild in the report:\n%.2000s", out);
	free(out);
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists("/sys/kernel/tracing/events/zonelab"))
		ksft_exit_skip("no zonelab events in tracefs\n");
	return test_harness_run(argc, argv);
}
