/* view-keys: the keyring: each principal's roles and keys, the keyring versions that added and revoked them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "keyring.h"

enum { KEYS_PRINCIPAL, KEYS_ROLES, KEYS_KEY, KEYS_ADDED, KEYS_REVOKED, KEYS_STATE, KEYS_NCOLS };

static const struct list_col view_keys_cols[KEYS_NCOLS] = {
	[KEYS_PRINCIPAL] = {.title = "PRINCIPAL", .min = 8, .weight = 2},
	[KEYS_ROLES] = {.title = "ROLES", .min = 8, .weight = 3},
	[KEYS_KEY] = {.title = "KEY ID", .width = KEYS_ID_HEX},
	[KEYS_ADDED] = {.title = "ADDED", .width = 5, .right = 1},
	[KEYS_REVOKED] = {.title = "REVOKED", .width = 7, .right = 1},
	[KEYS_STATE] = {.title = "STATE", .width = 7},
};

struct view_keys {
	int64_t version;
};

/* "v3" for a keyring version, "-" for none. */
static void view_keys_ver(int64_t v, char *buf, size_t n)
{
	if (v > 0)
		snprintf(buf, n, "v%" PRId64, v);
	else
		snprintf(buf, n, "-");
}

static int view_keys_row(struct list *l, const struct kr_principal *p, const struct kr_key *k,
			 struct err *e)
{
	char key[KEYS_NAME_MAX + KEYS_ID_HEX + 4], roles[128], added[24], revoked[24];
	/* A key is dead when it or its whole principal was revoked. */
	int64_t rv = k != NULL && k->revoked_ver ? k->revoked_ver : p->revoked_ver;
	struct list_row *r;

	snprintf(key, sizeof key, "%s/%s", p->name, k ? k->id : "");
	r = list_add(l, key, 0, e);
	if (r == NULL)
		return -1;
	view_keys_ver(k ? k->added_ver : p->added_ver, added, sizeof added);
	view_keys_ver(rv, revoked, sizeof revoked);
	if (list_set(r, KEYS_PRINCIPAL, DRAW_NORMAL, e, "%s", p->name) != 0 ||
	    list_set(r, KEYS_ROLES, DRAW_NORMAL, e, "%s",
		     keyring_roles_text(p->roles, roles, sizeof roles)) != 0 ||
	    list_set(r, KEYS_KEY, DRAW_DIM, e, "%s", k ? k->id : "-") != 0 ||
	    list_set(r, KEYS_ADDED, DRAW_NORMAL, e, "%s", added) != 0 ||
	    list_set(r, KEYS_REVOKED, rv ? DRAW_WARN : DRAW_DIM, e, "%s", revoked) != 0 ||
	    list_set(r, KEYS_STATE, rv ? DRAW_WARN : DRAW_OK, e, "%s", rv ? "revoked" : "active") != 0)
		return -1;
	return 0;
}

static int view_keys_load(struct app *a, struct view *v, struct err *e)
{
	struct view_keys *p = v->priv;
	struct kr_list kl = {0};
	char keep[KEYS_NAME_MAX + KEYS_ID_HEX + 4];
	size_t i, j;
	int rc = 0;

	if (keyring_list(a->st, &kl, e) != 0)
		return -1;
	p->version = kl.version;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < kl.n && rc == 0; i++) {
		const struct kr_principal *pr = &kl.v[i];

		if (pr->nkeys == 0)
			rc = view_keys_row(&v->list, pr, NULL, e);
		for (j = 0; j < pr->nkeys && rc == 0; j++)
			rc = view_keys_row(&v->list, pr, &pr->keys[j], e);
	}
	keyring_list_free(&kl);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static void view_keys_close(struct view *v)
{
	free(v->priv);
	v->priv = NULL;
}

static int view_keys_open(struct app *a, struct view *v, const struct view_arg *arg,
			  struct err *e)
{
	(void)arg;
	v->priv = calloc(1, sizeof(struct view_keys));
	if (v->priv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	list_init(&v->list, view_keys_cols, KEYS_NCOLS, 1,
		  "the keyring is empty: create it with `steward init --admin NAME`");
	return view_keys_load(a, v, e);
}

static void view_keys_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

static void view_keys_title(struct view *v, char *buf, size_t n)
{
	struct view_keys *p = v->priv;

	snprintf(buf, n, "keys, keyring v%" PRId64, p->version);
}

const struct view_ops view_keys_ops = {
	.name = "keys",
	.open = view_keys_open,
	.close = view_keys_close,
	.refresh = view_keys_load,
	.draw = view_keys_draw,
	.title = view_keys_title,
};
