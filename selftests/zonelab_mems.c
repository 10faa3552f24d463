// SPDX-License-Identifier: GPL-2.0
/*
 * The mems races' side of the zonelab selftests; see zonelab_mems.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zonelab_mems.h"

unsigned long long zl_mask_bits(const struct zl_mask *m)
{
	unsigned long long b = 0;
	int nid;

	zl_for_each_node(nid, m)
		b |= 1ULL << nid;
	return b;
}

char *zl_bits_list(unsigned long long b, char *buf, size_t size)
{
	struct zl_mask m;
	int nid;

	zl_mask_clear(&m);
	for (nid = 0; nid < 64; nid++)
		if (b & (1ULL << nid))
			zl_mask_set(&m, nid);
	return zl_format_list(&m, buf, size);
}

long zl_history_begin(struct zl_history *h, unsigned long long bits)
{
	long s = atomic_load(&h->seq);

	h->hist[s / 2 + 1] = bits;
	atomic_store(&h->seq, s + 1);
	return s;
}

void zl_history_end(struct zl_history *h, long s)
{
	atomic_store(&h->seq, s + 2);
}

unsigned long long zl_mems_allowed(const struct zl_history *h, long s0, long s1)
{
	unsigned long long u = 0;
	long k;

	for (k = s0 / 2; k <= (s1 + 1) / 2; k++)
		u |= h->hist[k];
	return u;
}

/*
 * The node whose count in @fd's state grew by one since @before into
 * *@got (-1: none did), the state into @after: 0, or -EIO.
 */
static int page_node(int fd, const struct zl_held *before, struct zl_held *after, int *got)
{
	char err[256];
	int nid;

	if (zl_alloc_state(fd, 4096, after, err, sizeof(err)))
		return -EIO;
	*got = -1;
	zl_for_each_node(nid, &after->nodes)
		if (after->node[nid] == before->node[nid] + 1)
			*got = nid;
	return 0;
}

/* Count a page on node @got (-1: not found) between seq values @s0 and @s1. */
static void racer_count(struct zl_racer *r, long s0, long s1, int got)
{
	unsigned long long bit = got >= 0 ? 1ULL << got : 0;

	r->allocs++;
	if (got >= 0)
		r->on[got]++;
	if (s0 == s1 && !(s0 & 1)) {
		r->clean++;
		if (!(r->h->hist[s0 / 2] & bit))
			r->clean_wrong++;
	}
	if (!(zl_mems_allowed(r->h, s0, s1) & bit)) {
		r->outside++;
		r->bad_node = got;
		r->bad_s0 = s0;
		r->bad_s1 = s1;
	}
}

void zl_racer_run(struct zl_racer *r)
{
	struct zl_held before, after;
	int got;

	memset(&before, 0, sizeof(before));
	while (!atomic_load(r->stop)) {
		long s0 = atomic_load(&r->h->seq), s1;
		int ret = zl_alloc_cmd(r->fd, "%s", r->cmd);

		s1 = atomic_load(&r->h->seq);
		if (ret) {
			r->fails++;
			r->err = ret;
			continue;
		}
		if (page_node(r->fd, &before, &after, &got)) {
			r->err = -EIO;
			break;
		}
		racer_count(r, s0, s1, got);
		before = after;
		if (after.pages >= r->free_at) {
			if (zl_alloc_cmd(r->fd, "free all")) {
				r->err = -EIO;
				break;
			}
			memset(&before, 0, sizeof(before));
		}
		if (r->yield)
			sched_yield();
	}
}

void *zl_racer_thread(void *racer)
{
	zl_racer_run(racer);
	return NULL;
}

void zl_racer_child(struct zl_racer *r, const atomic_bool *go)
{
	while (!atomic_load(go))
		;
	r->fd = zl_alloc_open_exempt();
	if (r->fd < 0) {
		r->err = r->fd;
		_exit(1);
	}
	zl_racer_run(r);
	close(r->fd);
	_exit(0);
}

long zl_racer_pages_on(const struct zl_racer *r, const struct zl_mask *m)
{
	long pages = 0;
	int nid;

	zl_for_each_node(nid, m)
		pages += r->on[nid];
	return pages;
}

/* Whether thread @tid of this process sleeps uninterruptibly in flush_work(). */
static bool in_flush_work(int tid)
{
	char path[64], *stat, *wchan, *p;
	bool held;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	stat = zl_read_file(path, NULL);
	p = stat ? strrchr(stat, ')') : NULL;
	held = p && p[1] == ' ' && p[2] == 'D';
	free(stat);
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	wchan = zl_read_file(path, NULL);
	/* wchan names the function where a kernel with kallsyms has it. */
	if (held && wchan && *wchan && strcmp(wchan, "0"))
		held = strstr(wchan, "flush_work") != NULL;
	free(wchan);
	return held;
}

void *zl_trial_thread(void *trial)
{
	struct zl_trial_alloc *t = trial;
	int n;

	atomic_store(&t->tid, gettid());
	if (zl_pin_cpu(t->cpu))
		return NULL;
	for (n = 1; ; n++) {
		while (atomic_load(&t->go) < n)
			zl_sleep_ms(1);
		if (t->quit)
			return NULL;
		atomic_store(&t->started, n);
		t->result[n] = zl_alloc_cmd(t->fd, "%s", t->cmd);
		atomic_store(&t->done, n);
	}
}

bool zl_trial_start(struct zl_trial_alloc *t, int n, long long us)
{
	long long until;
	bool held = false;

	atomic_store(&t->go, n);
	while (atomic_load(&t->started) < n)
		;
	until = zl_now_us() + us;
	while (!held && atomic_load(&t->done) < n && zl_now_us() < until)
		held = in_flush_work(atomic_load(&t->tid));
	return held;
}

int zl_trial_result(struct zl_trial_alloc *t, int n)
{
	while (atomic_load(&t->done) < n)
		usleep(200);
	return t->result[n];
}

const char * const zl_kmode[ZL_K_NR_MODES] = {
	"default", "prefer", "bind", "interleave", "local", "prefer (many)",
	"weighted interleave",
};

/* The kernel's weight of @nid, or -errno. */
static int iw_get(int nid)
{
	char path[96];
	long w;
	int ret;

	snprintf(path, sizeof(path), ZL_IW_DIR "/node%d", nid);
	ret = zl_read_long(path, &w);
	return ret ? ret : (int)w;
}

static int iw_set(int nid, int w)
{
	char path[96], val[16];

	snprintf(path, sizeof(path), ZL_IW_DIR "/node%d", nid);
	snprintf(val, sizeof(val), "%d", w);
	return zl_write_str(path, val);
}

int zl_iw_swap(int *old, int nid, int w)
{
	if (!old[nid]) {
		old[nid] = iw_get(nid);
		if (old[nid] <= 0) {
			int ret = old[nid] ? old[nid] : -EINVAL;

			old[nid] = 0;
			return ret;
		}
	}
	return iw_set(nid, w);
}

int zl_iw_restore(int *old)
{
	int nid, ret, first = 0;

	for (nid = 0; nid < 64; nid++) {
		if (!old[nid])
			continue;
		ret = iw_set(nid, old[nid]);
		if (ret && !first)
			first = ret;
		old[nid] = 0;
	}
	return first;
}

unsigned int zl_test_seed(void)
{
	const char *env = getenv("ZL_SEED");

	return env ? (unsigned int)strtoul(env, NULL, 0) : (unsigned int)time(NULL);
}

long long zl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int zl_write_fd(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	return n == (ssize_t)strlen(s) ? 0 : n < 0 ? -errno : -EIO;
}

bool zl_file_has_word(const char *path, const char *word)
{
	char *text = zl_read_file(path, NULL), *p;
	size_t len = strlen(word);
	bool found = false;

	for (p = text; p && (p = strstr(p, word)); p += len)
		if ((p == text || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			found = true;
	free(text);
	return found;
}
