/* view-entry: one ledger entry: its body as indented JSON and its inclusion proof, checked here against the newest signed checkpoint. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "app.h"
#include "draw.h"
#include "ledger.h"
#include "merkle.h"
#include "note.h"

struct view_entry {
	int64_t seq;
	struct ledger_entry x;
	int loaded;
	char proof[700];
	int proof_style;
	int built_width; /* the body is wrapped to this width; rebuilt when it changes */
};

/* Root and size from a checkpoint's signed text: "origin\nsize\nroot\n". */
static int view_entry_note_root(const char *text, size_t len, const char *origin, int64_t *size,
				merkle_hash root)
{
	char buf[512], *nl1, *nl2, *nl3, *end;
	size_t bin;
	long long n;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	nl1 = strchr(buf, '\n');
	nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
	nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
	if (nl3 == NULL)
		return -1;
	*nl1 = *nl2 = *nl3 = '\0';
	if (strcmp(buf, origin) != 0)
		return -1;
	n = strtoll(nl1 + 1, &end, 10);
	if (*end != '\0' || n <= 0)
		return -1;
	*size = (int64_t)n;
	if (sodium_base642bin(root, MERKLE_HASH, nl2 + 1, strlen(nl2 + 1), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != MERKLE_HASH)
		return -1;
	return 0;
}

/* Checks the proof rather than trusting the store: the newest
 * checkpoint's signature under the log key, then the path from the leaf
 * of the bytes shown up to the root that checkpoint signed. */
static void view_entry_proof(struct app *a, struct view_entry *p)
{
	char name[KEYS_NAME_MAX + 1], *note = NULL;
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_inclusion in;
	merkle_hash root, leaf;
	int64_t size = 0, signed_size = 0;
	size_t tl;
	struct err e;

	err_clear(&e);
	p->proof_style = DRAW_ERROR;
	if (ledger_latest_checkpoint(a->st, &size, &note, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: %s", e.msg);
		return;
	}
	free(note);
	if (size == 0 || p->seq > size) {
		p->proof_style = DRAW_WARN;
		if (size == 0)
			snprintf(p->proof, sizeof p->proof,
				 "not yet covered by a checkpoint (none has been signed)");
		else
			snprintf(p->proof, sizeof p->proof,
				 "not yet covered by a checkpoint (the newest covers #1 to #%" PRId64 ")",
				 size);
		return;
	}
	if (ledger_prove(a->st, p->seq, &in, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: %s", e.msg);
		return;
	}
	if (ledger_logkey_public(a->st, name, sizeof name, pk, &e) != 0 ||
	    note_verify(in.checkpoint, name, pk, &tl, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: checkpoint of size %" PRId64 ": %s",
			 in.size, e.msg);
	} else if (view_entry_note_root(in.checkpoint, tl, name, &signed_size, root) != 0 ||
		   signed_size != in.size) {
		snprintf(p->proof, sizeof p->proof,
			 "inclusion proof FAILED: checkpoint of size %" PRId64 " is not a checkpoint of this log",
			 in.size);
	} else {
		merkle_leaf(in.body, in.len, leaf);
		if (merkle_inclusion_verify((uint64_t)(p->seq - 1), (uint64_t)in.size, leaf,
					    (const merkle_hash *)in.path, in.plen, root) == 1) {
			p->proof_style = DRAW_OK;
			snprintf(p->proof, sizeof p->proof,
				 "included in checkpoint of size %" PRId64 ": proof verified", in.size);
		} else {
			snprintf(p->proof, sizeof p->proof,
				 "inclusion proof FAILED: entry #%" PRId64
				 " is not in the tree the checkpoint of size %" PRId64 " signed",
				 p->seq, in.size);
		}
	}
	ledger_inclusion_clear(&in);
}

static int view_entry_build(struct view *v, int width, struct err *e)
{
	struct view_entry *p = v->priv;
	struct list *l = &v->list;
	json_error_t je;
	json_t *j;
	char *pretty = NULL, head[800];
	int rc, parsed;

	list_clear(l);
	p->built_width = width;
	snprintf(head, sizeof head, "proof: %s", p->proof);
	if (view_wrapped(l, p->proof_style, head, 0, width, e) != 0 ||
	    view_line(l, DRAW_NORMAL, "", e) != 0)
		return -1;
	j = json_loadb(p->x.body, p->x.len, 0, &je);
	parsed = j != NULL;
	if (parsed)
		pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (pretty != NULL) {
		rc = view_line(l, DRAW_TITLE, "Body", e) == 0 &&
				     view_wrapped(l, DRAW_NORMAL, pretty, 0, width, e) == 0
			     ? 0
			     : -1;
		free(pretty);
	} else {
		/* A body that no longer parses is shown as stored: that is the evidence. */
		snprintf(head, sizeof head, "Body (not JSON: %s at byte %d), as stored:",
			 parsed ? "out of memory" : je.text, parsed ? 0 : je.position);
		rc = view_line(l, DRAW_WARN, head, e) == 0 &&
				     view_wrapped(l, DRAW_NORMAL, p->x.body, 0, width, e) == 0
			     ? 0
			     : -1;
	}
	return rc == 0 ? list_finish(l, NULL, e) : -1;
}

static int view_entry_load(struct app *a, struct view *v, struct err *e)
{
	struct view_entry *p = v->priv;
	struct ledger_entry x;

	if (ledger_entry_get(a->st, p->seq, &x, e) != 0)
		return -1;
	if (p->loaded)
		ledger_entry_clear(&p->x);
	p->x = x;
	p->loaded = 1;
	view_entry_proof(a, p);
	return view_entry_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void view_entry_close(struct view *v)
{
	struct view_entry *p = v->priv;

	if (p == NULL)
		return;
	if (p->loaded)
		ledger_entry_clear(&p->x);
	free(p);
	v->priv = NULL;
}

static int view_entry_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_entry *p;

	if (arg == NULL || arg->seq <= 0)
		return err_set(e, ERR_INVALID, "no ledger entry to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->seq = arg->seq;
	list_init(&v->list, NULL, 0, 0, "");
	return view_entry_load(a, v, e);
}

static void view_entry_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_entry *p = v->priv;
	char line[1024], when[32];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_entry_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	view_time(p->x.time, when, sizeof when);
	snprintf(line, sizeof line, "#%" PRId64 "  %s  %s  %s  %s", p->x.seq, when, p->x.actor,
		 p->x.action, p->x.subject);
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_entry_title(struct view *v, char *buf, size_t n)
{
	struct view_entry *p = v->priv;

	snprintf(buf, n, "entry #%" PRId64, p->seq);
}

const struct view_ops view_entry_ops = {
	.name = "entry",
	.open = view_entry_open,
	.close = view_entry_close,
	.refresh = view_entry_load,
	.draw = view_entry_draw,
	.title = view_entry_title,
};
