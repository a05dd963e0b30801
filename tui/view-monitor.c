/* view-monitor: every deployed model version with sparklines of latency, errors, drift and freshness coloured against its tier's limits, and the alerts firing for it; Enter opens its charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "monitor.h"
#include "policy.h"

enum { MON_MODEL, MON_VERSION, MON_ALIAS, MON_LAT, MON_ERR, MON_PSI, MON_FRESH, MON_ALERTS, MON_NCOLS };

#define MON_NSIG 4 /* the signals drawn as sparklines, in column order */
#define MON_SPARK_MIN 3 /* fewer points than this say nothing: the values alone then */
#define MON_SPARK_FIRST 8 /* points a sparkline gets before a long model name gets its room */
#define MON_MODEL_ROOM 12 /* the model name keeps this much however narrow */
#define MON_ALIAS_ROOM 10
#define VIEW_MONITOR_SOURCES 16

static const int view_monitor_sigs[MON_NSIG] = { MSIG_LATENCY, MSIG_ERRORS, MSIG_PSI, MSIG_FRESHNESS };

/* The signal columns are "fixed" at what they hold (never cut with an
 * ellipsis, which would take the value): their sparklines are what gives
 * way, rebuilt to fit the width (view_monitor_fit). */
static const struct list_col view_monitor_cols[MON_NCOLS] = {
	[MON_MODEL] = {.title = "MODEL", .min = 10, .weight = 4},
	[MON_VERSION] = {.title = "VER", .width = 6, .right = 1},
	[MON_ALIAS] = {.title = "ALIAS", .min = MON_ALIAS_ROOM, .weight = 1},
	[MON_LAT] = {.title = "LATENCY", .width = 60, .right = 1},
	[MON_ERR] = {.title = "ERRORS", .width = 60, .right = 1},
	[MON_PSI] = {.title = "DRIFT", .width = 60, .right = 1},
	[MON_FRESH] = {.title = "FRESH", .width = 60, .right = 1},
	[MON_ALERTS] = {.title = "ALERTS", .width = 12},
};

struct view_monitor {
	struct monitor_row *rows;
	size_t n;
	int spark;            /* points per sparkline the cells hold; -1 before the first build */
	int valw[MON_NSIG];   /* widest value text of each signal */
	int bang[MON_NSIG];   /* some row's value is over its limit: values leave room for the "!" */
	int wmodel, wver, walias, walerts;
	int64_t now, newest;
	int firing;           /* alerts firing over all rows' models, counted once per model */
	struct view_health health;
};

const char *view_severity_name(int rank)
{
	switch (rank) {
	case 3: return "critical";
	case 2: return "warning";
	case 1: return "info";
	default: break;
	}
	return rank > 3 ? "critical" : "-";
}

void view_monitor_value(int sig, double v, char *buf, size_t n)
{
	if (isnan(v)) {
		snprintf(buf, n, "-");
		return;
	}
	switch (sig) {
	case MSIG_LATENCY:
		if (isinf(v))
			snprintf(buf, n, "%sinf", v < 0 ? "-" : "");
		else if (fabs(v) < 0.01)
			snprintf(buf, n, "%.1fms", v * 1000);
		else if (fabs(v) < 10)
			snprintf(buf, n, "%.0fms", v * 1000);
		else
			snprintf(buf, n, "%.1fs", v);
		return;
	case MSIG_ERRORS:
		snprintf(buf, n, fabs(v) < 0.1 ? "%.2f%%" : "%.1f%%", v * 100);
		return;
	case MSIG_PSI:
		snprintf(buf, n, "%.3f", v);
		return;
	case MSIG_FRESHNESS:
		if (isinf(v) || fabs(v) > 1e12)
			snprintf(buf, n, "never");
		else
			view_duration((int64_t)v, buf, n);
		return;
	case MSIG_TRAFFIC:
		snprintf(buf, n, fabs(v) < 10 ? "%.2f/s" : "%.0f/s", v);
		return;
	default:
		break;
	}
	snprintf(buf, n, "%.4g", v);
}

int view_monitor_style(const struct monitor_row *r, int sig)
{
	const struct monitor_limit *l;
	double v;

	if (sig < 0 || sig >= MSIG_N || isnan(r->now[sig]))
		return DRAW_DIM;
	if (r->breach[sig])
		return DRAW_ERROR;
	l = &r->limit[sig];
	v = r->now[sig];
	if (!l->has)
		return DRAW_NORMAL;
	/* Close to an upper bound: 80% of the way there from zero. */
	if ((l->op == OP_LE || l->op == OP_LT) && l->value > 0 && v >= 0.8 * l->value)
		return DRAW_WARN;
	/* Close to a lower bound (traffic at least X): within a quarter above it. */
	if ((l->op == OP_GE || l->op == OP_GT) && l->value > 0 && v * 0.8 <= l->value)
		return DRAW_WARN;
	return DRAW_NORMAL;
}

/* The last n points of spark as block elements (ASCII in the fallback),
 * scaled between their own least and greatest; a gap is a space. Drift is
 * drawn from zero up to at least its limit (or 0.25): its noise around
 * nothing must not look like a swing. */
static void view_monitor_spark(const double *spark, int n, const struct monitor_limit *drift, char *buf, size_t bn)
{
	static const char *const blocks[8] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
					       "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[8] = { '_', '_', '.', '-', '-', '=', '#', '#' };
	const double *p = spark + (MONITOR_SPARK - n);
	double lo = INFINITY, hi = -INFINITY;
	size_t used = 0;
	int i, utf8 = draw_utf8();

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (isfinite(p[i])) {
			lo = p[i] < lo ? p[i] : lo;
			hi = p[i] > hi ? p[i] : hi;
		}
	if (drift != NULL) {
		/* Without a policy limit, 0.25: the PSI commonly read as a shift. */
		double top = drift->has ? drift->value : 0.25;

		lo = lo > 0 ? 0 : lo;
		hi = top > hi ? top : hi;
	}
	/* Glyph by glyph without printf: a thousand rows draw a hundred thousand. */
	for (i = 0; i < n; i++) {
		const char *g;
		char one[2] = { ' ', '\0' };
		size_t gl;
		int lvl;

		if (!isfinite(p[i])) {
			g = one;
		} else {
			/* A steady line sits low when it is zero, mid-way otherwise. */
			if (hi - lo <= 1e-12 * (fabs(hi) > 1 ? fabs(hi) : 1))
				lvl = p[i] == 0 ? 0 : 3;
			else
				lvl = (int)lround((p[i] - lo) / (hi - lo) * 7);
			lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
			one[0] = ascii[lvl];
			g = utf8 ? blocks[lvl] : one;
		}
		gl = strlen(g);
		if (used + gl >= bn)
			break;
		memcpy(buf + used, g, gl);
		used += gl;
	}
	buf[used] = '\0';
}

/* The value as the cell shows it: a "!" after one over its limit, so the
 * breach reads without colour too. */
static void view_monitor_cell_value(const struct monitor_row *r, int sig, int bang, char *buf, size_t n)
{
	char v[32];

	view_monitor_value(sig, r->now[sig], v, sizeof v);
	snprintf(buf, n, "%s%s", v, !isnan(r->now[sig]) && r->breach[sig] ? "!" : bang ? " " : "");
}

static void view_monitor_alerts_text(const struct monitor_row *r, char *buf, size_t n, int *style)
{
	static const char *const sev[] = { "-", "info", "warn", "crit" };

	if (r->firing > 0) {
		snprintf(buf, n, "%d %s", r->firing, sev[r->worst < 0 ? 0 : r->worst > 3 ? 3 : r->worst]);
		*style = r->worst >= 3 ? DRAW_ERROR : r->worst == 2 ? DRAW_WARN : DRAW_NORMAL;
	} else if (r->silenced > 0) {
		snprintf(buf, n, "%d silenced", r->silenced);
		*style = DRAW_DIM;
	} else {
		snprintf(buf, n, "-");
		*style = DRAW_DIM;
	}
}

/* Sparkline points that fit w: first the other columns at their natural
 * width (a long model name cut to MON_MODEL_ROOM) and up to
 * MON_SPARK_FIRST points each; then the model name whole; then more
 * points, up to MONITOR_SPARK. */
static int view_monitor_fit(const struct view_monitor *p, int w)
{
	int model = p->wmodel < MON_MODEL_ROOM ? p->wmodel : MON_MODEL_ROOM;
	int alias = p->walias < MON_ALIAS_ROOM ? p->walias : MON_ALIAS_ROOM;
	int room, i, spark, more;

	room = w - (model + 1 + p->wver + 1 + alias + 1 + p->walerts);
	for (i = 0; i < MON_NSIG; i++)
		room -= 1 + 1 + p->valw[i];
	spark = room / MON_NSIG;
	spark = spark < 0 ? 0 : spark > MON_SPARK_FIRST ? MON_SPARK_FIRST : spark;
	room -= spark * MON_NSIG;
	more = p->wmodel - model;
	room -= more < room ? more : room;
	more = room / MON_NSIG;
	spark += more < MONITOR_SPARK - spark ? more : MONITOR_SPARK - spark;
	return spark < MON_SPARK_MIN ? 0 : spark;
}

static int view_monitor_build(struct view *v, struct err *e)
{
	struct view_monitor *p = v->priv;
	char keep[256];
	size_t i;
	int k;

	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < p->n; i++) {
		const struct monitor_row *r = &p->rows[i];
		char key[160], spark[MONITOR_SPARK * 3 + 1], val[32], alerts[32];
		struct list_row *row;
		int style;

		snprintf(key, sizeof key, "%s/v%lld", r->model, (long long)r->version);
		row = list_add(&v->list, key, 0, e);
		if (row == NULL)
			return -1;
		if (list_set(row, MON_MODEL, DRAW_NORMAL, e, "%s", r->model) != 0 ||
		    list_set(row, MON_VERSION, DRAW_NORMAL, e, "v%lld", (long long)r->version) != 0 ||
		    list_set(row, MON_ALIAS, strcmp(r->alias, "production") == 0 ? DRAW_ALIAS : DRAW_NORMAL, e, "%s",
			     r->alias) != 0)
			return -1;
		for (k = 0; k < MON_NSIG; k++) {
			int sig = view_monitor_sigs[k];

			view_monitor_spark(r->spark[sig], p->spark, sig == MSIG_PSI ? &r->limit[sig] : NULL, spark,
					   sizeof spark);
			view_monitor_cell_value(r, sig, p->bang[k], val, sizeof val);
			if (list_set(row, (size_t)(MON_LAT + k), view_monitor_style(r, sig), e, "%s%s%*s", spark,
				     p->spark > 0 ? " " : "", p->valw[k], val) != 0)
				return -1;
			/* No value sorts before the least one. */
			list_set_num(row, (size_t)(MON_LAT + k), isnan(r->now[sig]) ? -INFINITY : r->now[sig]);
		}
		view_monitor_alerts_text(r, alerts, sizeof alerts, &style);
		if (list_set(row, MON_ALERTS, style, e, "%s", alerts) != 0)
			return -1;
		/* Worst severity first, then how many, when sorted descending. */
		list_set_num(row, MON_ALERTS, r->worst * 1000.0 + r->firing + r->silenced / 1000.0);
	}
	return list_finish(&v->list, keep, e);
}

/* The health of the sources: those configured here, and those the
 * alert column's alerts came from. */
static int view_monitor_health(struct app *a, struct view_monitor *p, struct err *e)
{
	struct monitor_alert *al = NULL;
	const char *names[VIEW_MONITOR_SOURCES];
	size_t n = 0, i, k, np = 0;
	int rc;

	if (monitor_alerts_list(a->st, &al, &n, e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < np && strcmp(names[k], al[i].plugin) != 0; k++)
			;
		if (k == np && np < VIEW_MONITOR_SOURCES)
			names[np++] = al[i].plugin;
	}
	rc = view_health_load(a, 0, names, np, &p->health, e);
	monitor_alerts_free(al);
	return rc;
}

static int view_monitor_load(struct app *a, struct view *v, struct err *e)
{
	struct view_monitor *p = v->priv;
	struct monitor_row *rows = NULL;
	size_t n = 0, i;
	int k;

	p->now = store_now();
	if (monitor_rows(a->st, p->now, &rows, &n, e) != 0)
		return -1;
	if (view_monitor_health(a, p, e) != 0) {
		monitor_rows_free(rows);
		return -1;
	}
	monitor_rows_free(p->rows);
	p->rows = rows;
	p->n = n;
	p->newest = 0;
	p->firing = 0;
	p->wmodel = p->walias = p->walerts = 0;
	p->wver = 3;
	for (k = 0; k < MON_NSIG; k++) {
		p->valw[k] = 1;
		p->bang[k] = 0;
		for (i = 0; i < n; i++)
			p->bang[k] |= rows[i].breach[view_monitor_sigs[k]] && !isnan(rows[i].now[view_monitor_sigs[k]]);
	}
	for (i = 0; i < n; i++) {
		const struct monitor_row *r = &rows[i];
		char buf[64];
		int style, w;

		if (r->observed > p->newest)
			p->newest = r->observed;
		/* A model's alerts show on each of its versions: count them once. */
		if (i == 0 || strcmp(rows[i - 1].model, r->model) != 0)
			p->firing += r->firing;
		w = draw_width(r->model);
		p->wmodel = w > p->wmodel ? w : p->wmodel;
		w = draw_width(r->alias);
		p->walias = w > p->walias ? w : p->walias;
		w = snprintf(buf, sizeof buf, "v%lld", (long long)r->version);
		p->wver = w > p->wver ? w : p->wver;
		view_monitor_alerts_text(r, buf, sizeof buf, &style);
		w = (int)strlen(buf);
		p->walerts = w > p->walerts ? w : p->walerts;
		for (k = 0; k < MON_NSIG; k++) {
			view_monitor_cell_value(r, view_monitor_sigs[k], p->bang[k], buf, sizeof buf);
			w = (int)strlen(buf);
			p->valw[k] = w > p->valw[k] ? w : p->valw[k];
		}
	}
	/* Before the first draw the width is unknown: that draw builds the cells. */
	return p->spark < 0 ? 0 : view_monitor_build(v, e);
}

static void view_monitor_close(struct view *v)
{
	struct view_monitor *p = v->priv;

	if (p == NULL)
		return;
	monitor_rows_free(p->rows);
	free(p);
	v->priv = NULL;
}

static int view_monitor_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_monitor *p;

	(void)arg;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->spark = -1;
	v->priv = p;
	list_init(&v->list, view_monitor_cols, MON_NCOLS, 1,
		  "no deployed versions: a version shows here once an alias points at it");
	return view_monitor_load(a, v, e);
}

static void view_monitor_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_monitor *p = v->priv;
	char line[512], when[32], age[32];
	int fit = view_monitor_fit(p, w), used;
	struct err e;

	err_clear(&e);
	/* Only a new width rebuilds the cells: a key never does. */
	if (fit != p->spark) {
		p->spark = fit;
		if (view_monitor_build(v, &e) != 0)
			app_error(a, "%s", e.msg);
	}
	if (h < 4) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	view_minute(p->newest, when, sizeof when);
	view_duration(p->now - p->newest, age, sizeof age);
	/* What is missing first: the date is the part a narrow line may lose. */
	if (p->newest > 0)
		snprintf(line, sizeof line, "%zu deployed version%s, %d alert%s firing; %sdata to %s (%s ago)", p->n,
			 p->n == 1 ? "" : "s", p->firing, p->firing == 1 ? "" : "s",
			 p->spark > 0 ? "" : "widen the terminal for sparklines; ", when, age);
	else
		snprintf(line, sizeof line, "%zu deployed version%s, %d alert%s firing; no monitoring data yet", p->n,
			 p->n == 1 ? "" : "s", p->firing, p->firing == 1 ? "" : "s");
	draw_text(y, x + 1, w - 1, draw_attr(p->firing > 0 ? DRAW_WARN : DRAW_DIM, 0), line);
	used = 1 + view_health_draw(&p->health, y + 1, x, w, h / 3);
	list_draw(&v->list, y + used, x, h - used, w);
}

static int view_monitor_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_monitor *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};
	size_t i;

	(void)e;
	if (r == NULL)
		return 0;
	/* One list row per monitor row, added in the same order. */
	i = (size_t)(r - v->list.rows);
	if (i >= p->n)
		return 0;
	arg.model = p->rows[i].model;
	arg.version = p->rows[i].version;
	app_push(a, &view_monitor_detail_ops, &arg);
	return 0;
}

static void view_monitor_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "monitor");
}

const struct view_ops view_monitor_ops = {
	.name = "monitor",
	.open = view_monitor_open,
	.close = view_monitor_close,
	.refresh = view_monitor_load,
	.draw = view_monitor_draw,
	.enter = view_monitor_enter,
	.title = view_monitor_title,
};
