/* diff: a bounded line diff (longest common subsequence) of two texts, as unified-diff lines with context. */
#include "diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct diff_text {
	const char **s;
	size_t *len;
	size_t n;
};

static size_t diff_count(const char *t)
{
	size_t n = 0;

	if (t[0] == '\0')
		return 0;
	for (; *t != '\0'; t++)
		n += *t == '\n';
	/* A last line without its newline is still a line. */
	return n + (t[-1] != '\n');
}

static int diff_split(const char *t, size_t n, struct diff_text *out, struct err *e)
{
	size_t i;

	out->n = 0;
	out->s = calloc(n + 1, sizeof *out->s);
	out->len = calloc(n + 1, sizeof *out->len);
	if (out->s == NULL || out->len == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < n; i++) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);

		out->s[i] = t;
		out->len[i] = len;
		t += len + (nl != NULL);
	}
	out->n = n;
	return 0;
}

static void diff_text_free(struct diff_text *t)
{
	free(t->s);
	free(t->len);
}

static int diff_eq(const struct diff_text *a, size_t i, const struct diff_text *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void diff_put(struct diff_line *v, size_t *n, enum diff_op op, const char *s, size_t len)
{
	v[*n].op = op;
	v[*n].s = s;
	v[*n].len = len;
	v[*n].skipped = 0;
	(*n)++;
}

/* The edit script of the middle part (after the common head, before the
 * common tail): L[i][j] is the LCS of a[i..] and b[j..], walked from the
 * front so a changed block reads removals first, then additions. */
static int diff_middle(const struct diff_text *a, const struct diff_text *b, size_t head, size_t an,
		       size_t bn, struct diff_line *v, size_t *n, struct err *e)
{
	size_t w = bn + 1, i, j;
	uint16_t *L;

	if (an == 0 || bn == 0) {
		for (i = 0; i < an; i++)
			diff_put(v, n, DIFF_DEL, a->s[head + i], a->len[head + i]);
		for (j = 0; j < bn; j++)
			diff_put(v, n, DIFF_ADD, b->s[head + j], b->len[head + j]);
		return 0;
	}
	/* an * bn <= DIFF_MAX_CELLS, so the shorter side, and any LCS, is at most 1000 lines. */
	L = calloc((an + 1) * w, sizeof *L);
	if (L == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = an; i-- > 0;)
		for (j = bn; j-- > 0;) {
			if (diff_eq(a, head + i, b, head + j))
				L[i * w + j] = (uint16_t)(L[(i + 1) * w + j + 1] + 1);
			else
				L[i * w + j] = L[(i + 1) * w + j] >= L[i * w + j + 1] ? L[(i + 1) * w + j]
										      : L[i * w + j + 1];
		}
	i = j = 0;
	while (i < an || j < bn) {
		if (i < an && j < bn && diff_eq(a, head + i, b, head + j)) {
			diff_put(v, n, DIFF_SAME, b->s[head + j], b->len[head + j]);
			i++;
			j++;
		} else if (j == bn || (i < an && L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			diff_put(v, n, DIFF_DEL, a->s[head + i], a->len[head + i]);
			i++;
		} else {
			diff_put(v, n, DIFF_ADD, b->s[head + j], b->len[head + j]);
			j++;
		}
	}
	free(L);
	return 0;
}

/* Folds unchanged lines further than context from any change into
 * DIFF_SKIP entries, in place: a backward pass leaves each line's distance
 * to the next change in .skipped, the forward pass measures the distance
 * from the last one and writes what stays. */
static void diff_fold(struct diff *d, size_t context)
{
	size_t i, o = 0, gap = (size_t)-1, since = (size_t)-1;

	if (context == DIFF_ALL)
		return;
	for (i = d->n; i-- > 0;) {
		gap = d->v[i].op != DIFF_SAME ? 0 : gap == (size_t)-1 ? gap : gap + 1;
		d->v[i].skipped = gap;
	}
	for (i = 0; i < d->n; i++) {
		struct diff_line l = d->v[i];

		since = l.op != DIFF_SAME ? 0 : since == (size_t)-1 ? since : since + 1;
		if (l.op != DIFF_SAME || since <= context || l.skipped <= context) {
			l.skipped = 0;
			d->v[o++] = l;
		} else if (o > 0 && d->v[o - 1].op == DIFF_SKIP) {
			d->v[o - 1].skipped++;
		} else {
			l.op = DIFF_SKIP;
			l.skipped = 1;
			d->v[o++] = l;
		}
	}
	d->n = o;
}

int diff_lines(const char *old, const char *new, size_t context, struct diff *out, struct err *e)
{
	struct diff_text a = {0}, b = {0};
	size_t head = 0, tail = 0, an, bn, i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->old_lines = diff_count(old);
	out->new_lines = diff_count(new);
	if (out->old_lines > DIFF_MAX_LINES || out->new_lines > DIFF_MAX_LINES) {
		out->too_large = 1;
		return 0;
	}
	if (diff_split(old, out->old_lines, &a, e) != 0 || diff_split(new, out->new_lines, &b, e) != 0)
		goto done;
	while (head < a.n && head < b.n && diff_eq(&a, head, &b, head))
		head++;
	while (tail < a.n - head && tail < b.n - head && diff_eq(&a, a.n - 1 - tail, &b, b.n - 1 - tail))
		tail++;
	an = a.n - head - tail;
	bn = b.n - head - tail;
	if ((uint64_t)an * bn > DIFF_MAX_CELLS) {
		out->too_large = 1;
		rc = 0;
		goto done;
	}
	out->v = calloc(a.n + b.n + 1, sizeof *out->v);
	if (out->v == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto done;
	}
	for (i = 0; i < head; i++)
		diff_put(out->v, &out->n, DIFF_SAME, b.s[i], b.len[i]);
	if (diff_middle(&a, &b, head, an, bn, out->v, &out->n, e) != 0)
		goto done;
	for (i = b.n - tail; i < b.n; i++)
		diff_put(out->v, &out->n, DIFF_SAME, b.s[i], b.len[i]);
	for (i = 0; i < out->n; i++) {
		out->adds += out->v[i].op == DIFF_ADD;
		out->dels += out->v[i].op == DIFF_DEL;
	}
	diff_fold(out, context);
	rc = 0;
done:
	diff_text_free(&a);
	diff_text_free(&b);
	if (rc != 0)
		diff_free(out);
	return rc;
}

void diff_free(struct diff *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
