/* stat: HAProxy's show stat CSV read by column name (the header line says which column is which), its server rows, and their status as steward's deployment states. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/haproxy/hap.h"

/* Splits line (NUL-terminated, modified in place) into CSV fields:
 * HAProxy quotes a field holding a comma or a quote ("a,b", "say ""hi"""),
 * as check descriptions may. Fields past HAP_MAX_FIELDS are counted, not
 * kept. -1 on a quote that is never closed or text after a closing quote. */
static int hap_stat_split(char *line, char **f, size_t *nf)
{
	char *r = line, *w;

	*nf = 0;
	for (;;) {
		char *start = r;

		w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else
					*w++ = *r++;
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0')
				r++;
			w = r;
		}
		if (*nf < HAP_MAX_FIELDS)
			f[*nf] = start;
		(*nf)++;
		if (*r == '\0') {
			*w = '\0';
			return 0;
		}
		r++;
		*w = '\0';
	}
}

/* A whole number lo..hi; -1 for anything else (empty, a sign, a fraction, text). */
static int hap_stat_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static long hap_stat_column(char **f, size_t nf, const char *name)
{
	size_t i;

	for (i = 0; i < nf && i < HAP_MAX_FIELDS; i++)
		if (strcmp(f[i], name) == 0)
			return (long)i;
	return -1;
}

void hap_stat_free(struct hap_stat *st)
{
	free(st->buf);
	free(st->rows);
	st->buf = NULL;
	st->rows = NULL;
	st->n = 0;
}

int hap_stat_parse(const char *text, size_t len, struct hap_stat *st, char *err, size_t errn)
{
	static const char *const need[] = { "pxname", "svname", "status", "weight", "stot" };
	char **f = NULL, *line, *next, ex[120], ex2[120], ex3[64];
	long col[5], ucol, line_no = 1;
	size_t nf, ncols, i, cap = 0, maxcol = 0;

	memset(st, 0, sizeof *st);
	if (memchr(text, '\0', len) != NULL)
		return hap_err(err, errn, "show stat answered a NUL byte: not HAProxy's CSV");
	st->buf = malloc(len + 1);
	f = malloc(HAP_MAX_FIELDS * sizeof *f);
	if (st->buf == NULL || f == NULL)
		goto oom;
	memcpy(st->buf, text, len);
	st->buf[len] = '\0';
	line = st->buf;
	next = strchr(line, '\n');
	if (next != NULL)
		*next++ = '\0';
	/* The header: "# pxname,svname,...". Anything else is HAProxy saying
	 * no (Permission denied, Unknown command) or not HAProxy at all. */
	if (strncmp(line, "# ", 2) != 0) {
		hap_err(err, errn, "show stat did not answer HAProxy's CSV; it began: %s",
			len == 0 ? "(nothing)" : hap_clean(line, strlen(line), ex, sizeof ex));
		goto fail;
	}
	if (hap_stat_split(line + 2, f, &ncols) != 0) {
		hap_err(err, errn, "show stat's header line has an unclosed quote");
		goto fail;
	}
	if (ncols > HAP_MAX_FIELDS) {
		hap_err(err, errn, "show stat's header has %zu columns, more than %d", ncols, HAP_MAX_FIELDS);
		goto fail;
	}
	for (i = 0; i < sizeof need / sizeof need[0]; i++) {
		col[i] = hap_stat_column(f, ncols, need[i]);
		if (col[i] < 0) {
			hap_err(err, errn, "show stat's header has no '%s' column", need[i]);
			goto fail;
		}
		if ((size_t)col[i] > maxcol)
			maxcol = (size_t)col[i];
	}
	/* weight is the effective weight, which keeps its old value while a
	 * server is in maintenance; uweight (HAProxy 2.4 on) is the weight
	 * "set server ... weight" sets, the one steward governs. */
	ucol = hap_stat_column(f, ncols, "uweight");
	if (ucol >= 0) {
		col[3] = ucol;
		if ((size_t)ucol > maxcol)
			maxcol = (size_t)ucol;
	}
	for (line = next; line != NULL; line = next) {
		struct hap_row *r;
		int64_t weight, stot;

		line_no++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '\0')
			continue; /* the blank line that ends an answer */
		if (hap_stat_split(line, f, &nf) != 0) {
			hap_err(err, errn, "show stat line %ld has an unclosed quote", line_no);
			goto fail;
		}
		if (nf <= maxcol) {
			hap_err(err, errn, "show stat line %ld has %zu fields; the header names %zu", line_no, nf, ncols);
			goto fail;
		}
		/* A full show stat also lists each proxy's totals; only servers are servers. */
		if (strcmp(f[col[1]], "FRONTEND") == 0 || strcmp(f[col[1]], "BACKEND") == 0)
			continue;
		if (f[col[0]][0] == '\0' || f[col[1]][0] == '\0') {
			hap_err(err, errn, "show stat line %ld names no proxy or no server", line_no);
			goto fail;
		}
		if (hap_stat_int(f[col[3]], 0, HAP_WEIGHT_MAX, &weight) != 0) {
			hap_err(err, errn, "show stat line %ld (%s/%s): weight '%s' is not 0 to %d", line_no,
				hap_clean(f[col[0]], strlen(f[col[0]]), ex, sizeof ex),
				hap_clean(f[col[1]], strlen(f[col[1]]), ex2, sizeof ex2),
				hap_clean(f[col[3]], strlen(f[col[3]]), ex3, sizeof ex3), HAP_WEIGHT_MAX);
			goto fail;
		}
		if (hap_stat_int(f[col[4]], 0, INT64_MAX, &stot) != 0) {
			hap_err(err, errn, "show stat line %ld (%s/%s): stot '%s' is not a count", line_no,
				hap_clean(f[col[0]], strlen(f[col[0]]), ex, sizeof ex),
				hap_clean(f[col[1]], strlen(f[col[1]]), ex2, sizeof ex2),
				hap_clean(f[col[4]], strlen(f[col[4]]), ex3, sizeof ex3));
			goto fail;
		}
		if (st->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct hap_row *nr = realloc(st->rows, ncap * sizeof *nr);

			if (nr == NULL)
				goto oom;
			st->rows = nr;
			cap = ncap;
		}
		r = &st->rows[st->n++];
		r->px = f[col[0]];
		r->sv = f[col[1]];
		r->status = f[col[2]];
		r->weight = weight;
		r->stot = stot;
		r->line = line_no;
	}
	free(f);
	return 0;
oom:
	hap_err(err, errn, "out of memory reading show stat");
fail:
	free(f);
	hap_stat_free(st);
	return -1;
}

const struct hap_row *hap_stat_find(const struct hap_stat *st, const char *px, const char *sv, int *twice)
{
	const struct hap_row *found = NULL;
	size_t i;

	*twice = 0;
	for (i = 0; i < st->n; i++)
		if (strcmp(st->rows[i].px, px) == 0 && strcmp(st->rows[i].sv, sv) == 0) {
			if (found != NULL)
				*twice = 1;
			else
				found = &st->rows[i];
		}
	return found;
}

/* True when status is word, alone or followed by a space or '(' (and then
 * whatever HAProxy adds: "UP 1/3", "DRAIN (agent)", "MAINT(via)"). */
static int hap_status_is(const char *status, const char *word)
{
	size_t n = strlen(word);

	return strncmp(status, word, n) == 0 && (status[n] == '\0' || status[n] == ' ' || status[n] == '(');
}

const char *hap_status_state(const char *status)
{
	if (hap_status_is(status, "UP") || strcmp(status, "no check") == 0)
		return "ready";
	/* NOLB: up, but takes no new traffic (a 404 check's "disable-on-404"). */
	if (hap_status_is(status, "DRAIN") || hap_status_is(status, "NOLB"))
		return "drain";
	if (hap_status_is(status, "MAINT"))
		return "maint";
	/* "DOWN 1/2": still down, on its way up. */
	if (hap_status_is(status, "DOWN"))
		return "down";
	return NULL;
}
