/* view-model: one model's details, where each alias stands (since when, by whom, under which request and approvals) and its rollbacks, any alias moved outside steward, and its versions; R rolls production back. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "plugin.h"
#include "record.h"
#include "registry.h"
#include "sign.h"

enum { MODEL_VERSION, MODEL_ALIASES, MODEL_DIGEST, MODEL_AUTHOR, MODEL_CREATED, MODEL_NCOLS };

static const struct list_col view_model_cols[MODEL_NCOLS] = {
	[MODEL_VERSION] = {.title = "VERSION", .width = 7},
	[MODEL_ALIASES] = {.title = "ALIASES", .min = 10, .weight = 2},
	[MODEL_DIGEST] = {.title = "DIGEST", .width = 15},
	[MODEL_AUTHOR] = {.title = "AUTHOR", .min = 8, .weight = 2},
	[MODEL_CREATED] = {.title = "CREATED", .width = 10},
};

#define MODEL_HIST_MAX 12
#define MODEL_ROLLBACKS_SHOWN 3

struct view_model {
	char *name;
	struct reg_model m;
	int have_model;
	struct plugin_unapproved *u; /* aliases a backend moved without a steward decision */
	size_t nu;
	/* Where each alias stands and whether a gate put it there: the last of
	 * its moves in the history read for the lines below, so the same
	 * entries are not read and parsed a second time (on a million-entry
	 * ledger that second read was a third of opening a model). */
	struct view_model_alias {
		char alias[65];
		int64_t version; /* 0: removed */
		int governed;
	} *al;
	size_t nal;
	/* The alias history lines drawn above the versions, built at load. */
	struct view_model_line {
		char text[512];
		int style;
	} hist[MODEL_HIST_MAX];
	size_t nhist;
};

/* The state of an alias that is not removed, NULL when it has none. */
static const struct view_model_alias *view_model_alias_find(const struct view_model *p, const char *alias)
{
	size_t i;

	for (i = 0; i < p->nal; i++)
		if (p->al[i].version != 0 && strcmp(p->al[i].alias, alias) == 0)
			return &p->al[i];
	return NULL;
}

/* Each alias's last move, in the order the aliases first moved. */
static int view_model_aliases(struct view_model *p, const struct record_moves *mv)
{
	size_t i;

	free(p->al);
	p->al = NULL;
	p->nal = 0;
	for (i = 0; i < mv->n; i++) {
		struct view_model_alias *x = NULL;
		size_t k;

		for (k = 0; k < p->nal && x == NULL; k++)
			if (strcmp(p->al[k].alias, mv->v[i].alias) == 0)
				x = &p->al[k];
		if (x == NULL) {
			struct view_model_alias *nv = realloc(p->al, (p->nal + 1) * sizeof *nv);

			if (nv == NULL)
				return -1;
			p->al = nv;
			x = &p->al[p->nal++];
			snprintf(x->alias, sizeof x->alias, "%s", mv->v[i].alias);
		}
		x->version = mv->v[i].version;
		x->governed = mv->v[i].governed;
	}
	return 0;
}

/* The aliases cell: an alias no gated promotion or rollback put where it
 * is carries a "*" (ungoverned: an admin's move, or a backend's baseline). */
static void view_model_mark(const struct view_model *p, const char *aliases, char *out, size_t n)
{
	char buf[256], *tok, *save = NULL;
	size_t used = 0;

	out[0] = '\0';
	snprintf(buf, sizeof buf, "%s", aliases);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		const struct view_model_alias *st = view_model_alias_find(p, tok);
		int w = snprintf(out + used, n - used, "%s%s%s", used ? "," : "", tok, st != NULL && st->governed ? "" : "*");

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static void view_model_add(struct view_model *p, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void view_model_add(struct view_model *p, int style, const char *fmt, ...)
{
	va_list ap;

	if (p->nhist >= MODEL_HIST_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(p->hist[p->nhist].text, sizeof p->hist[p->nhist].text, fmt, ap);
	va_end(ap);
	p->hist[p->nhist++].style = style;
}

/* The aliases the versions carry, each once, in *names (malloc'd):
 * what the first screen shows and marks. */
static int view_model_alias_names(const struct reg_versions *vs, char (**names)[65], size_t *n)
{
	size_t i, k;

	*names = NULL;
	*n = 0;
	for (i = 0; i < vs->n; i++) {
		char buf[256], *tok, *save = NULL;

		snprintf(buf, sizeof buf, "%s", vs->v[i].aliases ? vs->v[i].aliases : "");
		for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			char(*nv)[65];

			for (k = 0; k < *n && strcmp((*names)[k], tok) != 0; k++)
				;
			if (k < *n)
				continue;
			nv = realloc(*names, (*n + 1) * sizeof *nv);
			if (nv == NULL)
				return -1;
			*names = nv;
			snprintf((*names)[(*n)++], sizeof **names, "%.64s", tok);
		}
	}
	return 0;
}

/* Lines in a fixed order: production, canary, staging, then by name. */
static int view_model_alias_rank(const char *alias)
{
	return strcmp(alias, "production") == 0 ? 0 : strcmp(alias, "canary") == 0 ? 1 : strcmp(alias, "staging") == 0 ? 2 : 3;
}

static int view_model_move_cmp(const void *x, const void *y)
{
	const struct record_move *a = x, *b = y;
	int ra = view_model_alias_rank(a->alias), rb = view_model_alias_rank(b->alias);

	return ra != rb ? ra - rb : strcmp(a->alias, b->alias);
}

/* Per alias the versions carry, from the ledger's signed moves read back
 * from its end (record_alias_lines): where it points, since when and by
 * whom, and the promotion (request and approvals) that first put that
 * version there when a rollback moved it back (read from that version's
 * entries); then the newest rollbacks with their reasons, from the same
 * walk. Only what the screen shows is proven: on a million-entry ledger a
 * model's whole alias history, each entry's signature checked, was nearly
 * all of opening it. */
static void view_model_history(struct app *a, struct view_model *p, const struct reg_versions *vs)
{
	struct record_moves mv = {0}, rb = {0};
	char when[32], why[320], (*names)[65] = NULL;
	const char **want = NULL;
	size_t i, nnames = 0, shown = 0;
	struct err e;

	p->nhist = 0;
	free(p->al);
	p->al = NULL;
	p->nal = 0;
	err_clear(&e);
	if (view_model_alias_names(vs, &names, &nnames) != 0 ||
	    (nnames > 0 && (want = malloc(nnames * sizeof *want)) == NULL)) {
		view_model_add(p, DRAW_ERROR, "out of memory reading the aliases");
		free(names);
		return;
	}
	for (i = 0; i < nnames; i++)
		want[i] = names[i];
	/* Unchecked moves mark no alias governed: every alias gets its "*". */
	if (record_alias_lines(a->st, p->name, want, nnames, &mv, &rb, &e) != 0) {
		view_model_add(p, DRAW_ERROR, "alias history does not verify: %s", e.msg);
		goto out;
	}
	if (mv.n > 1)
		qsort(mv.v, mv.n, sizeof *mv.v, view_model_move_cmp);
	if (view_model_aliases(p, &mv) != 0) {
		view_model_add(p, DRAW_ERROR, "out of memory reading the aliases");
		goto out;
	}
	for (i = 0; i < mv.n; i++) {
		const struct record_move *cur = &mv.v[i], *promo = NULL;
		struct record_move pm;
		int found;

		if (cur->version == 0)
			continue;
		if (strcmp(cur->action, "promotion.apply") == 0) {
			promo = cur;
		} else {
			found = record_alias_promotion(a->st, p->name, cur->alias, cur->version, &pm, &e);
			if (found < 0) {
				view_model_add(p, DRAW_ERROR, "alias history does not verify: %s", e.msg);
				goto out;
			}
			promo = found ? &pm : NULL;
		}
		view_date(cur->time, when, sizeof when);
		if (strcmp(cur->action, "promotion.apply") == 0)
			snprintf(why, sizeof why, "promotion, request #%" PRId64, cur->request);
		else if (strcmp(cur->action, "rollback") == 0 && cur->request > 0)
			snprintf(why, sizeof why, "rollback from v%" PRId64 ", review #%" PRId64, cur->from, cur->request);
		else if (strcmp(cur->action, "rollback") == 0)
			snprintf(why, sizeof why, "rollback from v%" PRId64, cur->from);
		else
			snprintf(why, sizeof why, "%s, no gate", strcmp(cur->action, "alias.set") == 0 ? "set by an admin"
												 : "seen in the registry");
		view_model_add(p, cur->governed ? DRAW_NORMAL : DRAW_WARN, "%-10s v%-3" PRId64 " since %s by %s: %s",
			       cur->alias, cur->version, when, cur->actor, why);
		if (promo == NULL)
			continue;
		/* Who let that version there: the promotion's request and signers. */
		view_date(promo->time, when, sizeof when);
		if (promo == cur)
			view_model_add(p, DRAW_DIM, "%-15s %s%s", "", promo->approvals[0] ? "approved by " : "",
				       promo->approvals[0] ? promo->approvals : "no approvals counted");
		else
			view_model_add(p, DRAW_DIM, "%-15s promoted %s by %s, request #%" PRId64 ", %s%s", "", when,
				       promo->actor, promo->request, promo->approvals[0] ? "approved by " : "",
				       promo->approvals[0] ? promo->approvals : "no approvals counted");
	}
	if (rb.n > 0)
		view_model_add(p, DRAW_TITLE, "Rollbacks (%zu)", rb.n);
	for (i = 0; i < rb.n && shown < MODEL_ROLLBACKS_SHOWN; i++, shown++) {
		const struct record_move *m = &rb.v[i];

		view_date(m->time, when, sizeof when);
		view_model_add(p, DRAW_NORMAL, "%s %s: %s v%" PRId64 " -> v%" PRId64 ": %s", when, m->actor, m->alias, m->from,
			       m->version, m->reason[0] ? m->reason : "(no reason)");
	}
	if (rb.n > shown)
		view_model_add(p, DRAW_DIM, "(%zu earlier: :audit here lists them)", rb.n - shown);
out:
	record_moves_free(&mv);
	record_moves_free(&rb);
	free(want);
	free(names);
}

static int view_model_load(struct app *a, struct view *v, struct err *e)
{
	struct view_model *p = v->priv;
	struct reg_versions vs = {0};
	struct reg_model m = {0};
	char keep[256];
	size_t i;
	int rc = 0, asc;

	if (registry_model_get(a->st, p->name, &m, e) != 0)
		return -1;
	if (registry_version_list(a->st, p->name, &vs, e) != 0) {
		registry_model_clear(&m);
		return -1;
	}
	if (p->have_model)
		registry_model_clear(&p->m);
	p->m = m;
	p->have_model = 1;
	free(p->u);
	p->u = NULL;
	p->nu = 0;
	if (plugin_unapproved_list(a->st, p->name, &p->u, &p->nu, e) != 0) {
		registry_versions_free(&vs);
		return -1;
	}
	view_model_history(a, p, &vs);
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	/* Newest first, whatever order the registry uses: the version an
	 * operator cares about is usually the latest. */
	asc = vs.n > 1 && vs.v[0].version < vs.v[vs.n - 1].version;
	for (i = 0; i < vs.n && rc == 0; i++) {
		const struct reg_version *rv = &vs.v[asc ? vs.n - 1 - i : i];
		char key[32], digest[32], date[32], marked[300];
		struct list_row *r;

		snprintf(key, sizeof key, "%lld", (long long)rv->version);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL) {
			rc = -1;
			break;
		}
		if (strcmp(rv->digest_state, "verified") == 0)
			view_short_digest(rv->digest, digest, sizeof digest);
		else
			snprintf(digest, sizeof digest, "%s", rv->digest_state);
		view_date(rv->created, date, sizeof date);
		view_model_mark(p, rv->aliases ? rv->aliases : "", marked, sizeof marked);
		if (list_set(r, MODEL_VERSION, DRAW_NORMAL, e, "v%lld", (long long)rv->version) != 0 ||
		    list_set(r, MODEL_ALIASES, DRAW_ALIAS, e, "%s", marked) != 0 ||
		    list_set(r, MODEL_DIGEST, DRAW_DIM, e, "%s", digest) != 0 ||
		    list_set(r, MODEL_AUTHOR, DRAW_NORMAL, e, "%s",
			     rv->author && rv->author[0] ? rv->author : "-") != 0 ||
		    list_set(r, MODEL_CREATED, DRAW_DIM, e, "%s", date) != 0)
			rc = -1;
	}
	registry_versions_free(&vs);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static void view_model_close(struct view *v)
{
	struct view_model *p = v->priv;

	if (p == NULL)
		return;
	if (p->have_model)
		registry_model_clear(&p->m);
	free(p->u);
	free(p->al);
	free(p->name);
	free(p);
	v->priv = NULL;
}

static int view_model_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_model *p;

	if (arg == NULL || arg->model == NULL)
		return err_set(e, ERR_INVALID, "no model to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->name = strdup(arg->model);
	v->priv = p;
	if (p->name == NULL)
		return err_set(e, ERR_IO, "out of memory");
	list_init(&v->list, view_model_cols, MODEL_NCOLS, 1,
		  "no versions yet: add one with `steward version add`");
	return view_model_load(a, v, e);
}

static int view_model_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_model *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	if (r == NULL || r->key == NULL)
		return 0;
	if (registry_version_parse(r->key, &arg.version, e) != 0)
		return -1;
	arg.model = p->name;
	app_push(a, &view_version_ops, &arg);
	return 0;
}

static void view_model_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_model *p = v->priv;
	char line[512], when[32];
	size_t i;
	int used, top = 2;

	(void)a;
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), p->name);
	used += 1 + draw_text(y, x + 2 + used, w - 2 - used, draw_attr(draw_tier_style(p->m.tier), 0),
			      registry_tier_name(p->m.tier));
	snprintf(line, sizeof line, "owner: %s", p->m.owner ? p->m.owner : "-");
	draw_text(y, x + 3 + used, w - 3 - used, draw_attr(DRAW_NORMAL, 0), line);
	draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0),
		  p->m.description && p->m.description[0] ? p->m.description : "(no description)");
	/* Above the versions, where nobody can miss it; the list keeps at least three rows. */
	for (i = 0; i < p->nu && top < h - 3; i++, top++) {
		view_date(p->u[i].observed, when, sizeof when);
		if (p->u[i].version == 0)
			snprintf(line, sizeof line, "UNAPPROVED: %s deleted outside steward (%s, entry #%" PRId64 ")",
				 p->u[i].alias, when, p->u[i].seq);
		else
			snprintf(line, sizeof line,
				 "UNAPPROVED: %s moved to v%" PRId64 " outside steward (%s, entry #%" PRId64 ")",
				 p->u[i].alias, p->u[i].version, when, p->u[i].seq);
		draw_text(y + top, x + 1, w - 1, draw_attr(DRAW_ERROR, 0), line);
	}
	/* The aliases' history, as far as it fits above at least three versions. */
	for (i = 0; i < p->nhist && top < h - 4; i++, top++)
		draw_text(y + top, x + 1, w - 1, draw_attr(p->hist[i].style, 0), p->hist[i].text);
	list_draw(&v->list, y + top, x, h - top, w);
}

/* R where the model has a production version to roll back; c and l on a version. */
static int view_model_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_model *p = v->priv;

	(void)a;
	if (act->id == ACT_COMPARE || act->id == ACT_LINEAGE)
		return list_selected(&v->list) != NULL;
	return act->id == ACT_ROLLBACK && p->have_model && p->m.production > 0;
}

/* The selected version: c compares it, l shows its lineage. */
static int view_model_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_model *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct err e;

	if (r == NULL || r->key == NULL || registry_version_parse(r->key, version, &e) != 0)
		return -1;
	*model = p->name;
	return 0;
}

static int view_model_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_model *p = v->priv;

	if (act->id != ACT_ROLLBACK)
		return 0;
	sign_rollback_start(a, p->name);
	return 1;
}

static void view_model_title(struct view *v, char *buf, size_t n)
{
	struct view_model *p = v->priv;

	snprintf(buf, n, "%s", p->name);
}

/* :audit from here shows this model's entries, every version's. */
static void view_model_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_model *p = v->priv;

	arg->model = p->name;
}

const struct view_ops view_model_ops = {
	.name = "model",
	.open = view_model_open,
	.close = view_model_close,
	.refresh = view_model_load,
	.draw = view_model_draw,
	.key = view_model_key,
	.enter = view_model_enter,
	.title = view_model_title,
	.offers = view_model_offers,
	.scope = view_model_scope,
	.subject = view_model_subject,
};
