/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zonelab tracepoints, under events/zonelab/ in tracefs: usable with
 * `trace-cmd record -e zonelab` and `perf record -e 'zonelab:*'`.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zonelab

#ifndef _ZONELAB_TRACE_KINDS
#define _ZONELAB_TRACE_KINDS
/* The kinds of zonelab_walk_anomaly; outside the multi-read part below. */
enum zl_anomaly {
	ZL_ANOMALY_DOUBLE_VISIT,
	ZL_ANOMALY_MISSED_ZONE,
	ZL_ANOMALY_RETRY,
	ZL_ANOMALY_PREMATURE_OOM,
};

/* 6.10 made __assign_str() take the source from __string() itself. */
#ifdef ZL_ASSIGN_STR_ONE_ARG
#define zl_assign_str(dst, src)	__assign_str(dst)
#else
#define zl_assign_str(dst, src)	__assign_str(dst, src)
#endif
#endif

#if !defined(_ZONELAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZONELAB_TRACE_H

#include <linux/tracepoint.h>

/* So that perf and trace-cmd can print the symbols below. */
TRACE_DEFINE_ENUM(ZL_REBUILD_RCU);
TRACE_DEFINE_ENUM(ZL_REBUILD_SEQLOCK);
TRACE_DEFINE_ENUM(ZL_REBUILD_STOP_MACHINE);
TRACE_DEFINE_ENUM(ZL_REBUILD_INPLACE);
TRACE_DEFINE_ENUM(ZL_ANOMALY_DOUBLE_VISIT);
TRACE_DEFINE_ENUM(ZL_ANOMALY_MISSED_ZONE);
TRACE_DEFINE_ENUM(ZL_ANOMALY_RETRY);
TRACE_DEFINE_ENUM(ZL_ANOMALY_PREMATURE_OOM);
TRACE_DEFINE_ENUM(ZL_BLOCK_ONLINE);
TRACE_DEFINE_ENUM(ZL_BLOCK_GOING_OFFLINE);
TRACE_DEFINE_ENUM(ZL_BLOCK_OFFLINE);

TRACE_EVENT(zonelab_alloc,
	    TP_PROTO(int nid, int zone_idx, unsigned int order, bool pcp),
	    TP_ARGS(nid, zone_idx, order, pcp),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(int, zone_idx)
			     __field(unsigned int, order)
			     __field(bool, pcp)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->zone_idx = zone_idx;
			   __entry->order = order;
			   __entry->pcp = pcp;),
	    TP_printk("node=%d zone_idx=%d order=%u from=%s", __entry->nid,
		      __entry->zone_idx, __entry->order,
		      __entry->pcp ? "pcp" : "buddy"));

TRACE_EVENT(zonelab_alloc_fail,
	    TP_PROTO(int nid, unsigned int order, unsigned int flags),
	    TP_ARGS(nid, order, flags),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(unsigned int, order)
			     __field(unsigned int, flags)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->order = order;
			   __entry->flags = flags;),
	    TP_printk("preferred_node=%d order=%u flags=0x%x", __entry->nid,
		      __entry->order, __entry->flags));

TRACE_EVENT(zonelab_rebuild,
	    TP_PROTO(u64 generation, u64 duration_ns, int mode),
	    TP_ARGS(generation, duration_ns, mode),
	    TP_STRUCT__entry(__field(u64, generation)
			     __field(u64, duration_ns)
			     __field(int, mode)),
	    TP_fast_assign(__entry->generation = generation;
			   __entry->duration_ns = duration_ns;
			   __entry->mode = mode;),
	    TP_printk("generation=%llu duration_ns=%llu mode=%s",
		      __entry->generation, __entry->duration_ns,
		      __print_symbolic(__entry->mode,
				       { ZL_REBUILD_RCU, "rcu" },
				       { ZL_REBUILD_SEQLOCK, "seqlock" },
				       { ZL_REBUILD_STOP_MACHINE, "stop_machine" },
				       { ZL_REBUILD_INPLACE, "inplace" })));

/* What a zonelist walk's detectors found (rebuild.c). */
TRACE_EVENT(zonelab_walk_anomaly,
	    TP_PROTO(int nid, int slot, int kind),
	    TP_ARGS(nid, slot, kind),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(int, slot)
			     __field(int, kind)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->slot = slot;
			   __entry->kind = kind;),
	    TP_printk("%s list_node=%d zone_node=%d zone_idx=%d",
		      __print_symbolic(__entry->kind,
				       { ZL_ANOMALY_DOUBLE_VISIT, "double_visit" },
				       { ZL_ANOMALY_MISSED_ZONE, "missed_zone" },
				       { ZL_ANOMALY_RETRY, "retry" },
				       { ZL_ANOMALY_PREMATURE_OOM, "premature_oom" }),
		      __entry->nid,
		      __entry->slot < 0 ? -1 : __entry->slot / MAX_NR_ZONES,
		      __entry->slot < 0 ? -1 : __entry->slot % MAX_NR_ZONES));

/* A zonelab memory block changed state (hotplug.c). */
TRACE_EVENT(zonelab_block,
	    TP_PROTO(unsigned long id, int nid, int zone_idx, int state),
	    TP_ARGS(id, nid, zone_idx, state),
	    TP_STRUCT__entry(__field(unsigned long, id)
			     __field(int, nid)
			     __field(int, zone_idx)
			     __field(int, state)),
	    TP_fast_assign(__entry->id = id;
			   __entry->nid = nid;
			   __entry->zone_idx = zone_idx;
			   __entry->state = state;),
	    TP_printk("block=%lu node=%d zone_idx=%d state=%s", __entry->id,
		      __entry->nid, __entry->zone_idx,
		      __print_symbolic(__entry->state,
				       { ZL_BLOCK_ONLINE, "online" },
				       { ZL_BLOCK_GOING_OFFLINE, "going-offline" },
				       { ZL_BLOCK_OFFLINE, "offline" })));

/* zonelab's OOM chose a victim (oom.c). */
TRACE_EVENT(zonelab_oom,
	    TP_PROTO(unsigned int owner, long pages),
	    TP_ARGS(owner, pages),
	    TP_STRUCT__entry(__field(unsigned int, owner)
			     __field(long, pages)),
	    TP_fast_assign(__entry->owner = owner;
			   __entry->pages = pages;),
	    TP_printk("victim=%u pages=%ld", __entry->owner, __entry->pages));

/* A victim's last page went: the OOM is resolved (oom.c). */
TRACE_EVENT(zonelab_oom_gone,
	    TP_PROTO(unsigned int owner, long reaped),
	    TP_ARGS(owner, reaped),
	    TP_STRUCT__entry(__field(unsigned int, owner)
			     __field(long, reaped)),
	    TP_fast_assign(__entry->owner = owner;
			   __entry->reaped = reaped;),
	    TP_printk("victim=%u reaped=%ld", __entry->owner, __entry->reaped));

/*
 * A context's mems_allowed changed: an injected cpuset update (cpuset.c).
 * The node list is formatted only when the event is on.
 */
TRACE_EVENT(zonelab_ctx_mems,
	    TP_PROTO(const char *ctx, const nodemask_t *mems),
	    TP_ARGS(ctx, mems),
	    TP_STRUCT__entry(__string(ctx, ctx)
			     __dynamic_array(char, mems,
					     snprintf(NULL, 0, "%*pbl",
						      nodemask_pr_args(mems)) + 1)),
	    TP_fast_assign(zl_assign_str(ctx, ctx);
			   snprintf(__get_str(mems), __get_dynamic_array_len(mems),
				    "%*pbl", nodemask_pr_args(mems));),
	    TP_printk("ctx=%s mems=%s", __get_str(ctx), __get_str(mems)));

/*
 * A context's policy pointer was swapped (cpuset.c): rebound by a mems
 * update, or replaced by a write to its `policy` file.
 */
TRACE_EVENT(zonelab_policy_swap,
	    TP_PROTO(const char *ctx, const struct zl_mempolicy *pol, bool rebind),
	    TP_ARGS(ctx, pol, rebind),
	    TP_STRUCT__entry(__string(ctx, ctx)
			     __dynamic_array(char, policy, ZL_MPOL_STR_MAX)
			     __field(bool, rebind)),
	    TP_fast_assign(zl_assign_str(ctx, ctx);
			   zl_mpol_format(__get_str(policy), ZL_MPOL_STR_MAX, pol);
			   __entry->rebind = rebind;),
	    TP_printk("ctx=%s policy=%s cause=%s", __get_str(ctx),
		      __get_str(policy), __entry->rebind ? "rebind" : "write"));

/* A range of a shared region got a new policy (policy.c). */
TRACE_EVENT(zonelab_region_set,
	    TP_PROTO(const char *region, unsigned long start, unsigned long end,
		     const struct zl_mempolicy *pol),
	    TP_ARGS(region, start, end, pol),
	    TP_STRUCT__entry(__string(region, region)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __dynamic_array(char, policy, ZL_MPOL_STR_MAX)),
	    TP_fast_assign(zl_assign_str(region, region);
			   __entry->start = start;
			   __entry->end = end;
			   zl_mpol_format(__get_str(policy), ZL_MPOL_STR_MAX, pol);),
	    TP_printk("region=%s pages=%lu-%lu policy=%s", __get_str(region),
		      __entry->start, __entry->end - 1, __get_str(policy)));

#endif /* _ZONELAB_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
