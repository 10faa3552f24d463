/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zonelab tracepoints, under events/zonelab/ in tracefs: usable with
 * `trace-cmd record -e zonelab` and `perf record -e 'zonelab:*'`.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zonelab

#if !defined(_ZONELAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZONELAB_TRACE_H

#include <linux/tracepoint.h>

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
	    TP_PROTO(u64 generation, u64 duration_ns, bool forced),
	    TP_ARGS(generation, duration_ns, forced),
	    TP_STRUCT__entry(__field(u64, generation)
			     __field(u64, duration_ns)
			     __field(bool, forced)),
	    TP_fast_assign(__entry->generation = generation;
			   __entry->duration_ns = duration_ns;
			   __entry->forced = forced;),
	    TP_printk("generation=%llu duration_ns=%llu forced=%d",
		      __entry->generation, __entry->duration_ns,
		      __entry->forced));

#endif /* _ZONELAB_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
