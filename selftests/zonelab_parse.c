// SPDX-License-Identifier: GPL-2.0
/*
 * The data side of the zonelab selftests (zonelab_parse.h), its base:
 * text helpers, node masks and kernel lists, and the formatters that
 * diagnostics print them with.  The parsers built on these, one file per
 * kind of data, are zonelab_parse_*.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kselftest.h"
#include "zonelab_util.h"

/* ------------------------------------------------------------------ */
/* text helpers                                                       */
/* ------------------------------------------------------------------ */

void zl_copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void zl_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int zl_parse_uint(const char *s, const char **end, unsigned long *val)
{
	unsigned long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		if (v > (ULONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
		p++;
	}
	*val = v;
	*end = p;
	return 0;
}

bool zl_next_line(const char **pos, char *line, size_t size, bool *no_nl)
{
	const char *p = *pos, *nl;
	size_t len;

	if (!*p)
		return false;
	nl = strchr(p, '\n');
	len = nl ? (size_t)(nl - p) : strlen(p);
	if (len >= size)
		len = size - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	if (no_nl)
		*no_nl = !nl;
	*pos = nl ? nl + 1 : p + strlen(p);
	return true;
}

/* ------------------------------------------------------------------ */
/* masks and lists                                                    */
/* ------------------------------------------------------------------ */

#define BITS_PER_UL	(8 * sizeof(unsigned long))

void zl_mask_clear(struct zl_mask *m)
{
	memset(m, 0, sizeof(*m));
}

void zl_mask_set(struct zl_mask *m, int bit)
{
	if (bit >= 0 && bit < ZL_MASK_BITS)
		m->bits[bit / BITS_PER_UL] |= 1UL << (bit % BITS_PER_UL);
}

bool zl_mask_test(const struct zl_mask *m, int bit)
{
	if (bit < 0 || bit >= ZL_MASK_BITS)
		return false;
	return m->bits[bit / BITS_PER_UL] & (1UL << (bit % BITS_PER_UL));
}

int zl_mask_next(const struct zl_mask *m, int prev, int max)
{
	int bit;

	for (bit = prev + 1; bit < max; bit++)
		if (zl_mask_test(m, bit))
			return bit;
	return max;
}

bool zl_mask_equal(const struct zl_mask *a, const struct zl_mask *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

bool zl_mask_empty(const struct zl_mask *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m->bits); i++)
		if (m->bits[i])
			return false;
	return true;
}

int zl_mask_weight(const struct zl_mask *m)
{
	size_t i;
	int w = 0;

	for (i = 0; i < ARRAY_SIZE(m->bits); i++)
		w += __builtin_popcountl(m->bits[i]);
	return w;
}

int zl_parse_list(const char *s, struct zl_mask *m)
{
	const char *p = s;
	unsigned long a, b, i;

	zl_mask_clear(m);
	/* Tolerate one trailing newline, as sysfs files end with one. */
	if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
		return 0;
	for (;;) {
		if (zl_parse_uint(p, &p, &a))
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (zl_parse_uint(p, &p, &b) || b < a)
				return -EINVAL;
		}
		if (b >= ZL_MASK_BITS)
			return -ERANGE;
		for (i = a; i <= b; i++)
			zl_mask_set(m, i);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
			return 0;
		return -EINVAL;
	}
}

char *zl_format_list(const struct zl_mask *m, char *buf, size_t size)
{
	size_t off = 0;
	int i = 0, j;

	buf[0] = '\0';
	while (i < ZL_MASK_BITS) {
		if (!zl_mask_test(m, i)) {
			i++;
			continue;
		}
		j = i;
		while (j + 1 < ZL_MASK_BITS && zl_mask_test(m, j + 1))
			j++;
		if (off < size)
			off += snprintf(buf + off, size - off, "%s%d", off ? "," : "", i);
		if (j > i && off < size)
			off += snprintf(buf + off, size - off, "-%d", j);
		i = j + 1;
	}
	return buf;
}

char *zl_format_order(const int *order, int nr, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%d", i ? " " : "", order[i]);
	return buf;
}

char *zl_format_zrefs(const struct zl_zref *z, int nr, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%d/%s", i ? " " : "",
				z[i].nid, z[i].zone);
	return buf;
}

char *zl_format_node_zones(const struct zl_zref *z, int nr, int owner,
			   char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		if (z[i].nid == owner)
			off += snprintf(buf + off, size - off, " %s", z[i].zone);
	return buf;
}
