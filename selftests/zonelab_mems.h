/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the zonelab selftests whose allocations race mems updates
 * (zonelab_cpuset_test): node sets as 64-bit masks, the writer's history
 * of mems, the allocating side that checks each page against it (a
 * thread, or a forked child: all it uses and counts fits in a mapping
 * shared with it), a thread that allocates once per trial, the kernel's
 * policy modes, names and weights (zonelab_mpol_kernel_test,
 * zonelab_place_test), and the small probes those tests need.  zonelab_mems.c; tests include this header,
 * which includes zonelab_pool.h.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values, or count them for the test to check.
 */
#ifndef ZONELAB_MEMS_H
#define ZONELAB_MEMS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "zonelab_pool.h"

/* ---- node sets as bit masks (every test node id is below 64) ---- */
unsigned long long zl_mask_bits(const struct zl_mask *m);
/* @b as a kernel node list into @buf. */
char *zl_bits_list(unsigned long long b, char *buf, size_t size);

/* ---- the writer's history ---- */
/* Most mems generations a history keeps: ZL_HISTORY_MAX - 2 writes. */
#define ZL_HISTORY_MAX	4096

/*
 * The writer of mems keeps a sequence count, odd while a write is in
 * flight, and hist[seq / 2] the mems in force at each even count.
 */
struct zl_history {
	atomic_long seq;
	unsigned long long hist[ZL_HISTORY_MAX];
};

/* A write of mems @bits begins: recorded, seq odd.  The seq it began at. */
long zl_history_begin(struct zl_history *h, unsigned long long bits);
/* The write that began at @s returned: seq even, its mems in force. */
void zl_history_end(struct zl_history *h, long s);
/*
 * What an allocation that read @s0 before its command and @s1 after it
 * may have got a page on: the union of the mems in force in between.
 */
unsigned long long zl_mems_allowed(const struct zl_history *h, long s0, long s1);

/* ---- the allocating side ---- */
/* One thread or process that allocates page after page, and what it saw. */
struct zl_racer {
	/* Set before zl_racer_run(). */
	int fd;				/* an alloc file */
	const char *cmd;		/* the command for one page */
	long free_at;			/* held pages that make it free all */
	bool yield;			/* sched_yield() after every page */
	const struct zl_history *h;	/* the writer's */
	const atomic_bool *stop;
	/* Counted by it. */
	long allocs, fails;
	long clean;			/* pages with the same even seq around them */
	long clean_wrong;		/* of those, pages off that seq's mems */
	long outside;			/* pages off every mems allowed around them */
	int err;			/* the last failure's -errno */
	int bad_node;			/* the last page outside, -1 if not found */
	long bad_s0, bad_s1;		/* and the seq values around it */
	long on[ZL_MAX_NODES];		/* pages per node */
};

/*
 * Until *@r->stop: one page with @r->cmd between two reads of the seq,
 * its node found in the file's state and counted, everything freed at
 * @r->free_at pages.  A failed allocation counts and goes on; a state
 * that cannot be read or freed ends it with @r->err -EIO.
 */
void zl_racer_run(struct zl_racer *r);
/* zl_racer_run() as a pthread start routine; returns NULL. */
void *zl_racer_thread(void *racer);
/*
 * zl_racer_run() in a forked child once *@go, on an alloc file of its own
 * exempt from zonelab's OOM; never returns: _exit(0), or _exit(1) with
 * the open's -errno in @r->err.
 */
void zl_racer_child(struct zl_racer *r, const atomic_bool *go);
/* The pages @r got on the nodes of @m. */
long zl_racer_pages_on(const struct zl_racer *r, const struct zl_mask *m);

/* ---- one allocation per trial ---- */
/* A thread pinned to @cpu that runs @cmd on @fd once per trial when told. */
struct zl_trial_alloc {
	int fd, cpu;
	const char *cmd;
	atomic_int tid;
	atomic_int go, started, done;	/* trial numbers */
	int result[64];			/* each trial's return */
	bool quit;			/* with a last @go: return */
};

/* The thread of a struct zl_trial_alloc; trials count from 1. */
void *zl_trial_thread(void *trial);
/*
 * Start trial @n and wait until the thread began it; then, spinning (a
 * caller that holds its CPU keeps that CPU's work item waiting), up to
 * @us until the thread shows sleeping uninterruptibly in flush_work()
 * (where wchan names no function: uninterruptibly): whether it did.
 */
bool zl_trial_start(struct zl_trial_alloc *t, int n, long long us);
/* Wait until trial @n returned: its result. */
int zl_trial_result(struct zl_trial_alloc *t, int n);

/* ---- the kernel's policies ---- */
/* set_mempolicy(2)'s modes and flags (uapi/linux/mempolicy.h). */
enum { ZL_K_DEFAULT, ZL_K_PREFERRED, ZL_K_BIND, ZL_K_INTERLEAVE, ZL_K_LOCAL,
	ZL_K_PREFERRED_MANY, ZL_K_WEIGHTED_INTERLEAVE, ZL_K_NR_MODES };
#define ZL_K_F_STATIC	(1 << 15)
#define ZL_K_F_RELATIVE	(1 << 14)
/* mpol_to_str()'s names, by mode (6.12's for weighted interleave). */
extern const char * const zl_kmode[ZL_K_NR_MODES];

/* The kernel's weighted interleave weights (6.9+). */
#define ZL_IW_DIR	"/sys/kernel/mm/mempolicy/weighted_interleave"
/*
 * Set the kernel's weight of @nid to @w, keeping the one it replaces in
 * @old[nid] (64 entries, 0: none kept) unless one is kept already.
 * 0 or -errno.
 */
int zl_iw_swap(int *old, int nid, int w);
/* Put back every weight @old keeps and forget it: 0, or the first -errno. */
int zl_iw_restore(int *old);

/* ZL_SEED, or the clock's: printed, so that a failure can be rerun. */
unsigned int zl_test_seed(void);

/* ---- probes ---- */
/* CLOCK_MONOTONIC in microseconds. */
long long zl_now_us(void);
/* One write(2) of @s on an open file: 0 or -errno (-EIO when short). */
int zl_write_fd(int fd, const char *s);
/* Whether the file at @path lists @word (words between blanks, as cgroup.controllers). */
bool zl_file_has_word(const char *path, const char *word);

#endif /* ZONELAB_MEMS_H */
