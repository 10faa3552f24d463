// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab oom: zonelab's own OOM killer over the owners of its pages
 * (alloc files, the stress workers, contexts), never the kernel's.
 *
 * As the 2016 series that replaced TIF_MEMDIE has it: the victim mark is
 * owner-wide, not per thread, so every thread of a context and every
 * stress worker sees it; a marked owner's allocations may dip into the
 * OOM reserve, down to half the min watermark (ALLOC_OOM), and no lower;
 * a reaper frees the victim's pages asynchronously, so the OOM resolves
 * even if the victim never runs again; and oom_disable waits for the
 * victims to go before it refuses new kills (oom_killer_disable()).
 *
 * Victim choice follows oom_kill.c: while a victim is on its way out
 * nobody else is chosen (oom_evaluate_task() aborts its scan), until the
 * reaper gives up on it (MMF_OOM_SKIP after MAX_OOM_REAP_RETRIES tries
 * HZ/10 apart), and oom_score_adj is a share of the pages the allocation
 * is constrained to (constrained_alloc()'s totalpages).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "zonelab.h"
#include "trace.h"

/* How long an allocation that declared OOM waits for the victim. */
#define ZL_OOM_WAIT		(HZ / 2)
/* How long oom_disable waits for the victims to go. */
#define ZL_OOM_DISABLE_WAIT	(5 * HZ)
/* oom_reap_task(): tries on a busy victim, HZ/10 apart, before giving up. */
#define ZL_REAP_TRIES		10
#define ZL_REAP_INTERVAL	(HZ / 10)
/* What zl_oom_select() returns while a victim is on its way out. */
#define ZL_OOM_PENDING		((struct zl_owner *)-1L)

/*
 * Serialises victim choice, oom_disable and the owner list.  Taken inside
 * holders' locks (an allocation under one declares OOM), so the reaper,
 * which takes holders' locks, never holds it while it reaps.
 */
static DEFINE_MUTEX(zl_oom_lock);
static LIST_HEAD(zl_owners);
/* Under zl_oom_lock; read with READ_ONCE(). */
static bool zl_oom_disabled;

/* Woken when a victim is gone (all its pages freed) or given up on. */
static DECLARE_WAIT_QUEUE_HEAD(zl_oom_wq);
/* Victims not gone yet; the wait condition of oom_disable. */
static atomic_t zl_nr_victims = ATOMIC_INIT(0);
/*
 * Victims gone or given up on so far: what an allocation that declared
 * OOM waits for, since either lets it try again or choose anew.
 */
static atomic_long_t zl_oom_gone = ATOMIC_LONG_INIT(0);
/* Owner ids, for `oom` and the tracepoints. */
static atomic_t zl_owner_ids = ATOMIC_INIT(0);

static void zl_oom_reap_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(zl_oom_reap_work, zl_oom_reap_fn);

/**
 * zl_owner_init() - set up an owner; zl_owner_register() makes it a
 * candidate.
 * @o:		the owner, embedded in a holder, context or the stress state.
 * @kind:	"file", "ctx" or "stress" (static storage).
 * @name:	its name in `oom`.
 * @reap:	frees the owner's pages (may sleep), or NULL when its users
 *		free them themselves on seeing the mark (stress workers) or
 *		its members hold them (a context).
 *
 * Return: 0 or -ENOMEM.
 */
int zl_owner_init(struct zl_owner *o, const char *kind, const char *name,
		  void (*reap)(struct zl_owner *o, bool trylock))
{
	memset(o, 0, sizeof(*o));
	o->node_pages = kcalloc(nr_node_ids, sizeof(*o->node_pages),
				GFP_KERNEL);
	if (!o->node_pages)
		return -ENOMEM;
	o->kind = kind;
	o->id = atomic_inc_return(&zl_owner_ids);
	strscpy(o->name, name, sizeof(o->name));
	o->reap = reap;
	INIT_LIST_HEAD(&o->node);
	mutex_init(&o->members_lock);
	INIT_LIST_HEAD(&o->members);
	INIT_LIST_HEAD(&o->member_node);
	return 0;
}

/**
 * zl_owner_add_member() - charge @member's pages to @o from now on: when
 * @o is a victim, the reaper reaps @member too.
 * @o:		the owner (a context).
 * @member:	an owner with a reap callback (an alloc file's holder).
 */
void zl_owner_add_member(struct zl_owner *o, struct zl_owner *member)
{
	mutex_lock(&o->members_lock);
	list_add_tail(&member->member_node, &o->members);
	mutex_unlock(&o->members_lock);
}

/* Undo zl_owner_add_member(); once it returns, no reap of it runs. */
void zl_owner_del_member(struct zl_owner *o, struct zl_owner *member)
{
	mutex_lock(&o->members_lock);
	list_del_init(&member->member_node);
	mutex_unlock(&o->members_lock);
}

/* Clear the mark of a victim that is gone.  Under zl_oom_lock. */
static void zl_victim_gone(struct zl_owner *o)
{
	lockdep_assert_held(&zl_oom_lock);

	WRITE_ONCE(o->victim, false);
	o->oom_skip = false;
	o->reap_tries = 0;
	atomic_dec(&zl_nr_victims);
	atomic_long_inc(&zl_oom_gone);
	trace_zonelab_oom_gone(o->id, atomic_long_read(&o->reaped));
	wake_up_all(&zl_oom_wq);
}

void zl_owner_register(struct zl_owner *o)
{
	mutex_lock(&zl_oom_lock);
	list_add_tail(&o->node, &zl_owners);
	mutex_unlock(&zl_oom_lock);
}

/*
 * No longer a candidate; once this returns the reaper is done with it.
 * Context: the owner holds no page any more.
 */
void zl_owner_unregister(struct zl_owner *o)
{
	mutex_lock(&zl_oom_lock);
	list_del_init(&o->node);
	if (o->victim)
		zl_victim_gone(o);
	mutex_unlock(&zl_oom_lock);
	/* A queued pass may still hold the pointer: let it finish. */
	flush_delayed_work(&zl_oom_reap_work);
}

void zl_owner_destroy(struct zl_owner *o)
{
	mutex_destroy(&o->members_lock);
	kfree(o->node_pages);
	o->node_pages = NULL;
}

/* A victim whose last page went is gone: wake who waits for that. */
static void zl_owner_check_gone(struct zl_owner *o)
{
	if (!READ_ONCE(o->victim) || atomic_long_read(&o->pages))
		return;
	mutex_lock(&zl_oom_lock);
	if (o->victim && !atomic_long_read(&o->pages))
		zl_victim_gone(o);
	mutex_unlock(&zl_oom_lock);
}

/**
 * zl_owner_charge() - count a block an owner got or gave back.
 * @o:		the owner.
 * @page:	the block's first page.
 * @order:	its order.
 * @alloc:	got (true) or gave back (false).
 *
 * Context: may sleep when a victim's last page goes.
 */
void zl_owner_charge(struct zl_owner *o, struct page *page, unsigned int order,
		     bool alloc)
{
	long n = alloc ? 1L << order : -(1L << order);

	atomic_long_add(n, &o->node_pages[page_to_nid(page)]);
	atomic_long_add(n, &o->pages);
	if (!alloc)
		zl_owner_check_gone(o);
}

/* A reaped owner's pages, counted by whoever freed them. */
void zl_owner_reaped(struct zl_owner *o, unsigned long pages)
{
	atomic_long_add(pages, &o->reaped);
	zl_count_add(ZL_STAT_OOM_REAPED, pages);
}

/* Pages @o holds on the nodes of @mask (every node when NULL). */
static long zl_owner_points(struct zl_owner *o, const nodemask_t *mask)
{
	long points = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (!mask || node_isset(nid, *mask))
			points += atomic_long_read(&o->node_pages[nid]);
	return points;
}

/*
 * constrained_alloc()'s totalpages in pool pages: those of the nodes an
 * allocation is held to by a policy or a cpuset, or the whole pool when
 * nothing holds it (thisnode included, as __GFP_THISNODE there).
 */
static long zl_oom_total(const struct zl_alloc_req *req)
{
	if (!req->mask || (req->flags & ZL_ALLOC_THISNODE) ||
	    nodes_subset(node_states[N_MEMORY], *req->mask))
		return zl_pool_pages(NULL);
	return zl_pool_pages(req->mask);
}

/*
 * oom_evaluate_task() and oom_badness() over zonelab's pool: pages held
 * where the failing allocation may allocate, adjusted by oom_score_adj in
 * thousandths of the constrained total; -1000 is never chosen.  A victim
 * not given up on yet ends the scan with ZL_OOM_PENDING: its pages are on
 * their way.  Owners holding nothing there are not looked at, as the
 * kernel does not look at tasks outside the allocation's cpuset/policy.
 */
static struct zl_owner *zl_oom_select(const struct zl_alloc_req *req)
{
	long total = zl_oom_total(req), best_points = LONG_MIN;
	struct zl_owner *o, *best = NULL;

	lockdep_assert_held(&zl_oom_lock);

	list_for_each_entry(o, &zl_owners, node) {
		int adj = READ_ONCE(o->oom_score_adj);
		long points = zl_owner_points(o, req->mask);

		/* Killing it would free nothing the allocation can use. */
		if (!points)
			continue;
		if (o->victim) {
			if (!o->oom_skip)
				return ZL_OOM_PENDING;
			continue;
		}
		if (adj == ZL_OOM_ADJ_MIN)
			continue;
		/* As oom_badness(): the highest wins, even below zero. */
		points += adj * total / 1000;
		if (points > best_points) {
			best_points = points;
			best = o;
		}
	}
	return best;
}

static void zl_oom_mark(struct zl_owner *victim)
{
	lockdep_assert_held(&zl_oom_lock);

	WRITE_ONCE(victim->victim, true);
	atomic_inc(&zl_nr_victims);
	WRITE_ONCE(victim->kills, victim->kills + 1);
	zl_count(ZL_STAT_OOM_KILLS);
	trace_zonelab_oom(victim->id, atomic_long_read(&victim->pages));
}

/**
 * zl_oom_kill() - an allocation that nothing else could satisfy: mark a
 * victim, let the reaper free it, and wait a little for its pages; or,
 * with a victim still on its way out, only wait.
 * @req:	the failing allocation.
 *
 * Return: true if a victim was chosen or is pending (the caller retries),
 * false if none was possible (oom_disable, or nobody eligible holds pages
 * there).
 */
bool zl_oom_kill(const struct zl_alloc_req *req)
{
	struct zl_owner *victim;
	unsigned long seen;

	mutex_lock(&zl_oom_lock);
	seen = atomic_long_read(&zl_oom_gone);
	victim = READ_ONCE(zl_oom_disabled) ? NULL : zl_oom_select(req);
	if (victim == ZL_OOM_PENDING)
		zl_count(ZL_STAT_OOM_PENDING);
	else if (victim)
		zl_oom_mark(victim);
	mutex_unlock(&zl_oom_lock);
	if (!victim)
		return false;

	if (victim != ZL_OOM_PENDING) {
		mod_delayed_work(system_unbound_wq, &zl_oom_reap_work, 0);
		/* The caller itself as victim retries at once, with the reserve. */
		if (victim == req->owner)
			return true;
	}
	wait_event_interruptible_timeout(zl_oom_wq,
					 atomic_long_read(&zl_oom_gone) != seen,
					 ZL_OOM_WAIT);
	return true;
}

/* Whether @o's allocations may use the OOM reserve now. */
bool zl_oom_reserve_allowed(const struct zl_owner *o)
{
	return o && READ_ONCE(o->victim);
}

/*
 * Reap one victim: its own pages, then its members'.  An owner busy
 * allocating (a large `alloc <count>` holds its lock for the whole loop)
 * is left for the reaper's next pass rather than waited for, so that one
 * allocation does not hold up every other victim's reap.
 */
static void zl_owner_reap(struct zl_owner *o)
{
	struct zl_owner *m;

	if (o->reap)
		o->reap(o, true);
	mutex_lock(&o->members_lock);
	list_for_each_entry(m, &o->members, member_node)
		m->reap(m, true);
	mutex_unlock(&o->members_lock);
}

/*
 * The reaper: for every victim, free its pages and its members'.  It
 * never holds zl_oom_lock while it reaps; owners flush this work before
 * they go (zl_owner_unregister()), so the pointers stay valid.  A victim
 * a pass could not finish (a holder busy allocating) gets another pass;
 * victims are taken eight at a time, as many batches as there are.
 */
/*
 * Up to @max victims with something to reap, after the first @skip;
 * *@more says whether any were left out.
 */
static unsigned int zl_oom_victims(struct zl_owner **todo, unsigned int max,
				   unsigned int skip, bool *more)
{
	struct zl_owner *o;
	unsigned int n = 0;

	*more = false;
	mutex_lock(&zl_oom_lock);
	list_for_each_entry(o, &zl_owners, node) {
		/* A member that joins after this look waits for a later pass. */
		if (!o->victim || (!o->reap && list_empty(&o->members)))
			continue;
		if (skip) {
			skip--;
			continue;
		}
		if (n == max) {
			*more = true;
			break;
		}
		todo[n++] = o;
	}
	mutex_unlock(&zl_oom_lock);
	return n;
}

/*
 * A victim a pass could not finish: after ZL_REAP_TRIES passes the
 * reaper gives up on it, as oom_reap_task() does, so that a new victim
 * may be chosen.  Later passes still reap it: a holder, unlike a killed
 * task, does not free its pages by exiting.
 */
static void zl_oom_reap_failed(struct zl_owner *o)
{
	mutex_lock(&zl_oom_lock);
	if (o->victim && !o->oom_skip && ++o->reap_tries == ZL_REAP_TRIES) {
		o->oom_skip = true;
		pr_info("reaper: unable to reap owner %u (%s %s), %ld pages left\n",
			o->id, o->kind, o->name, atomic_long_read(&o->pages));
		atomic_long_inc(&zl_oom_gone);
		wake_up_all(&zl_oom_wq);
	}
	mutex_unlock(&zl_oom_lock);
}

static void zl_oom_reap_fn(struct work_struct *work)
{
	struct zl_owner *todo[8];
	unsigned int n, i, kept = 0;
	bool again = false, more;

	do {
		n = zl_oom_victims(todo, ARRAY_SIZE(todo), kept, &more);
		for (i = 0; i < n; i++) {
			zl_owner_reap(todo[i]);
			zl_owner_check_gone(todo[i]);
			/* Still marked: skipped by the next batch's look. */
			if (READ_ONCE(todo[i]->victim)) {
				zl_oom_reap_failed(todo[i]);
				again = true;
				kept++;
			}
		}
	} while (more);
	if (again)
		mod_delayed_work(system_unbound_wq, &zl_oom_reap_work,
				 ZL_REAP_INTERVAL);
}

/* At unload, after every owner is gone. */
void zl_oom_exit(void)
{
	cancel_delayed_work_sync(&zl_oom_reap_work);
}

/**
 * zl_oom_set_disabled() - oom_killer_disable() and _enable().
 * @disable:	true: wait (interruptibly, up to 5 s) for every victim to
 *		go, then refuse new kills; false: allow them again.
 *
 * Return: 0, -EBUSY if victims were left at the timeout, -EINTR.
 */
int zl_oom_set_disabled(bool disable)
{
	long left;

	if (!disable) {
		WRITE_ONCE(zl_oom_disabled, false);
		return 0;
	}
	left = wait_event_interruptible_timeout(zl_oom_wq,
						!atomic_read(&zl_nr_victims),
						ZL_OOM_DISABLE_WAIT);
	if (left < 0)
		return -EINTR;
	mutex_lock(&zl_oom_lock);
	/* A kill may have come in between: check under the lock. */
	if (atomic_read(&zl_nr_victims)) {
		mutex_unlock(&zl_oom_lock);
		return -EBUSY;
	}
	WRITE_ONCE(zl_oom_disabled, true);
	mutex_unlock(&zl_oom_lock);
	return 0;
}

void zl_oom_disabled_show(struct seq_file *m)
{
	seq_printf(m, "%d\n", READ_ONCE(zl_oom_disabled));
}

/**
 * zl_oom_show() - the `oom` file: the state, then one line per owner, in
 * the order they came.
 * @m:	the seq_file.
 */
void zl_oom_show(struct seq_file *m)
{
	struct zl_owner *o;

	mutex_lock(&zl_oom_lock);
	seq_printf(m, "disabled %d\nvictims %d\n", zl_oom_disabled,
		   atomic_read(&zl_nr_victims));
	list_for_each_entry(o, &zl_owners, node)
		seq_printf(m, "owner %u %s %s pages %ld reaped %ld oom_score_adj %d victim %d kills %u oom_skip %d\n",
			   o->id, o->kind, o->name, atomic_long_read(&o->pages),
			   atomic_long_read(&o->reaped),
			   READ_ONCE(o->oom_score_adj), o->victim, o->kills,
			   o->oom_skip);
	mutex_unlock(&zl_oom_lock);
}
