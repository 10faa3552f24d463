// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab policy: memory policies in the kernel's string format, their
 * rebinding when a cpuset's mems change, and shared policies (regions)
 * with the reference counting of the 2007 thread.
 *
 * A policy is never rewritten once a reader can see it: a rebind builds a
 * new policy from the old one and the owner publishes it with one pointer
 * swap (cpuset.c), which is what the 2017 RFC wished the kernel could do
 * instead of rebinding task->mempolicy in place in two steps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "zonelab.h"
#include "trace.h"

/* Policies allocated and not yet freed: `stats` policies_live. */
static atomic_long_t zl_policies_live = ATOMIC_LONG_INIT(0);

/* mpol_to_str()'s policy_modes[] (6.12's for weighted interleave). */
static const char * const zl_mpol_names[ZL_NR_MPOL] = {
	[ZL_MPOL_DEFAULT]		= "default",
	[ZL_MPOL_PREFERRED]		= "prefer",
	[ZL_MPOL_BIND]			= "bind",
	[ZL_MPOL_INTERLEAVE]		= "interleave",
	[ZL_MPOL_LOCAL]			= "local",
	[ZL_MPOL_PREFERRED_MANY]	= "prefer (many)",
	[ZL_MPOL_WEIGHTED_INTERLEAVE]	= "weighted interleave",
};

/*
 * zonelab's older one-word spellings, still parsed: a `regions` set
 * command is split at blanks before its policy.
 */
static const char * const zl_mpol_words[ZL_NR_MPOL] = {
	[ZL_MPOL_PREFERRED_MANY]	= "prefer_many",
	[ZL_MPOL_WEIGHTED_INTERLEAVE]	= "weighted_interleave",
};

long zl_policies_live_count(void)
{
	return atomic_long_read(&zl_policies_live);
}

static struct zl_mempolicy *zl_mpol_alloc(void)
{
	struct zl_mempolicy *pol = kzalloc(sizeof(*pol), GFP_KERNEL);

	if (!pol)
		return NULL;
	refcount_set(&pol->ref, 1);
	atomic_long_inc(&zl_policies_live);
	return pol;
}

static void zl_mpol_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct zl_mempolicy, rcu));
	atomic_long_dec(&zl_policies_live);
}

/* Take a reference; false if the policy is already on its way out. */
bool zl_mpol_tryget(struct zl_mempolicy *pol)
{
	return refcount_inc_not_zero(&pol->ref);
}

void zl_mpol_get(struct zl_mempolicy *pol)
{
	refcount_inc(&pol->ref);
}

/*
 * Drop a reference.  The last one frees the policy after a grace period,
 * because readers find policies under RCU before they take a reference.
 */
void zl_mpol_put(struct zl_mempolicy *pol)
{
	if (pol && refcount_dec_and_test(&pol->ref))
		call_rcu(&pol->rcu, zl_mpol_free_rcu);
}

/*
 * mpol_cond_put(): only a shared policy's lookup took a reference for the
 * allocation; a context's policy was pinned by its caller.
 */
void zl_mpol_cond_put(struct zl_mempolicy *pol)
{
	if (pol->flags & ZL_MPOL_F_SHARED)
		zl_mpol_put(pol);
}

/* bitmap_fold() and bitmap_onto(), which the kernel does not export. */
static void zl_nodes_fold(nodemask_t *dst, const nodemask_t *orig, int sz)
{
	int n;

	nodes_clear(*dst);
	if (sz <= 0)
		return;
	for_each_node_mask(n, *orig)
		node_set(n % sz, *dst);
}

static void zl_nodes_onto(nodemask_t *dst, const nodemask_t *orig,
			  const nodemask_t *relmap)
{
	int n, m = 0;

	nodes_clear(*dst);
	for_each_node_mask(n, *relmap) {
		if (node_isset(m, *orig))
			node_set(n, *dst);
		m++;
	}
}

/* mpol_relative_nodemask(): @orig's nodes taken relative to @rel. */
static void zl_relative_nodemask(nodemask_t *ret, const nodemask_t *orig,
				 const nodemask_t *rel)
{
	nodemask_t tmp;

	zl_nodes_fold(&tmp, orig, nodes_weight(*rel));
	zl_nodes_onto(ret, &tmp, rel);
}

static bool zl_mpol_has_nodes(const struct zl_mempolicy *pol)
{
	return pol->mode != ZL_MPOL_DEFAULT && pol->mode != ZL_MPOL_LOCAL;
}

/*
 * mpol_set_nodemask(): the effective nodes of a new policy in a cpuset
 * whose mems are @mems.  -EINVAL when none is left.
 */
static int zl_mpol_set_nodes(struct zl_mempolicy *pol, const nodemask_t *mems)
{
	nodemask_t eff, allowed;

	if (!zl_mpol_has_nodes(pol))
		return 0;
	nodes_and(allowed, *mems, node_states[N_MEMORY]);
	if (pol->flags & ZL_MPOL_F_RELATIVE)
		zl_relative_nodemask(&eff, &pol->user_nodes, &allowed);
	else
		nodes_and(eff, pol->user_nodes, allowed);
	if (nodes_empty(eff))
		return -EINVAL;
	if (pol->mode == ZL_MPOL_PREFERRED) {
		/* One node: the first one left. */
		int first = first_node(eff);

		nodes_clear(eff);
		node_set(first, eff);
	}
	pol->nodes = eff;
	pol->mems = *mems;
	return 0;
}

/* The mode named @str, in the kernel's spelling or zonelab's; -EINVAL. */
static int zl_mpol_mode(const char *str)
{
	int mode;

	for (mode = 0; mode < ZL_NR_MPOL; mode++)
		if (!strcmp(str, zl_mpol_names[mode]) ||
		    (zl_mpol_words[mode] && !strcmp(str, zl_mpol_words[mode])))
			return mode;
	return -EINVAL;
}

/* "static" or "relative" after '=' (mpol_parse_str()). */
static int zl_mpol_parse_flags(const char *flags, unsigned short *out)
{
	if (!flags)
		return 0;
	if (!strcmp(flags, "static"))
		*out = ZL_MPOL_F_STATIC;
	else if (!strcmp(flags, "relative"))
		*out = ZL_MPOL_F_RELATIVE;
	else
		return -EINVAL;
	return 0;
}

/*
 * mpol_parse_str()'s checks of the mode against its nodelist @list (NULL:
 * none), and mpol_new()'s of the nodes and flags: the mode to make, which
 * a bare prefer turns into local; -EINVAL.
 */
static int zl_mpol_check(int mode, const char *list, unsigned short fl,
			 nodemask_t *nodes)
{
	switch (mode) {
	case ZL_MPOL_PREFERRED:
		/* One node, in digits only. */
		if (list && (!*list || list[strspn(list, "0123456789")]))
			return -EINVAL;
		if (!list)
			return fl ? -EINVAL : ZL_MPOL_LOCAL;
		return mode;
	case ZL_MPOL_INTERLEAVE:
	case ZL_MPOL_WEIGHTED_INTERLEAVE:
		if (!list)
			*nodes = node_states[N_MEMORY];
		break;
	case ZL_MPOL_LOCAL:
		return list || fl ? -EINVAL : mode;
	case ZL_MPOL_DEFAULT:
		/* The kernel ignores a default's flags. */
		return list ? -EINVAL : mode;
	default:
		if (!list)
			return -EINVAL;
	}
	return nodes_empty(*nodes) ? -EINVAL : mode;
}

/**
 * zl_mpol_parse() - a policy from the kernel's mempolicy string format,
 * <mode>[=static|=relative][:<nodelist>], with mpol_parse_str()'s rules
 * (tmpfs mpol=), made in a cpuset as set_mempolicy() makes it.
 * @str:	the string; modified.
 * @mems:	the mems_allowed the policy is created in.
 *
 * Return: a policy with one reference, or an ERR_PTR: -EINVAL for a
 * malformed string, a nodelist with a node without memory, or no node
 * left in @mems; -ENOMEM.
 */
struct zl_mempolicy *zl_mpol_parse(char *str, const nodemask_t *mems)
{
	char *list = strchr(str, ':'), *flags;
	nodemask_t nodes = NODE_MASK_NONE;
	struct zl_mempolicy *pol;
	unsigned short fl = 0;
	int mode, ret;

	if (list) {
		*list++ = '\0';
		if (nodelist_parse(list, nodes) ||
		    !nodes_subset(nodes, node_states[N_MEMORY]))
			return ERR_PTR(-EINVAL);
	}
	flags = strchr(str, '=');
	if (flags)
		*flags++ = '\0';
	mode = zl_mpol_mode(str);
	if (mode < 0)
		return ERR_PTR(mode);
	/* The kernel ignores a default's flags, even unknown ones. */
	if (mode != ZL_MPOL_DEFAULT && zl_mpol_parse_flags(flags, &fl))
		return ERR_PTR(-EINVAL);
	mode = zl_mpol_check(mode, list, fl, &nodes);
	if (mode < 0)
		return ERR_PTR(mode);

	pol = zl_mpol_alloc();
	if (!pol)
		return ERR_PTR(-ENOMEM);
	pol->mode = mode;
	pol->flags = fl;
	pol->user_nodes = nodes;
	ret = zl_mpol_set_nodes(pol, mems);
	if (ret) {
		zl_mpol_put(pol);
		return ERR_PTR(ret);
	}
	return pol;
}

/**
 * zl_mpol_format() - the policy as mpol_to_str() prints it.
 * @buf:	where to write.
 * @size:	its size.
 * @pol:	the policy.
 */
void zl_mpol_format(char *buf, size_t size, const struct zl_mempolicy *pol)
{
	size_t len = scnprintf(buf, size, "%s", zl_mpol_names[pol->mode]);

	if (pol->flags & ZL_MPOL_F_STATIC)
		len += scnprintf(buf + len, size - len, "=static");
	else if (pol->flags & ZL_MPOL_F_RELATIVE)
		len += scnprintf(buf + len, size - len, "=relative");
	if (zl_mpol_has_nodes(pol))
		scnprintf(buf + len, size - len, ":%*pbl",
			  nodemask_pr_args(&pol->nodes));
}

/**
 * zl_mpol_rebind() - a new policy: @old rebound to new cpuset mems, as
 * mpol_rebind_policy() would rebind it in place.
 * @old:	the policy in force; not changed.
 * @mems:	the new mems_allowed.
 *
 * Return: the new policy with one reference, or NULL when out of memory.
 */
struct zl_mempolicy *zl_mpol_rebind(const struct zl_mempolicy *old,
				    const nodemask_t *mems)
{
	struct zl_mempolicy *pol = zl_mpol_alloc();
	nodemask_t tmp;

	if (!pol)
		return NULL;
	pol->mode = old->mode;
	pol->flags = old->flags & ~ZL_MPOL_F_SHARED;
	pol->user_nodes = old->user_nodes;
	pol->nodes = old->nodes;
	pol->mems = *mems;
	/* mpol_rebind_default(); mpol_rebind_preferred() for both prefers */
	if (!zl_mpol_has_nodes(old) || old->mode == ZL_MPOL_PREFERRED ||
	    old->mode == ZL_MPOL_PREFERRED_MANY)
		return pol;

	/* mpol_rebind_nodemask() */
	if (old->flags & ZL_MPOL_F_STATIC)
		nodes_and(tmp, old->user_nodes, *mems);
	else if (old->flags & ZL_MPOL_F_RELATIVE)
		zl_relative_nodemask(&tmp, &old->user_nodes, mems);
	else
		nodes_remap(tmp, old->nodes, old->mems, *mems);
	if (nodes_empty(tmp))
		tmp = *mems;
	pol->nodes = tmp;
	return pol;
}

/* A default policy, for a new context. */
struct zl_mempolicy *zl_mpol_default(void)
{
	return zl_mpol_alloc();
}

/*
 * weighted_interleave_nid(): each node of the policy owns as many
 * consecutive offsets of every round as its weight, the kernel's.  The
 * weights are read twice; one changed in between only shifts a round.
 */
static int zl_offset_wil_node(const struct zl_mempolicy *pol, long ilx)
{
	unsigned int total = 0, target, w;
	int nid;

	for_each_node_mask(nid, pol->nodes)
		total += zl_node_il_weight(nid);
	target = ilx % total;
	nid = first_node(pol->nodes);
	while (target) {
		w = zl_node_il_weight(nid);
		if (target < w)
			break;
		target -= w;
		nid = next_node_in(nid, pol->nodes);
	}
	return nid;
}

/*
 * The node of page @ilx of a shared policy: interleave_nid(), the (@ilx
 * mod nodes)-th node, or weighted_interleave_nid().
 * Context: may sleep (the kernel's weights are read from sysfs).
 */
static int zl_offset_il_node(const struct zl_mempolicy *pol, long ilx)
{
	unsigned int n = nodes_weight(pol->nodes), target, i;
	int nid;

	if (!n)
		return numa_node_id();
	if (pol->mode == ZL_MPOL_WEIGHTED_INTERLEAVE)
		return zl_offset_wil_node(pol, ilx);
	target = ilx % n;
	nid = first_node(pol->nodes);
	for (i = 0; i < target; i++)
		nid = next_node(nid, pol->nodes);
	return nid;
}

/**
 * zl_mpol_target() - where an allocation under @pol goes: the node whose
 * zonelist it walks and the nodes it may use, as policy_node() and
 * policy_nodemask() decide, within @mems.
 * @pol:	the policy.
 * @mems:	mems_allowed now.
 * @il:		the owner's interleave state (next node, pages left on it),
 *		or NULL; updated for interleave modes.
 * @ilx:	for a shared policy, the page's offset in its region, which
 *		picks the interleave node as offset_il_node() does; or -1.
 * @mask:	out: the allowed nodes.
 * @first:	out: for prefer_many, the nodes to try first (else unused).
 *
 * Context: may sleep (a shared weighted interleave reads the kernel's
 * weights).
 * Return: the node to start from.
 */
int zl_mpol_target(const struct zl_mempolicy *pol, const nodemask_t *mems,
		   struct zl_il *il, long ilx, nodemask_t *mask,
		   nodemask_t *first)
{
	int nid = numa_node_id();

	*mask = *mems;
	switch (pol->mode) {
	case ZL_MPOL_PREFERRED:
		return first_node(pol->nodes);
	case ZL_MPOL_BIND:
		/* policy_nodemask(): the policy's nodes, if any is allowed. */
		if (nodes_intersects(pol->nodes, *mems))
			nodes_and(*mask, pol->nodes, *mems);
		return nid;
	case ZL_MPOL_PREFERRED_MANY:
		nodes_and(*first, pol->nodes, *mems);
		return nid;
	case ZL_MPOL_INTERLEAVE:
	case ZL_MPOL_WEIGHTED_INTERLEAVE:
		if (ilx >= 0)
			return zl_offset_il_node(pol, ilx);
		return il ? zl_il_next(il, pol) : first_node(pol->nodes);
	default:
		return nid;
	}
}

/**
 * zl_il_next() - the next interleave node (interleave_nodes(), and for
 * weighted interleave weighted_interleave_nodes(): a node keeps its turn
 * for as many pages as its weight).
 * @il:		the owner's state, with its own lock.
 * @pol:	the policy.
 *
 * Return: a node of the policy.
 */
int zl_il_next(struct zl_il *il, const struct zl_mempolicy *pol)
{
	int nid;

	spin_lock(&il->lock);
	nid = il->cur;
	if (pol->mode == ZL_MPOL_WEIGHTED_INTERLEAVE && il->left &&
	    node_isset(nid, pol->nodes)) {
		il->left--;
		goto out_unlock;
	}
	nid = next_node_in(nid, pol->nodes);
	if (nid >= MAX_NUMNODES)
		nid = numa_node_id();
	il->cur = nid;
	if (pol->mode == ZL_MPOL_WEIGHTED_INTERLEAVE)
		il->left = max_t(int, READ_ONCE(il->weights[nid]), 1) - 1;
out_unlock:
	spin_unlock(&il->lock);
	return nid;
}

/* ---- shared policies: regions ---- */

/* Serialises region creation and removal; under it, zl_regions. */
static DEFINE_MUTEX(zl_regions_lock);
static LIST_HEAD(zl_regions);

static struct zl_region *zl_region_find_locked(const char *name)
{
	struct zl_region *r;

	lockdep_assert_held(&zl_regions_lock);

	list_for_each_entry(r, &zl_regions, node)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/**
 * zl_region_create() - a shared region of @pages pages, default policy.
 * @name:	its name (at most ZL_NAME_MAX - 1 bytes).
 * @pages:	its size, 1 .. ZL_REGION_MAX_PAGES.
 *
 * Return: 0, -EEXIST, -ENOSPC past ZL_MAX_REGIONS, -ERANGE, -ENOMEM.
 */
int zl_region_create(const char *name, unsigned long pages)
{
	struct zl_region *r;
	unsigned int n = 0;
	int ret = 0;

	if (!pages || pages > ZL_REGION_MAX_PAGES)
		return -ERANGE;
	mutex_lock(&zl_regions_lock);
	list_for_each_entry(r, &zl_regions, node)
		n++;
	if (zl_region_find_locked(name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	if (n >= ZL_MAX_REGIONS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	strscpy(r->name, name, sizeof(r->name));
	r->pages = pages;
	spin_lock_init(&r->lock);
	INIT_LIST_HEAD(&r->ranges);
	list_add_tail(&r->node, &zl_regions);
out_unlock:
	mutex_unlock(&zl_regions_lock);
	return ret;
}

static void zl_range_free(struct zl_sp_range *rg)
{
	list_del(&rg->node);
	zl_mpol_put(rg->pol);
	kfree(rg);
}

/* Remove [start, end) from the region's map; ranges are cut as needed. */
static void zl_region_cut(struct zl_region *r, unsigned long start,
			  unsigned long end, struct zl_sp_range *spare)
{
	struct zl_sp_range *rg, *tmp;

	lockdep_assert_held(&r->lock);

	list_for_each_entry_safe(rg, tmp, &r->ranges, node) {
		if (rg->end <= start || rg->start >= end)
			continue;
		if (rg->start < start && rg->end > end) {
			/* Split: the spare takes the tail. */
			spare->start = end;
			spare->end = rg->end;
			spare->pol = rg->pol;
			zl_mpol_get(rg->pol);
			list_add(&spare->node, &rg->node);
			rg->end = start;
			return;
		}
		if (rg->start < start)
			rg->end = start;
		else if (rg->end > end)
			rg->start = end;
		else
			zl_range_free(rg);
	}
	kfree(spare);
}

/*
 * How many ranges the region would have after zl_region_cut() of
 * [@start, @end) and the new range: covered ones go, a split adds one.
 */
static unsigned int zl_region_ranges_after(struct zl_region *r,
					   unsigned long start,
					   unsigned long end)
{
	struct zl_sp_range *rg;
	unsigned int n = 1;

	lockdep_assert_held(&r->lock);

	list_for_each_entry(rg, &r->ranges, node) {
		if (rg->end <= start || rg->start >= end)
			n++;
		else if (rg->start < start && rg->end > end)
			n += 2;
		else if (rg->start < start || rg->end > end)
			n++;
	}
	return n;
}

/**
 * zl_region_set() - give [@start, @end) of a region policy @pol
 * (shared_policy_replace()); ranges it covers lose theirs.
 * @name:	the region.
 * @start:	first page.
 * @end:	one past the last page.
 * @pol:	the policy; the region takes over the caller's reference.
 *
 * Return: 0, -ENOENT, -ERANGE, -ENOMEM, -ENOSPC past
 * ZL_REGION_MAX_RANGES ranges; on error @pol is dropped, the region as it
 * was.
 */
int zl_region_set(const char *name, unsigned long start, unsigned long end,
		  struct zl_mempolicy *pol)
{
	struct zl_sp_range *rg, *spare, *pos;
	struct zl_region *r;
	int ret = 0;

	rg = kzalloc(sizeof(*rg), GFP_KERNEL);
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!rg || !spare) {
		ret = -ENOMEM;
		goto out_free;
	}
	pol->flags |= ZL_MPOL_F_SHARED;
	rg->start = start;
	rg->end = end;
	rg->pol = pol;

	mutex_lock(&zl_regions_lock);
	r = zl_region_find_locked(name);
	if (!r || start >= end || end > r->pages) {
		mutex_unlock(&zl_regions_lock);
		ret = r ? -ERANGE : -ENOENT;
		goto out_free;
	}
	spin_lock(&r->lock);
	if (zl_region_ranges_after(r, start, end) > ZL_REGION_MAX_RANGES) {
		spin_unlock(&r->lock);
		mutex_unlock(&zl_regions_lock);
		ret = -ENOSPC;
		goto out_free;
	}
	zl_region_cut(r, start, end, spare);
	list_for_each_entry(pos, &r->ranges, node)
		if (pos->start >= end)
			break;
	list_add_tail(&rg->node, &pos->node);
	trace_zonelab_region_set(name, start, end, pol);
	spin_unlock(&r->lock);
	mutex_unlock(&zl_regions_lock);
	return 0;

out_free:
	kfree(spare);
	kfree(rg);
	zl_mpol_put(pol);
	return ret;
}

/**
 * zl_region_lookup() - the policy of page @offset of a region, with a
 * reference taken under the region's lock (mpol_shared_policy_lookup());
 * the allocation drops it with zl_mpol_cond_put().
 * @name:	the region.
 * @offset:	the page.
 * @pol:	out: the policy, or NULL for the default policy.
 *
 * Return: 0, -ENOENT, -ERANGE.
 */
int zl_region_lookup(const char *name, unsigned long offset,
		     struct zl_mempolicy **pol)
{
	struct zl_sp_range *rg;
	struct zl_region *r;
	int ret = 0;

	*pol = NULL;
	mutex_lock(&zl_regions_lock);
	r = zl_region_find_locked(name);
	if (!r || offset >= r->pages) {
		ret = r ? -ERANGE : -ENOENT;
		goto out_unlock;
	}
	spin_lock(&r->lock);
	list_for_each_entry(rg, &r->ranges, node) {
		if (rg->start <= offset && offset < rg->end) {
			zl_mpol_get(rg->pol);
			*pol = rg->pol;
			break;
		}
	}
	spin_unlock(&r->lock);
out_unlock:
	mutex_unlock(&zl_regions_lock);
	return ret;
}

/**
 * zl_region_check() - whether pages @offset..@offset + @count - 1 of region
 * @name exist.
 * @name:	the region.
 * @offset:	the first page.
 * @count:	how many.
 *
 * Return: 0, -ENOENT (no such region), -ERANGE (past its end).
 */
int zl_region_check(const char *name, unsigned long offset,
		    unsigned long count)
{
	struct zl_region *r;
	int ret = 0;

	mutex_lock(&zl_regions_lock);
	r = zl_region_find_locked(name);
	if (!r)
		ret = -ENOENT;
	else if (offset >= r->pages || count > r->pages - offset)
		ret = -ERANGE;
	mutex_unlock(&zl_regions_lock);
	return ret;
}

static void zl_region_free(struct zl_region *r)
{
	struct zl_sp_range *rg, *tmp;

	list_for_each_entry_safe(rg, tmp, &r->ranges, node)
		zl_range_free(rg);
	list_del(&r->node);
	kfree(r);
}

/* Remove region @name; its policies go when their last user drops them. */
int zl_region_destroy(const char *name)
{
	struct zl_region *r;

	mutex_lock(&zl_regions_lock);
	r = zl_region_find_locked(name);
	if (r)
		zl_region_free(r);
	mutex_unlock(&zl_regions_lock);
	return r ? 0 : -ENOENT;
}

void zl_regions_show(struct seq_file *m)
{
	char buf[ZL_MPOL_STR_MAX];
	struct zl_sp_range *rg;
	struct zl_region *r;

	mutex_lock(&zl_regions_lock);
	list_for_each_entry(r, &zl_regions, node) {
		seq_printf(m, "region %s pages %lu\n", r->name, r->pages);
		spin_lock(&r->lock);
		list_for_each_entry(rg, &r->ranges, node) {
			zl_mpol_format(buf, sizeof(buf), rg->pol);
			seq_printf(m, "  range %lu-%lu %s\n", rg->start,
				   rg->end - 1, buf);
		}
		spin_unlock(&r->lock);
	}
	mutex_unlock(&zl_regions_lock);
}

/* Remove every region, at unload. */
void zl_regions_exit(void)
{
	struct zl_region *r, *tmp;

	mutex_lock(&zl_regions_lock);
	list_for_each_entry_safe(r, tmp, &zl_regions, node)
		zl_region_free(r);
	mutex_unlock(&zl_regions_lock);
}
