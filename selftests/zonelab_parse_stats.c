// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's `stats` file (zonelab_parse.h): its parser and readers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonelab_util.h"

int zl_stats_parse(struct zl_stats *s, const char *text, char *err, size_t errlen)
{
	const char *pos = text;
	char line[256], key[64];
	long long v;
	bool no_nl;
	int k, i;

	memset(s, 0, sizeof(*s));
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		char again[256];

		k = 0;
		if (!no_nl && s->nr < ZL_MAX_STATS &&
		    sscanf(line, "%47[a-z0-9_] %lld%n", key, &v, &k) == 2)
			snprintf(again, sizeof(again), "%s %lld", key, v);
		else
			again[0] = '\0';
		/* Canonical "<key> <value>": one blank, no sign, nothing after. */
		if (!again[0] || line[k] != '\0' || strcmp(again, line)) {
			zl_set_err(err, errlen, "stats: bad line '%s'", line);
			return -EINVAL;
		}
		for (i = 0; i < s->nr; i++) {
			if (!strcmp(s->key[i], key)) {
				zl_set_err(err, errlen, "stats: duplicate key '%s'", key);
				return -EINVAL;
			}
		}
		zl_copy_str(s->key[s->nr], sizeof(s->key[0]), key);
		s->val[s->nr++] = v;
	}
	return 0;
}

int zl_stats_read(struct zl_stats *s)
{
	char err[256];
	char *buf = zl_read_file(ZL_STATS, NULL);
	int ret;

	if (!buf)
		return -errno;
	ret = zl_stats_parse(s, buf, err, sizeof(err));
	if (ret)
		zl_log("%s", err);
	free(buf);
	return ret;
}

long long zl_stat(const struct zl_stats *s, const char *key)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return -1;
}

long long zl_stat_get(const char *key)
{
	struct zl_stats s;

	if (zl_stats_read(&s))
		return -2;
	return zl_stat(&s, key);
}

int zl_wait_quiescent(int timeout_ms)
{
	long long deadline = zl_now_ms() + timeout_ms;
	struct zl_stats s;

	do {
		if (zl_stats_read(&s) == 0 && zl_stat(&s, "generations_live") <= 1)
			return 0;
		zl_sleep_ms(50);
	} while (zl_now_ms() < deadline);
	return -ETIMEDOUT;
}
