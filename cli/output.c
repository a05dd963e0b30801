/* output: how the command line prints: quoting in messages, times, numbers, aligned tables and JSON. */
#define STEWARD_OUTPUT_IMPL /* cli_json_fail is defined here, not the analyser stand-in in cli.h */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define CLI_QUOTE_MAX 60

const char *cli_quote(const char *s, char *buf, size_t n)
{
	size_t used = 0, shown = 0;

	if (n == 0)
		return "";
	buf[0] = '\0';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		int w;

		if (shown >= CLI_QUOTE_MAX) {
			if (used + 4 <= n)
				snprintf(buf + used, n - used, "...");
			return buf;
		}
		if (ch >= 0x20 && ch < 0x7f)
			w = snprintf(buf + used, n - used, "%c", ch);
		else
			w = snprintf(buf + used, n - used, "\\x%02x", ch);
		/* Leave room for the "..." that marks a cut. */
		if (w < 0 || used + (size_t)w + 4 > n) {
			buf[used] = '\0';
			if (used + 4 <= n)
				snprintf(buf + used, n - used, "...");
			return buf;
		}
		used += (size_t)w;
		shown++;
	}
	return buf;
}

static const char *cli_safe_text(struct cli_ctx *c, const char *s, int multiline)
{
	char **nv, *x;

	if (s == NULL)
		return "";
	if (!check_needs_escape(s, multiline))
		return s;
	/* Doubles at powers of two: a card of 40,000 hostile sections stays linear. */
	if (c->nsafe == 0 || (c->nsafe & (c->nsafe - 1)) == 0) {
		nv = realloc(c->safe, (c->nsafe == 0 ? 1 : 2 * c->nsafe) * sizeof *nv);
		if (nv == NULL)
			return "(out of memory)";
		c->safe = nv;
	}
	x = check_escape(s, multiline);
	if (x == NULL)
		return "(out of memory)";
	c->safe[c->nsafe++] = x;
	return x;
}

const char *cli_safe(struct cli_ctx *c, const char *s)
{
	return cli_safe_text(c, s, 0);
}

const char *cli_safe_lines(struct cli_ctx *c, const char *s)
{
	return cli_safe_text(c, s, 1);
}

void cli_safe_free(struct cli_ctx *c)
{
	for (size_t i = 0; i < c->nsafe; i++)
		free(c->safe[i]);
	free(c->safe);
	c->safe = NULL;
	c->nsafe = 0;
}

const char *cli_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "-");
	return buf;
}

/* Fewest significant digits (at least 6) that read back as v. */
static int cli_double_prec(double v)
{
	char buf[64];
	int prec;

	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return prec;
}

const char *cli_double(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.*g", cli_double_prec(v), v);
	return buf;
}

const char *cli_short_digest(const char *digest, char *buf, size_t n)
{
	snprintf(buf, n, "%.19s", digest);
	return buf;
}

/* ---- tables ---- */

struct cli_table {
	size_t ncols, nrows, cap;
	char **cells; /* nrows * ncols, row 0 is the header */
};

/* Columns line up on terminals, so count characters, not bytes. */
static size_t cli_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

struct cli_table *cli_table_new(size_t ncols, const char *const *header)
{
	struct cli_table *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	if (cli_table_add(t, header) < 0) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p;

		if (cap > SIZE_MAX / sizeof *p / t->ncols)
			return -1;
		p = realloc(t->cells, cap * t->ncols * sizeof *p);
		if (p == NULL)
			return -1;
		t->cells = p;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		/* A cell is one line: a newline in a comment must not start a row. */
		char *d = check_escape(cells[i] != NULL ? cells[i] : "", 0);

		if (d == NULL) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return -1;
		}
		t->cells[t->nrows * t->ncols + i] = d;
	}
	t->nrows++;
	return 0;
}

void cli_table_print(const struct cli_table *t)
{
	size_t r, i, w[16] = { 0 };
	size_t nc = t->ncols < 16 ? t->ncols : 16;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < nc; i++) {
			size_t cw = cli_width(t->cells[r * t->ncols + i]);

			if (cw > w[i])
				w[i] = cw;
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < nc; i++) {
			const char *s = t->cells[r * t->ncols + i];

			fputs(s, stdout);
			if (i + 1 < nc) {
				size_t pad = w[i] - cli_width(s) + 2;

				while (pad-- > 0)
					fputc(' ', stdout);
			}
		}
		fputc('\n', stdout);
	}
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* ---- JSON ---- */

/* jansson prints every real with one precision; the widest one any real
 * in this run needs keeps 0.91 from coming out as 0.91000000000000003. */
static int cli_json_prec = 6;

int cli_json_fail(struct err *e)
{
	return err_set(e, ERR_IO, "cannot build JSON output (out of memory or text that is not UTF-8)");
}

static int cli_json_put(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

int cli_json_str(json_t *o, const char *key, const char *v)
{
	return cli_json_put(o, key, json_string(v != NULL ? v : ""));
}

int cli_json_int(json_t *o, const char *key, int64_t v)
{
	return cli_json_put(o, key, json_integer((json_int_t)v));
}

int cli_json_int_or_null(json_t *o, const char *key, int64_t v)
{
	return cli_json_put(o, key, v != 0 ? json_integer((json_int_t)v) : json_null());
}

int cli_json_real(json_t *o, const char *key, double v)
{
	/* JSON has no NaN or infinity; the store should never hold them. */
	if (!isfinite(v))
		return cli_json_put(o, key, json_null());
	if (cli_double_prec(v) > cli_json_prec)
		cli_json_prec = cli_double_prec(v);
	return cli_json_put(o, key, json_real(v));
}

int cli_json_time(json_t *o, const char *key, int64_t t)
{
	char buf[32];

	if (t == 0)
		return cli_json_put(o, key, json_null());
	return cli_json_str(o, key, cli_time(t, buf, sizeof buf));
}

int cli_json_bool(json_t *o, const char *key, int v)
{
	return cli_json_put(o, key, json_boolean(v));
}

int cli_json_list(json_t *o, const char *key, const char *csv)
{
	json_t *a = json_array();
	const char *p = csv != NULL ? csv : "";

	if (a == NULL)
		return -1;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 0 && json_array_append_new(a, json_stringn(p, n)) < 0) {
			json_decref(a);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return cli_json_put(o, key, a);
}

int cli_json_print(json_t *v, struct err *e)
{
	char *s;

	if (v == NULL)
		return cli_json_fail(e);
	s = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(cli_json_prec));
	json_decref(v);
	if (s == NULL)
		return cli_json_fail(e);
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	return 0;
}

/* ---- lists that stream ---- */

int cli_json_item(struct cli_list *l, json_t *v, struct err *e)
{
	char *s, *p;

	if (v == NULL)
		return cli_json_fail(e);
	s = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(cli_json_prec));
	json_decref(v);
	if (s == NULL)
		return cli_json_fail(e);
	/* The same bytes cli_json_print writes for the whole array: an element
	 * sits one level in, so each of its lines gets two more spaces. A
	 * string's newline is escaped, so every '\n' here is jansson's own. */
	fputs(l->n++ == 0 ? "[\n  " : ",\n  ", stdout);
	for (p = s; *p != '\0'; p++) {
		fputc(*p, stdout);
		if (*p == '\n')
			fputs("  ", stdout);
	}
	free(s);
	if (ferror(stdout))
		return err_set(e, ERR_IO, "writing output: %s", strerror(errno));
	return 0;
}

int cli_json_end(struct cli_list *l, struct err *e)
{
	fputs(l->n == 0 ? "[]\n" : "\n]\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		return err_set(e, ERR_IO, "writing output: %s", strerror(errno));
	return 0;
}

int cli_out_fail(struct err *e)
{
	if (ferror(stdout))
		return err_set(e, ERR_IO, "writing output: %s", strerror(errno != 0 ? errno : EIO));
	return err_set(e, ERR_IO, "out of memory");
}

void cli_cols_init(struct cli_cols *k, size_t ncols, const char *const *header)
{
	memset(k, 0, sizeof *k);
	k->ncols = ncols < CLI_COLS_MAX ? ncols : CLI_COLS_MAX;
	cli_cols_measure(k, header);
}

int cli_cols_measure(struct cli_cols *k, const char *const *cells)
{
	size_t i, w;

	for (i = 0; i < k->ncols; i++) {
		char *d = check_escape(cells[i] != NULL ? cells[i] : "", 0);

		if (d == NULL)
			return -1;
		w = cli_width(d);
		if (w > k->w[i])
			k->w[i] = w;
		free(d);
	}
	return 0;
}

int cli_cols_print(const struct cli_cols *k, const char *const *cells)
{
	size_t i, pad;

	for (i = 0; i < k->ncols; i++) {
		char *d = check_escape(cells[i] != NULL ? cells[i] : "", 0);

		if (d == NULL)
			return -1;
		fputs(d, stdout);
		/* A row wider than measured (one written between the passes)
		 * still gets its two spaces. */
		if (i + 1 < k->ncols)
			for (pad = (k->w[i] > cli_width(d) ? k->w[i] - cli_width(d) : 0) + 2; pad > 0; pad--)
				fputc(' ', stdout);
		free(d);
	}
	fputc('\n', stdout);
	return ferror(stdout) ? -1 : 0;
}

int cli_cols_row(struct cli_cols *k, const char *const *cells)
{
	return k->print ? cli_cols_print(k, cells) : cli_cols_measure(k, cells);
}

int cli_cols_passes(struct cli_ctx *c, const struct cli_passes *ps)
{
	const char *none;
	int rc = 0;

	ps->cols->print = 0;
	if (store_read_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (ps->pass(ps->arg, &c->e) != 0)
		rc = CLI_FAIL;
	none = rc == 0 && ps->empty != NULL ? ps->empty(ps->arg) : NULL;
	if (none != NULL) {
		if (printf("%s\n", none) < 0)
			rc = cli_out_fail(&c->e);
	} else if (rc == 0) {
		ps->cols->print = 1;
		if (cli_cols_print(ps->cols, ps->head) != 0)
			rc = cli_out_fail(&c->e);
		if (rc == 0 && ps->pass(ps->arg, &c->e) != 0)
			rc = CLI_FAIL;
	}
	store_read_end(c->st);
	if (rc == 0 && fflush(stdout) != 0)
		rc = cli_out_fail(&c->e);
	return rc != 0 ? CLI_FAIL : 0;
}
