// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab cpuset: contexts, zonelab's tasks, each with the mems_allowed of
 * its cpuset and a mempolicy; and allocations on behalf of the calling
 * task, which honour its real cpuset.
 *
 * A mems update is what cpuset_change_task_nodemask() does: under the
 * context's lock and inside its mems_allowed write section, the new mems
 * are stored and the policy is rebound.  The rebind builds a new policy
 * and publishes it with one pointer swap; the old one is freed when its
 * last allocation drops it, after a grace period.  An allocation takes the
 * mems and the policy at the start of a sequence-count read section and,
 * before it may fail, checks the count: if a mems update came in between,
 * it retries with the new mems instead of failing (the 2017 fix for
 * premature OOM under cpuset updates).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuset.h>
#include <linux/err.h>
#include <linux/mempolicy.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "zonelab.h"
#include "trace.h"

/* Most contexts a user may create. */
#define ZL_MAX_CTX	64

/* Serialises context creation, lookup and removal; under it, the list. */
static DEFINE_MUTEX(zl_ctx_lock);
static LIST_HEAD(zl_ctx_list);

static void zl_ctx_release(struct kref *ref)
{
	struct zl_ctx *ctx = container_of(ref, struct zl_ctx, ref);

	/* No allocation can be running: each holds a reference. */
	zl_owner_unregister(&ctx->owner);
	zl_owner_destroy(&ctx->owner);
	zl_mpol_put(rcu_dereference_protected(ctx->policy, true));
	kfree(ctx->il.weights);
	kfree(ctx);
}

void zl_ctx_put(struct zl_ctx *ctx)
{
	kref_put(&ctx->ref, zl_ctx_release);
}

static struct zl_ctx *zl_ctx_find_locked(const char *name)
{
	struct zl_ctx *ctx;

	lockdep_assert_held(&zl_ctx_lock);

	list_for_each_entry(ctx, &zl_ctx_list, node)
		if (!strcmp(ctx->name, name))
			return ctx;
	return NULL;
}

/* The context named @name with a reference, or NULL. */
struct zl_ctx *zl_ctx_find(const char *name)
{
	struct zl_ctx *ctx;

	mutex_lock(&zl_ctx_lock);
	ctx = zl_ctx_find_locked(name);
	if (ctx)
		kref_get(&ctx->ref);
	mutex_unlock(&zl_ctx_lock);
	return ctx;
}

static struct zl_ctx *zl_ctx_new(const char *name)
{
	struct zl_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	struct zl_mempolicy *pol;
	int nid;

	if (!ctx)
		return NULL;
	ctx->il.weights = kmalloc_array(nr_node_ids, sizeof(u8), GFP_KERNEL);
	pol = zl_mpol_default();
	if (!ctx->il.weights || !pol ||
	    zl_owner_init(&ctx->owner, "ctx", name, NULL)) {
		zl_mpol_put(pol);
		kfree(ctx->il.weights);
		kfree(ctx);
		return NULL;
	}
	/* The kernel's weights now; the `weights` file may change them. */
	for (nid = 0; nid < nr_node_ids; nid++)
		ctx->il.weights[nid] = node_online(nid) ? zl_node_il_weight(nid) : 1;
	strscpy(ctx->name, name, sizeof(ctx->name));
	kref_init(&ctx->ref);
	spin_lock_init(&ctx->lock);
	seqcount_spinlock_init(&ctx->mems_seq, &ctx->lock);
	/* A new context is in the root cpuset: every node with memory. */
	ctx->mems_allowed = node_states[N_MEMORY];
	pol->mems = ctx->mems_allowed;
	RCU_INIT_POINTER(ctx->policy, pol);
	spin_lock_init(&ctx->il.lock);
	ctx->il.cur = MAX_NUMNODES - 1;
	return ctx;
}

/**
 * zl_ctx_create() - a new context with the root cpuset's mems and the
 * default policy.
 * @name:	its name; the caller checked it.
 *
 * Return: the context, with a reference for the caller besides the
 * list's; ERR_PTR(-EEXIST), ERR_PTR(-ENOSPC) past ZL_MAX_CTX, or
 * ERR_PTR(-ENOMEM).
 */
struct zl_ctx *zl_ctx_create(const char *name)
{
	struct zl_ctx *ctx, *pos;
	unsigned int n = 0;
	int ret = 0;

	ctx = zl_ctx_new(name);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&zl_ctx_lock);
	list_for_each_entry(pos, &zl_ctx_list, node)
		n++;
	if (zl_ctx_find_locked(name))
		ret = -EEXIST;
	else if (n >= ZL_MAX_CTX)
		ret = -ENOSPC;
	if (!ret) {
		kref_get(&ctx->ref);
		list_add_tail(&ctx->node, &zl_ctx_list);
		zl_owner_register(&ctx->owner);
	}
	mutex_unlock(&zl_ctx_lock);
	if (ret) {
		zl_ctx_put(ctx);
		return ERR_PTR(ret);
	}
	return ctx;
}

/**
 * zl_ctx_unlink() - take a context nobody uses off the list, so that no
 * new user finds it.
 * @name:	its name.
 *
 * Return: the context, whose list reference is now the caller's to drop;
 * ERR_PTR(-ENOENT), or ERR_PTR(-EBUSY) while an alloc file or stress
 * worker uses it.
 */
struct zl_ctx *zl_ctx_unlink(const char *name)
{
	struct zl_ctx *ctx;

	mutex_lock(&zl_ctx_lock);
	ctx = zl_ctx_find_locked(name);
	if (!ctx)
		ctx = ERR_PTR(-ENOENT);
	else if (kref_read(&ctx->ref) != 1)
		ctx = ERR_PTR(-EBUSY);
	else
		list_del(&ctx->node);
	mutex_unlock(&zl_ctx_lock);
	return ctx;
}

/*
 * Replace the policy under the context's lock; the old one goes when its
 * last allocation drops it.
 */
static void zl_ctx_swap_policy(struct zl_ctx *ctx, struct zl_mempolicy *pol,
			       bool rebind)
{
	struct zl_mempolicy *old;

	lockdep_assert_held(&ctx->lock);

	old = rcu_dereference_protected(ctx->policy,
					lockdep_is_held(&ctx->lock));
	/* Pairs with rcu_dereference() in zl_ctx_get_policy(). */
	rcu_assign_pointer(ctx->policy, pol);
	trace_zonelab_policy_swap(ctx->name, pol, rebind);
	zl_mpol_put(old);
}

/* The context's policy with a reference. */
static struct zl_mempolicy *zl_ctx_policy_get(struct zl_ctx *ctx)
{
	struct zl_mempolicy *pol;

	rcu_read_lock();
	do {
		pol = rcu_dereference(ctx->policy);
	} while (!zl_mpol_tryget(pol));
	rcu_read_unlock();
	return pol;
}

/**
 * zl_ctx_set_mems() - an injected cpuset update: new mems_allowed, and
 * the policy rebound to them.
 * @ctx:	the context.
 * @mems:	the new mems, a non-empty subset of the online nodes.
 *
 * The rebound policy is built before the lock is taken (it allocates);
 * if the policy was replaced meanwhile, the new one is rebound instead.
 *
 * Return: 0, or -ENOMEM with nothing changed.
 */
int zl_ctx_set_mems(struct zl_ctx *ctx, const nodemask_t *mems)
{
	struct zl_mempolicy *old, *pol;

	for (;;) {
		old = zl_ctx_policy_get(ctx);
		pol = zl_mpol_rebind(old, mems);
		if (!pol) {
			zl_mpol_put(old);
			return -ENOMEM;
		}
		spin_lock(&ctx->lock);
		/* Our reference on @old makes the comparison exact. */
		if (rcu_access_pointer(ctx->policy) == old)
			break;
		spin_unlock(&ctx->lock);
		zl_mpol_put(pol);
		zl_mpol_put(old);
	}
	write_seqcount_begin(&ctx->mems_seq);
	ctx->mems_allowed = *mems;
	zl_ctx_swap_policy(ctx, pol, true);
	write_seqcount_end(&ctx->mems_seq);
	spin_unlock(&ctx->lock);
	trace_zonelab_ctx_mems(ctx->name, mems);
	zl_mpol_put(old);
	atomic64_inc(&ctx->rebinds);
	return 0;
}

static void zl_ctx_read_mems(struct zl_ctx *ctx, nodemask_t *mems)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ctx->mems_seq);
		*mems = ctx->mems_allowed;
	} while (read_seqcount_retry(&ctx->mems_seq, seq));
}

/**
 * zl_ctx_set_policy() - a new policy from a string, in the current mems.
 * @ctx:	the context.
 * @str:	the policy string.
 *
 * Return: 0 or as zl_mpol_parse().
 */
int zl_ctx_set_policy(struct zl_ctx *ctx, const char *str)
{
	char work[ZL_MPOL_STR_MAX];
	struct zl_mempolicy *pol;
	nodemask_t mems;

	for (;;) {
		zl_ctx_read_mems(ctx, &mems);
		/* Parsing cuts the string up: parse a fresh copy each time. */
		if (strscpy(work, str, sizeof(work)) < 0)
			return -EINVAL;
		pol = zl_mpol_parse(work, &mems);
		if (IS_ERR(pol))
			return PTR_ERR(pol);
		spin_lock(&ctx->lock);
		/* Made for the mems in force: publish it. */
		if (nodes_equal(ctx->mems_allowed, mems))
			break;
		spin_unlock(&ctx->lock);
		zl_mpol_put(pol);
	}
	zl_ctx_swap_policy(ctx, pol, false);
	spin_unlock(&ctx->lock);
	return 0;
}

/* The context's policy with a reference, and its mems, consistently. */
static struct zl_mempolicy *zl_ctx_get_policy(struct zl_ctx *ctx,
					      nodemask_t *mems,
					      unsigned int *seq)
{
	*seq = read_seqcount_begin(&ctx->mems_seq);
	*mems = ctx->mems_allowed;
	return zl_ctx_policy_get(ctx);
}

/*
 * One try under @pol within @mems: prefer_many first within its nodes
 * without the slow path, then anywhere allowed.
 */
static struct page *zl_policy_try(const struct zl_mempolicy *pol,
				  const nodemask_t *mems, struct zl_il *il,
				  long ilx, unsigned int order,
				  unsigned int flags, seqcount_spinlock_t *seqc,
				  unsigned int seq, struct zl_owner *owner)
{
	nodemask_t mask, first;
	struct zl_alloc_req req = {
		.mask = &mask, .flags = flags, .mems_seq = seqc,
		.mems_cookie = seq, .owner = owner,
	};
	struct page *page;

	req.nid = zl_mpol_target(pol, mems, il, ilx, &mask, &first);
	if (pol->mode == ZL_MPOL_PREFERRED_MANY && !nodes_empty(first)) {
		struct zl_alloc_req fast = req;

		fast.mask = &first;
		fast.flags |= ZL_ALLOC_NOSLOW;
		page = zl_alloc_req(order, &fast);
		if (page)
			return page;
	}
	page = zl_alloc_req(order, &req);
	/* The walk never leaves the mask; check it, it is cheap. */
	if (page && !node_isset(page_to_nid(page), mask))
		zl_count(ZL_STAT_POLICY_VIOLATION);
	return page;
}

/**
 * zl_ctx_alloc() - allocate under a context's policy and mems_allowed.
 * @ctx:	the context.
 * @pol:	a policy to use instead of the context's (a region's), or
 *		NULL.
 * @ilx:	the page's offset in @pol's region, or -1.
 * @order:	the order.
 * @flags:	ZL_ALLOC_*.
 *
 * Return: the first page, or NULL.
 */
struct page *zl_ctx_alloc(struct zl_ctx *ctx, const struct zl_mempolicy *pol,
			  long ilx, unsigned int order, unsigned int flags)
{
	struct zl_mempolicy *use;
	nodemask_t mems, now;
	struct page *page;
	unsigned int seq;

	for (;;) {
		use = zl_ctx_get_policy(ctx, &mems, &seq);
		page = zl_policy_try(pol ?: use, &mems, &ctx->il, ilx, order,
				     flags, &ctx->mems_seq, seq, &ctx->owner);
		zl_mpol_put(use);
		if (page || !read_seqcount_retry(&ctx->mems_seq, seq))
			break;
		if (!READ_ONCE(zl_mems_retry)) {
			zl_ctx_read_mems(ctx, &now);
			zl_mems_premature_check(&mems, &now, order);
			break;
		}
		atomic64_inc(&ctx->retries);
	}
	atomic64_inc(page ? &ctx->allocs : &ctx->fails);
	return page;
}

#ifdef CONFIG_CPUSETS
/* What read_mems_allowed_begin() reads, without its unexported key. */
static seqcount_spinlock_t *zl_task_mems(nodemask_t *mems, unsigned int *seq)
{
	*seq = read_seqcount_begin(&current->mems_allowed_seq);
	nodes_and(*mems, current->mems_allowed, node_states[N_MEMORY]);
	return &current->mems_allowed_seq;
}
#else
static seqcount_spinlock_t *zl_task_mems(nodemask_t *mems, unsigned int *seq)
{
	*seq = 0;
	*mems = node_states[N_MEMORY];
	return NULL;
}
#endif

#ifdef CONFIG_NUMA
/*
 * The calling task's own mempolicy into @pol: local when it has none, as
 * get_task_policy() falls back to.  Copied under task_lock(), which
 * mpol_rebind_task() holds when a cpuset update rewrites it in place.
 * enum zl_mpol_mode has the kernel's mode numbers.
 */
static void zl_task_policy(struct zl_mempolicy *pol)
{
	const struct mempolicy *mp;

	pol->mode = ZL_MPOL_LOCAL;
	task_lock(current);
	mp = current->mempolicy;
	if (mp && mp->mode < ZL_NR_MPOL) {
		pol->mode = mp->mode;
		pol->nodes = mp->nodes;
	}
	task_unlock(current);
}

/*
 * interleave_nodes(): the node after the task's last interleave node, in
 * its policy's nodes, becomes its last.  weighted_interleave_nodes(): the
 * last keeps its turn for il_weight more pages, a new one gets the
 * kernel's weight.  Only the task writes il_prev and il_weight.
 */
static int zl_task_il_next(const struct zl_mempolicy *pol)
{
	int next = current->il_prev;

#ifdef ZL_WEIGHTED_INTERLEAVE
	if (pol->mode == ZL_MPOL_WEIGHTED_INTERLEAVE && current->il_weight &&
	    node_isset(next, pol->nodes)) {
		current->il_weight--;
		return next;
	}
#endif
	next = next_node_in(next, pol->nodes);
	if (next >= MAX_NUMNODES)
		return next;
#ifdef ZL_WEIGHTED_INTERLEAVE
	/*
	 * The weight first: reading it allocates, and the kernel places
	 * those pages by this same cursor; what they did to it is undone.
	 */
	if (pol->mode == ZL_MPOL_WEIGHTED_INTERLEAVE)
		current->il_weight = zl_node_il_weight(next) - 1;
#endif
	current->il_prev = next;
	return next;
}
#else
static void zl_task_policy(struct zl_mempolicy *pol)
{
	pol->mode = ZL_MPOL_LOCAL;
}

static int zl_task_il_next(const struct zl_mempolicy *pol)
{
	return first_node(pol->nodes);
}
#endif

/*
 * One try under the calling task's own policy, as the kernel allocates a
 * page for it: interleave modes from its il_prev cursor, the others as a
 * context's.
 */
static struct page *zl_task_policy_try(unsigned int order, unsigned int flags,
				       const nodemask_t *mems,
				       seqcount_spinlock_t *seqc,
				       unsigned int seq, struct zl_owner *owner)
{
	struct zl_mempolicy pol = { };
	struct zl_alloc_req req = {
		.mask = mems, .flags = flags, .mems_seq = seqc,
		.mems_cookie = seq, .owner = owner,
	};

	zl_task_policy(&pol);
	if (pol.mode != ZL_MPOL_INTERLEAVE &&
	    pol.mode != ZL_MPOL_WEIGHTED_INTERLEAVE)
		return zl_policy_try(&pol, mems, NULL, -1, order, flags, seqc,
				     seq, owner);
	req.nid = zl_task_il_next(&pol);
	return zl_alloc_req(order, &req);
}

/**
 * zl_task_alloc() - allocate for the calling task, within its real
 * cpuset's mems_allowed, retrying while a cpuset update changes them.
 * @pol:	a region's policy, or NULL for the task's own mempolicy.
 * @ilx:	the page's offset in @pol's region, or -1.
 * @order:	the order.
 * @nid:	preferred node, or NUMA_NO_NODE.
 * @flags:	ZL_ALLOC_*.
 * @owner:	who the pages are for (OOM), or NULL.
 *
 * Return: the first page, or NULL.
 */
struct page *zl_task_alloc(const struct zl_mempolicy *pol, long ilx,
			   unsigned int order, int nid, unsigned int flags,
			   struct zl_owner *owner)
{
	seqcount_spinlock_t *seqc;
	nodemask_t mems;
	struct page *page;
	unsigned int seq;

	for (;;) {
		seqc = zl_task_mems(&mems, &seq);
		if (!pol && nid != NUMA_NO_NODE) {
			struct zl_alloc_req req = {
				.nid = nid, .mask = &mems, .flags = flags,
				.mems_seq = seqc, .mems_cookie = seq,
				.owner = owner,
			};

			page = zl_alloc_req(order, &req);
		} else if (pol) {
			page = zl_policy_try(pol, &mems, NULL, ilx, order,
					     flags, seqc, seq, owner);
		} else {
			page = zl_task_policy_try(order, flags, &mems, seqc,
						  seq, owner);
		}
		if (page || !seqc || !READ_ONCE(zl_mems_retry) ||
		    !read_seqcount_retry(seqc, seq))
			return page;
	}
}

int zl_ctx_set_weight(struct zl_ctx *ctx, unsigned int nid, unsigned int w)
{
	if (nid >= nr_node_ids || !node_online(nid))
		return -ENOENT;
	if (!w || w > 255)
		return -ERANGE;
	/* Pairs with READ_ONCE() in zl_il_next(). */
	WRITE_ONCE(ctx->il.weights[nid], w);
	return 0;
}

void zl_contexts_show(struct seq_file *m)
{
	struct zl_ctx *ctx;

	mutex_lock(&zl_ctx_lock);
	list_for_each_entry(ctx, &zl_ctx_list, node)
		seq_printf(m, "%s\n", ctx->name);
	mutex_unlock(&zl_ctx_lock);
}

void zl_ctx_show_mems(struct seq_file *m, struct zl_ctx *ctx)
{
	nodemask_t mems;

	zl_ctx_read_mems(ctx, &mems);
	seq_printf(m, "%*pbl\n", nodemask_pr_args(&mems));
}

void zl_ctx_show_policy(struct seq_file *m, struct zl_ctx *ctx)
{
	char buf[ZL_MPOL_STR_MAX];

	rcu_read_lock();
	zl_mpol_format(buf, sizeof(buf), rcu_dereference(ctx->policy));
	rcu_read_unlock();
	seq_printf(m, "%s\n", buf);
}

void zl_ctx_show_numa(struct seq_file *m, struct zl_ctx *ctx)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		seq_printf(m, "node %d %ld\n", nid,
			   atomic_long_read(&ctx->owner.node_pages[nid]));
}

void zl_ctx_show_stats(struct seq_file *m, struct zl_ctx *ctx)
{
	seq_printf(m, "allocs %lld\nfails %lld\nretries %lld\nrebinds %lld\nusers %u\n",
		   atomic64_read(&ctx->allocs), atomic64_read(&ctx->fails),
		   atomic64_read(&ctx->retries), atomic64_read(&ctx->rebinds),
		   kref_read(&ctx->ref) - 1);
}

int zl_ctx_set_oom_score_adj(struct zl_ctx *ctx, int adj)
{
	if (adj < ZL_OOM_ADJ_MIN || adj > ZL_OOM_ADJ_MAX)
		return -ERANGE;
	WRITE_ONCE(ctx->owner.oom_score_adj, adj);
	return 0;
}

void zl_ctx_show_oom_score_adj(struct seq_file *m, struct zl_ctx *ctx)
{
	seq_printf(m, "%d\n", READ_ONCE(ctx->owner.oom_score_adj));
}

void zl_ctx_show_weights(struct seq_file *m, struct zl_ctx *ctx)
{
	int nid;

	for_each_online_node(nid)
		seq_printf(m, "node %d %u\n", nid, READ_ONCE(ctx->il.weights[nid]));
}

/* Remove every context, at unload, after their users are gone. */
void zl_contexts_exit(void)
{
	struct zl_ctx *ctx, *tmp;

	mutex_lock(&zl_ctx_lock);
	list_for_each_entry_safe(ctx, tmp, &zl_ctx_list, node) {
		list_del(&ctx->node);
		WARN_ON_ONCE(kref_read(&ctx->ref) != 1);
		zl_ctx_put(ctx);
	}
	mutex_unlock(&zl_ctx_lock);
}
