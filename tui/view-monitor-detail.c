/* view-monitor-detail: one deployed version's signals as charts over the window against their limits, and its reference and current score distributions side by side with PSI and KS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "draw.h"
#include "monitor.h"
#include "policy.h"

#define CHART_ROWS 5  /* lines a chart is tall: 40 levels with block elements */
#define CHART_LABEL 8 /* the y axis' labels, right-aligned */
#define CHART_MIN_COLS 12
#define CHART_NEAR 3 /* a limit within this many times the line's own range is drawn */
#define HIST_LABEL 9

struct view_mdetail {
	char *model;
	int64_t version;
	struct monitor_detail d;
	int loaded;
	int64_t now;
	int built_width; /* charts are drawn to this width; rebuilt when it changes */
	struct view_health health;
};

/* U+2581..U+2588: one to eight eighths of a cell from the bottom. */
static const char *const mdetail_vblocks[8] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
						"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88" };
/* U+258F..U+2589, then U+2588: one to eight eighths of a cell from the left. */
static const char *const mdetail_hblocks[8] = { "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c",
						"\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89", "\xe2\x96\x88" };

/* A growable line of UTF-8 text. */
struct mdetail_buf {
	char s[4096];
	size_t n;
};

static void mdetail_put(struct mdetail_buf *b, const char *t)
{
	int w = snprintf(b->s + b->n, sizeof b->s - b->n, "%s", t);

	if (w > 0 && (size_t)w < sizeof b->s - b->n)
		b->n += (size_t)w;
}

static int mdetail_sig(const char *name)
{
	int k;

	for (k = 0; k < MSIG_N; k++)
		if (strcmp(monitor_sig_name((enum monitor_sig)k), name) == 0)
			return k;
	return -1;
}

static const char *mdetail_label(int sig, const char *name)
{
	switch (sig) {
	case MSIG_LATENCY: return "latency p99";
	case MSIG_ERRORS: return "error rate";
	case MSIG_PSI: return "drift (PSI)";
	case MSIG_FRESHNESS: return "freshness";
	case MSIG_TRAFFIC: return "traffic";
	default: break;
	}
	return name;
}

static void mdetail_value(int sig, double v, char *buf, size_t n)
{
	if (sig >= 0)
		view_monitor_value(sig, v, buf, n);
	else if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.4g", v);
}

static const char *mdetail_op(int op)
{
	switch (op) {
	case OP_GE: return ">=";
	case OP_GT: return ">";
	case OP_LE: return "<=";
	case OP_LT: return "<";
	case OP_EQ: return "==";
	default: break;
	}
	return "?";
}

/* "12-31 14:00" in UTC, for the time axis. */
static void mdetail_clock(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%m-%d %H:%M", &tm) == 0)
		snprintf(buf, n, "-");
}

/* The series' points laid over ncols columns of the window: each column
 * its greatest point, a column between two points of the step holding
 * the one before it; NAN where there is nothing. */
static void mdetail_columns(const struct monitor_series *s, int64_t from, int64_t to, double *col, int ncols)
{
	int64_t span = to - from > 0 ? to - from : 1, last_t = 0;
	/* A point stands for its step, and a little more: a sample due at the
	 * column's start may land just after it. */
	int64_t hold = s->step > 0 ? s->step * 3 / 2 : span / 16;
	double last_v = NAN;
	size_t j = 0;
	int c;

	for (c = 0; c < ncols; c++) {
		int64_t cs = from + span * c / ncols, ce = from + span * (c + 1) / ncols;
		double m = NAN;

		if (c == ncols - 1)
			ce = to + 1;
		for (; j < s->n && s->t[j] < ce; j++) {
			if (s->t[j] < cs || !isfinite(s->v[j]))
				continue;
			m = isnan(m) || s->v[j] > m ? s->v[j] : m;
			last_t = s->t[j];
			last_v = s->v[j];
		}
		if (isnan(m) && last_t > 0 && cs - last_t <= hold)
			m = last_v;
		col[c] = m;
	}
}

/* One signal: a title with the value now and its limit, then CHART_ROWS
 * lines of bars with the greatest, least and limit values on the y axis,
 * the limit drawn across where no bar covers it, then the time axis. */
static int mdetail_chart(struct list *l, const struct view_mdetail *p, const struct monitor_series *s, int width,
			 struct err *e)
{
	const struct monitor_row *row = &p->d.row;
	int sig = mdetail_sig(s->signal), ncols = width - CHART_LABEL - 3, c, r, utf8 = draw_utf8();
	const struct monitor_limit *lim = sig >= 0 ? &row->limit[sig] : NULL;
	int has_lim = sig >= 0 && lim->has && isfinite(lim->value);
	int64_t to = p->now, from = p->now - MONITOR_WINDOW;
	double *col, lo = INFINITY, hi = -INFINITY, now = NAN;
	char title[512], v[32], lv[32], label[32];
	int style = DRAW_TITLE, lim_row = -1, rc = -1, levels = CHART_ROWS * 8, far = 0;
	struct mdetail_buf b;
	size_t j;

	if (ncols < CHART_MIN_COLS)
		ncols = CHART_MIN_COLS;
	if (sig >= 0) {
		now = row->now[sig];
		style = view_monitor_style(row, sig);
		style = style == DRAW_NORMAL || style == DRAW_DIM ? DRAW_TITLE : style;
	} else {
		for (j = s->n; j-- > 0 && isnan(now);)
			if (isfinite(s->v[j]))
				now = s->v[j];
	}
	mdetail_value(sig, now, v, sizeof v);
	if (has_lim) {
		mdetail_value(sig, lim->value, lv, sizeof lv);
		snprintf(title, sizeof title, "%s: %s now%s; limit %s %s (rule %s)", mdetail_label(sig, s->signal), v,
			 sig >= 0 && row->breach[sig] ? ", OVER ITS LIMIT" : "", mdetail_op(lim->op), lv, lim->rule);
	} else {
		snprintf(title, sizeof title, "%s: %s now; no limit in the tier's policy", mdetail_label(sig, s->signal),
			 v);
	}
	col = malloc((size_t)ncols * sizeof *col);
	if (col == NULL)
		return err_set(e, ERR_IO, "out of memory");
	mdetail_columns(s, from, to, col, ncols);
	for (c = 0; c < ncols; c++)
		if (isfinite(col[c])) {
			lo = col[c] < lo ? col[c] : lo;
			hi = col[c] > hi ? col[c] : hi;
		}
	if (!isfinite(lo)) {
		rc = view_line(l, style, title, e) == 0 ? view_line(l, DRAW_DIM, "  no points in the window", e) : -1;
		free(col);
		return rc;
	}
	/* The limit is drawn when it is near enough for the headroom to read;
	 * one far off would flatten the line into its bottom row. */
	if (has_lim) {
		double span = hi - lo > 0 ? hi - lo : fabs(hi) > 0 ? fabs(hi) : 1;

		if (lim->value >= lo && lim->value <= hi)
			;
		else if (lim->value > hi && lim->value - hi <= CHART_NEAR * span)
			hi = lim->value;
		else if (lim->value < lo && lo - lim->value <= CHART_NEAR * span)
			lo = lim->value;
		else
			far = lim->value > hi ? 1 : -1;
	}
	if (hi - lo <= 1e-12 * (fabs(hi) > 1 ? fabs(hi) : 1)) {
		if (lo > 0)
			lo = 0;
		else if (hi < 0)
			hi = 0;
		else
			hi = lo + 1;
	}
	if (far != 0) {
		size_t tl = strlen(title);

		snprintf(title + tl, sizeof title - tl, ", far %s the chart", far > 0 ? "above" : "below");
	}
	if (view_line(l, style, title, e) != 0) {
		free(col);
		return -1;
	}
	if (has_lim && far == 0)
		lim_row = CHART_ROWS - 1 - (int)(lround((lim->value - lo) / (hi - lo) * (levels - 1))) / 8;
	for (r = 0; r < CHART_ROWS; r++) {
		int base = (CHART_ROWS - 1 - r) * 8;

		b.n = 0;
		b.s[0] = '\0';
		label[0] = '\0';
		if (r == lim_row)
			mdetail_value(sig, lim->value, label, sizeof label);
		else if (r == 0)
			mdetail_value(sig, hi, label, sizeof label);
		else if (r == CHART_ROWS - 1)
			mdetail_value(sig, lo, label, sizeof label);
		snprintf(b.s, sizeof b.s, "%*.*s ", CHART_LABEL, CHART_LABEL, label);
		b.n = strlen(b.s);
		mdetail_put(&b, label[0] ? (utf8 ? "\xe2\x94\xa4" : "+") : draw_glyphs()->vline);
		for (c = 0; c < ncols; c++) {
			int f, fill;

			if (!isfinite(col[c])) {
				mdetail_put(&b, r == lim_row ? (utf8 ? "\xe2\x95\x8c" : "-") : " ");
				continue;
			}
			/* The least value still shows an eighth: a gap is a space. */
			f = (int)lround((col[c] - lo) / (hi - lo) * (levels - 1)) + 1;
			fill = f - base;
			fill = fill < 0 ? 0 : fill > 8 ? 8 : fill;
			if (fill == 0)
				mdetail_put(&b, r == lim_row ? (utf8 ? "\xe2\x95\x8c" : "-") : " ");
			else if (utf8)
				mdetail_put(&b, mdetail_vblocks[fill - 1]);
			else
				mdetail_put(&b, fill >= 4 ? "#" : ".");
		}
		if (view_line(l, DRAW_NORMAL, b.s, e) != 0) {
			free(col);
			return -1;
		}
	}
	free(col);
	/* The time axis: the window's start, middle and end. */
	b.n = 0;
	snprintf(b.s, sizeof b.s, "%*s %s", CHART_LABEL, "", utf8 ? "\xe2\x94\x94" : "+");
	b.n = strlen(b.s);
	for (c = 0; c < ncols; c++)
		mdetail_put(&b, draw_glyphs()->hline);
	if (view_line(l, DRAW_DIM, b.s, e) != 0)
		return -1;
	{
		char axis[1024], t0[32], t1[32], t2[32];
		int len = CHART_LABEL + 2 + ncols, w0, w2;

		if (len >= (int)sizeof axis)
			len = (int)sizeof axis - 1;
		memset(axis, ' ', (size_t)len);
		axis[len] = '\0';
		mdetail_clock(from, t0, sizeof t0);
		mdetail_clock(from + (to - from) / 2, t1, sizeof t1);
		mdetail_clock(to, t2, sizeof t2);
		w0 = (int)strlen(t0);
		w2 = (int)strlen(t2);
		if (CHART_LABEL + 2 + w0 <= len)
			memcpy(axis + CHART_LABEL + 2, t0, (size_t)w0);
		if (ncols >= 3 * w2 + 4)
			memcpy(axis + CHART_LABEL + 2 + ncols / 2 - (int)strlen(t1) / 2, t1, strlen(t1));
		if (ncols >= 2 * w2 + 2)
			memcpy(axis + len - w2, t2, (size_t)w2);
		if (view_line(l, DRAW_DIM, axis, e) != 0)
			return -1;
	}
	return 0;
}

/* Each bucket's share of a histogram's observations, from its cumulative counts. */
static void mdetail_shares(const struct monitor_hist *h, double *share)
{
	double total = h->n > 0 ? h->count[h->n - 1] : 0, prev = 0;
	size_t i;

	for (i = 0; i < h->n; i++) {
		double d = h->count[i] - prev;

		share[i] = total > 0 && d > 0 ? d / total : 0;
		prev = h->count[i];
	}
}

/* A bar of share out of most in width columns, in eighths of a cell
 * (whole '#' in ASCII), padded to width. */
static void mdetail_bar(double share, double most, int width, struct mdetail_buf *b)
{
	int eighths = most > 0 ? (int)lround(share / most * width * 8) : 0, used = 0;

	if (eighths > width * 8)
		eighths = width * 8;
	if (draw_utf8()) {
		for (; eighths >= 8; eighths -= 8, used++)
			mdetail_put(b, mdetail_hblocks[7]);
		if (eighths > 0) {
			mdetail_put(b, mdetail_hblocks[eighths - 1]);
			used++;
		}
	} else {
		for (; eighths >= 4 && used < width; eighths -= 8, used++)
			mdetail_put(b, "#");
	}
	for (; used < width; used++)
		mdetail_put(b, " ");
}

/* "<=0.25" for a bucket, "> 0.9" for the last (+Inf) one. */
static void mdetail_bucket(const struct monitor_hist *h, size_t i, char *buf, size_t n)
{
	if (isinf(h->le[i]) && i > 0)
		snprintf(buf, n, ">%g", h->le[i - 1]);
	else if (isinf(h->le[i]))
		snprintf(buf, n, "all");
	else
		snprintf(buf, n, "<=%g", h->le[i]);
}

static int mdetail_same_buckets(const struct monitor_hist *a, const struct monitor_hist *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->le[i] != b->le[i] && !(isinf(a->le[i]) && isinf(b->le[i])))
			return 0;
	return 1;
}

/* The reference and current score distributions, a bar per bucket side
 * by side (one after the other when their buckets differ), with the
 * drift between them. */
static int mdetail_hists(struct list *l, const struct view_mdetail *p, int width, struct err *e)
{
	const struct monitor_detail *d = &p->d;
	const struct monitor_row *row = &d->row;
	double rs[MONITOR_MAX_BUCKETS], cs[MONITOR_MAX_BUCKETS], most = 0;
	char line[768], f0[32], f1[32], c0[32], c1[32], psi[32], ks[32], lv[32];
	const struct monitor_limit *lim = &row->limit[MSIG_PSI];
	int side, bw, style, k;
	size_t i;

	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Score distribution", e) != 0)
		return -1;
	if (!d->has_ref && !d->has_cur)
		return view_wrapped(l, DRAW_DIM,
				    "no score histograms yet: drift compares the first 7 days in production with "
				    "the current window",
				    2, width, e);
	view_minute(d->ref.from, f0, sizeof f0);
	view_minute(d->ref.to, f1, sizeof f1);
	view_minute(d->cur.from, c0, sizeof c0);
	view_minute(d->cur.to, c1, sizeof c1);
	snprintf(line, sizeof line, "reference %s to %s%s; current %s to %s%s", d->has_ref ? f0 : "-",
		 d->has_ref ? f1 : "-", d->has_ref ? "" : " (none yet)", d->has_cur ? c0 : "-", d->has_cur ? c1 : "-",
		 d->has_cur ? "" : " (none yet)");
	if (view_wrapped(l, DRAW_DIM, line, 2, width, e) != 0)
		return -1;
	mdetail_value(MSIG_PSI, d->psi, psi, sizeof psi);
	snprintf(ks, sizeof ks, isnan(d->ks) ? "-" : "%.3f", d->ks);
	style = isnan(d->psi) ? DRAW_DIM : row->breach[MSIG_PSI] ? DRAW_ERROR : view_monitor_style(row, MSIG_PSI);
	if (lim->has) {
		mdetail_value(MSIG_PSI, lim->value, lv, sizeof lv);
		snprintf(line, sizeof line, "PSI %s%s (limit %s %s, rule %s)   KS %s", psi,
			 row->breach[MSIG_PSI] ? " OVER ITS LIMIT" : "", mdetail_op(lim->op), lv, lim->rule, ks);
	} else {
		snprintf(line, sizeof line, "PSI %s (no limit in the tier's policy)   KS %s", psi, ks);
	}
	if (view_wrapped(l, style == DRAW_NORMAL ? DRAW_HEADING : style, line, 2, width, e) != 0)
		return -1;
	side = d->has_ref && d->has_cur && mdetail_same_buckets(&d->ref, &d->cur);
	if (d->has_ref)
		mdetail_shares(&d->ref, rs);
	if (d->has_cur)
		mdetail_shares(&d->cur, cs);
	for (i = 0; i < MONITOR_MAX_BUCKETS; i++) {
		if (d->has_ref && i < d->ref.n && rs[i] > most)
			most = rs[i];
		if (d->has_cur && i < d->cur.n && cs[i] > most)
			most = cs[i];
	}
	/* Label, then per side a bar and its share ("100.0%"), a gap between. */
	bw = side ? (width - 2 - HIST_LABEL - 2 * 8 - 3) / 2 : width - 2 - HIST_LABEL - 8;
	bw = bw < 4 ? 4 : bw > 50 ? 50 : bw;
	for (k = 0; k < (side ? 1 : 2); k++) {
		const struct monitor_hist *h = k == 0 && d->has_ref ? &d->ref : &d->cur;
		const double *sh = h == &d->ref ? rs : cs;
		struct mdetail_buf b;

		if (k == 1 && !(d->has_ref && d->has_cur))
			break;
		b.n = 0;
		snprintf(b.s, sizeof b.s, "  %-*s %-*s%s", HIST_LABEL, "", bw + 7, h == &d->ref ? "reference" : "current",
			 side ? "   current" : "");
		b.n = strlen(b.s);
		if (view_line(l, DRAW_DIM, b.s, e) != 0)
			return -1;
		for (i = 0; i < h->n; i++) {
			char lab[32], pct[16];

			mdetail_bucket(h, i, lab, sizeof lab);
			b.n = 0;
			snprintf(b.s, sizeof b.s, "  %-*s ", HIST_LABEL, lab);
			b.n = strlen(b.s);
			mdetail_bar(sh[i], most, bw, &b);
			snprintf(pct, sizeof pct, " %5.1f%%", sh[i] * 100);
			mdetail_put(&b, pct);
			if (side) {
				mdetail_put(&b, "   ");
				mdetail_bar(cs[i], most, bw, &b);
				snprintf(pct, sizeof pct, " %5.1f%%", cs[i] * 100);
				mdetail_put(&b, pct);
			}
			if (view_line(l, DRAW_NORMAL, b.s, e) != 0)
				return -1;
		}
	}
	return 0;
}

static int mdetail_build(struct view *v, int width, struct err *e)
{
	struct view_mdetail *p = v->priv;
	const struct monitor_row *row = &p->d.row;
	struct list *l = &v->list;
	char line[768], when[32], age[32];
	int k, i;
	size_t j;

	list_clear(l);
	p->built_width = width;
	snprintf(line, sizeof line, "%s v%lld%s%s, tier %s", p->model, (long long)p->version, row->alias[0] ? " " : "",
		 row->alias, row->tier[0] ? row->tier : "-");
	if (view_line(l, DRAW_HEADING, line, e) != 0)
		return -1;
	view_minute(row->observed, when, sizeof when);
	view_duration(p->now - row->observed, age, sizeof age);
	if (row->firing > 0)
		snprintf(line, sizeof line, "%d alert%s firing for %s (worst %s)%s; data to %s (%s ago)", row->firing,
			 row->firing == 1 ? "" : "s", p->model, view_severity_name(row->worst),
			 row->silenced ? ", more silenced" : "", when, age);
	else if (row->observed > 0)
		snprintf(line, sizeof line, "no alert firing%s; data to %s (%s ago)",
			 row->silenced ? " (some silenced)" : "", when, age);
	else
		snprintf(line, sizeof line, "no monitoring data for this version yet");
	if (view_wrapped(l, row->firing > 0 ? (row->worst >= 3 ? DRAW_ERROR : DRAW_WARN) : DRAW_DIM, line, 0, width,
			 e) != 0)
		return -1;
	for (i = 0; i < p->health.n; i++)
		if (view_wrapped(l, p->health.style[i], p->health.text[i], 0, width, e) != 0)
			return -1;
	/* The signals the views know first, in their column order, then any other a plugin brings. */
	for (k = 0; k <= MSIG_N; k++)
		for (j = 0; j < p->d.ns; j++) {
			int sig = mdetail_sig(p->d.s[j].signal);

			if (k < MSIG_N ? sig != k : sig >= 0)
				continue;
			if (view_line(l, DRAW_NORMAL, "", e) != 0 || mdetail_chart(l, p, &p->d.s[j], width, e) != 0)
				return -1;
		}
	if (p->d.ns == 0 && (view_line(l, DRAW_NORMAL, "", e) != 0 ||
			     view_line(l, DRAW_DIM, "no series in the cache for this version", e) != 0))
		return -1;
	if (mdetail_hists(l, p, width, e) != 0)
		return -1;
	return list_finish(l, NULL, e);
}

static void mdetail_unload(struct view_mdetail *p)
{
	if (p->loaded)
		monitor_detail_free(&p->d);
	p->loaded = 0;
}

static int mdetail_load(struct app *a, struct view *v, struct err *e)
{
	struct view_mdetail *p = v->priv;
	struct monitor_detail d;

	memset(&d, 0, sizeof d);
	p->now = store_now();
	if (monitor_detail_load(a->st, p->model, p->version, p->now, &d, e) != 0)
		return -1;
	if (view_health_load(a, 0, NULL, 0, &p->health, e) != 0) {
		monitor_detail_free(&d);
		return -1;
	}
	mdetail_unload(p);
	p->d = d;
	p->loaded = 1;
	return mdetail_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void mdetail_close(struct view *v)
{
	struct view_mdetail *p = v->priv;

	if (p == NULL)
		return;
	mdetail_unload(p);
	free(p->model);
	free(p);
	v->priv = NULL;
}

static int mdetail_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_mdetail *p;

	if (arg == NULL || arg->model == NULL || arg->version <= 0)
		return err_set(e, ERR_INVALID, "no version to chart");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->model = strdup(arg->model);
	if (p->model == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->version = arg->version;
	list_init(&v->list, NULL, 0, 0, "");
	return mdetail_load(a, v, e);
}

static void mdetail_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_mdetail *p = v->priv;
	struct err e;

	err_clear(&e);
	if (w != p->built_width && mdetail_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	list_draw(&v->list, y, x, h, w);
}

static void mdetail_title(struct view *v, char *buf, size_t n)
{
	struct view_mdetail *p = v->priv;

	snprintf(buf, n, "%s v%lld live", p->model, (long long)p->version);
}

/* :audit from here shows this version's entries; c compares it. */
static void mdetail_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_mdetail *p = v->priv;

	arg->model = p->model;
	arg->version = p->version;
}

static int mdetail_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_mdetail *p = v->priv;

	*model = p->model;
	*version = p->version;
	return 0;
}

const struct view_ops view_monitor_detail_ops = {
	.name = "monitor-detail",
	.open = mdetail_open,
	.close = mdetail_close,
	.refresh = mdetail_load,
	.draw = mdetail_draw,
	.title = mdetail_title,
	.scope = mdetail_scope,
	.subject = mdetail_subject,
};
