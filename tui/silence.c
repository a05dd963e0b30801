/* silence: asks for a silence's duration, comment, confirmation and passphrase (or an expiry's), then has the alert's plugin act on a worker and the core record it in the ledger. */
#include "silence.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "act.h"
#include "action.h"
#include "app.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "plugin.h"
#include "sign.h"
#include "sync.h"

#define SILENCE_IDS 8

/* What s or u is about, between the key and the passphrase; the console
 * asks one question at a time, so one suffices. */
struct silence_pending {
	int expire;
	struct monitor_alert alert;
	int64_t duration;
	char comment[APP_LINE_MAX];
	char ids[SILENCE_IDS][65];
	size_t nids;
};

static struct silence_pending silence_pending;

int silence_duration_parse(const char *s, int64_t *out, char *why, size_t n)
{
	const char *p = s;
	int64_t total = 0;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*out = SILENCE_DEFAULT;
		return 0;
	}
	while (*p != '\0' && *p != ' ') {
		int64_t v = 0, unit;
		int digits = 0;

		while (isdigit((unsigned char)*p) && digits < 7) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		switch (digits > 0 ? *p : '\0') {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default:
			snprintf(why, n, "'%.40s' is not a duration: say 30m, 2h, 1d or 1h30m", s);
			return -1;
		}
		p++;
		total += v * unit;
		if (total > SILENCE_MAX)
			break;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		snprintf(why, n, "'%.40s' is not a duration: say 30m, 2h, 1d or 1h30m", s);
		return -1;
	}
	if (total < 60 || total > SILENCE_MAX) {
		snprintf(why, n, "a silence lasts from 1m to %dd", SILENCE_MAX / 86400);
		return -1;
	}
	*out = total;
	return 0;
}

/* The alert's source must be a plugin this console runs: it is the one
 * that makes the silence. Said before anything is asked. */
static int silence_ready(const struct app *a, const struct monitor_alert *al, struct err *e)
{
	if (act_running()[0] != '\0')
		return err_set(e, ERR_DENIED, "%s is still running: one act at a time", act_running());
	if (a->opts->config_path == NULL)
		return err_set(e, ERR_DENIED,
			       "alert %s came from plugin %s, which makes the silence: start the console with "
			       "--config FILE naming [plugin %s]",
			       al->name, al->plugin, al->plugin);
	if (!tui_sync_configured(a->syncs, al->plugin))
		return err_set(e, ERR_DENIED,
			       "alert %s came from plugin %s, which %s does not configure: nothing can silence it "
			       "from here",
			       al->name, al->plugin, a->opts->config_path);
	return 0;
}

/* "alertname=HighLatency, model=fraud-scoring" from the alert's labels
 * (a JSON object of strings), for the question: what the silence matches. */
static void silence_labels(const char *json, char *buf, size_t n)
{
	size_t used = 0;
	const char *p = json;

	buf[0] = '\0';
	while (*p != '\0' && used + 1 < n) {
		char c = *p++;

		if (c == '{' || c == '}' || c == '"')
			continue;
		if (c == ':')
			c = '=';
		if (c == '\\' && *p != '\0')
			c = *p++;
		buf[used++] = c;
		if (c == ',' && used + 1 < n)
			buf[used++] = ' ';
	}
	buf[used] = '\0';
}

/* ---- the act, on the worker ---- */

/* The alert source's plugin, loaded on first use from the configuration
 * the console runs with, by instance name. */
struct silence_backend {
	char config[4096];
	char name[65];
	struct plugin_config pc;
	int loaded;
};

static int silence_backend_act(void *arg, const struct steward_act *act, char *err, size_t errn)
{
	struct silence_backend *b = arg;
	struct plugin_instance *in;
	struct err e;

	err_clear(&e);
	if (!b->loaded) {
		if (plugin_config_load(b->config, 1, &b->pc, &e) != 0) {
			snprintf(err, errn, "%s", e.msg);
			return -1;
		}
		b->loaded = 1;
	}
	in = plugin_find(&b->pc, b->name);
	if (in == NULL) {
		snprintf(err, errn, "%s has no [plugin %s] any more; nothing was silenced", b->config, b->name);
		return -1;
	}
	if (plugin_open(in, &b->pc, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	/* A registry's act would read a silence as an alias move. */
	if (!(in->p->caps & STEWARD_CAP_ALERTS) || in->p->act == NULL) {
		snprintf(err, errn, "plugin %s (%s) does not manage alerts: it cannot silence one", in->name, in->type);
		return -1;
	}
	return plugin_act_call(in, act, err, errn);
}

/* Everything the act needs, copied out of the console. */
struct silence_job {
	struct silence_pending p;
	char key_id[KEYS_ID_HEX + 1];
	struct key_secret *k; /* freed as soon as the act's entry is signed */
	char db[4096];
	char config[4096];
};

static int silence_act(struct silence_job *j, struct store *st, const struct principal *who,
		       struct silence_backend *be, char *msg, size_t mn, struct err *e)
{
	const struct silence_pending *p = &j->p;
	char id[128], d[32];
	size_t i;

	if (!p->expire) {
		if (monitor_silence_alert(st, who, p->alert.plugin, p->alert.fingerprint, p->duration, p->comment,
					  silence_backend_act, be, id, sizeof id, e) != 0)
			return -1;
		view_duration(p->duration, d, sizeof d);
		snprintf(msg, mn, "silenced %.100s (%.100s) for %s in %.64s: silence %.64s, as %.100s", p->alert.name,
			 p->alert.model[0] ? p->alert.model : "no model", d, p->alert.plugin, id, who->name);
		return 0;
	}
	for (i = 0; i < p->nids; i++)
		if (monitor_expire_silence(st, who, p->alert.plugin, p->ids[i], silence_backend_act, be, e) != 0) {
			if (i > 0)
				err_prefix(e, "expired %zu of %zu silences, then", i, p->nids);
			return -1;
		}
	snprintf(msg, mn, "expired %zu silence%s of %.100s in %.64s: it fires again, as %.100s", p->nids,
		 p->nids == 1 ? "" : "s", p->alert.name, p->alert.plugin, who->name);
	return 0;
}

static int silence_job_run(void *arg, char *msg, size_t mn, struct err *e)
{
	struct silence_job *j = arg;
	struct silence_backend *be;
	struct principal who;
	struct store *st;
	int rc;

	/* A whole plugin configuration: too big for a worker's stack. */
	be = calloc(1, sizeof *be);
	if (be == NULL) {
		keys_secret_free(j->k);
		j->k = NULL;
		return err_set(e, ERR_IO, "out of memory");
	}
	snprintf(be->config, sizeof be->config, "%s", j->config);
	snprintf(be->name, sizeof be->name, "%s", j->p.alert.plugin);
	st = store_open(j->db, 0, e);
	if (st == NULL) {
		keys_secret_free(j->k);
		j->k = NULL;
		free(be);
		return -1;
	}
	rc = sign_whoami(st, j->key_id, action_by_id(j->p.expire ? ACT_UNSILENCE : ACT_SILENCE)->roles, &who, e);
	if (rc == 0) {
		who.key = j->k;
		rc = silence_act(j, st, &who, be, msg, mn, e);
	}
	keys_secret_free(j->k);
	j->k = NULL;
	if (be->loaded)
		plugin_config_free(&be->pc);
	free(be);
	if (rc == 0 && ledger_checkpoint_commit(st, NULL, NULL, e) != 0) {
		err_prefix(e, "%s; but no checkpoint was signed", msg);
		rc = -1;
	}
	store_close(st);
	return rc;
}

static void silence_job_free(void *arg)
{
	struct silence_job *j = arg;

	keys_secret_free(j->k);
	free(j);
}

static void silence_passphrase(struct app *a, char *pass, size_t len)
{
	struct silence_job *j;
	char what[300];

	j = calloc(1, sizeof *j);
	if (j == NULL) {
		sodium_memzero(pass, len);
		app_error(a, "out of memory");
		return;
	}
	j->k = sign_unlock(a, pass, len);
	if (j->k == NULL) {
		free(j);
		return;
	}
	j->p = silence_pending;
	snprintf(j->key_id, sizeof j->key_id, "%s", a->id.pub.id);
	snprintf(j->db, sizeof j->db, "%s", a->opts->db_path);
	snprintf(j->config, sizeof j->config, "%s", a->opts->config_path != NULL ? a->opts->config_path : "");
	/* Alertmanager can take seconds or stall until it times out: the act
	 * runs on a worker and the keys go on meanwhile. */
	snprintf(what, sizeof what, "%s %.100s through %.64s", j->p.expire ? "expiring the silence of" : "silencing",
		 j->p.alert.name, j->p.alert.plugin);
	act_start(a, what, silence_job_run, j, silence_job_free);
}

static void silence_confirmed(struct app *a, char *text, size_t len)
{
	char q[APP_LINE_MAX];

	(void)text;
	(void)len;
	snprintf(q, sizeof q, "passphrase for key %s (not shown; Esc cancels): ", a->id.pub.name);
	app_ask(a, APP_SECRET, q, silence_passphrase);
}

/* ---- s: the questions ---- */

static void silence_comment(struct app *a, char *text, size_t len);

static void silence_ask_comment(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "why silence %.80s (a comment for Alertmanager and the ledger; Esc cancels): ",
		 silence_pending.alert.name);
	app_ask(a, APP_PROMPT, q, silence_comment);
}

static void silence_comment(struct app *a, char *text, size_t len)
{
	struct silence_pending *p = &silence_pending;
	char q[APP_LINE_MAX * 2], labels[400], d[32], until[32];

	(void)len;
	if (text[strspn(text, " ")] == '\0') {
		/* Alertmanager refuses a silence without one; ask again rather than fail later. */
		app_error(a, "a silence needs a comment: it says why the alert may be ignored");
		silence_ask_comment(a);
		return;
	}
	snprintf(p->comment, sizeof p->comment, "%s", text);
	silence_labels(p->alert.labels, labels, sizeof labels);
	view_duration(p->duration, d, sizeof d);
	view_time(store_now() + p->duration, until, sizeof until);
	/* Exactly what: the labels the silence will match (as core sends them, less
	 * those Alertmanager adds itself), where, and until when. */
	snprintf(q, sizeof q, "silence %.60s%s%.60s in %.40s for %.16s, until %.24s, matching {%.220s}? (y/n)",
		 p->alert.name, p->alert.model[0] ? " of " : "", p->alert.model, p->alert.plugin, d, until, labels);
	app_ask(a, APP_CONFIRM, q, silence_confirmed);
}

static void silence_duration(struct app *a, char *text, size_t len);

static void silence_ask_duration(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "silence %.80s for how long? (Enter: 2h; 30m, 1d, 1h30m; Esc cancels): ",
		 silence_pending.alert.name);
	app_ask(a, APP_PROMPT, q, silence_duration);
}

static void silence_duration(struct app *a, char *text, size_t len)
{
	char why[160];

	(void)len;
	if (silence_duration_parse(text, &silence_pending.duration, why, sizeof why) != 0) {
		app_error(a, "%s", why);
		silence_ask_duration(a);
		return;
	}
	silence_ask_comment(a);
}

int silence_start(struct app *a, const struct monitor_alert *alert)
{
	struct err e;

	err_clear(&e);
	if (!a->id.loaded || !a->id.known) {
		app_error(a, "start with --key FILE (a key in the keyring) to silence an alert");
		return -1;
	}
	if (strcmp(alert->state, "active") != 0 || alert->silenced_by[0] != '\0') {
		app_error(a, "%s is %s%s%s: nothing to silence (u expires a silence)", alert->name,
			  alert->silenced_by[0] ? "silenced by " : alert->state,
			  alert->silenced_by[0] ? alert->silenced_by : "", "");
		return -1;
	}
	if (silence_ready(a, alert, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	memset(&silence_pending, 0, sizeof silence_pending);
	silence_pending.alert = *alert;
	silence_ask_duration(a);
	return 0;
}

/* ---- u ---- */

int silence_expire_start(struct app *a, const struct monitor_alert *alert, const struct monitor_silence_row *sil,
			 size_t nsil)
{
	struct silence_pending *p = &silence_pending;
	char q[APP_LINE_MAX * 2], ids[sizeof alert->silenced_by], *tok, *save = NULL;
	size_t used = 0, i;
	struct err e;

	err_clear(&e);
	if (!a->id.loaded || !a->id.known) {
		app_error(a, "start with --key FILE (a key in the keyring) to expire a silence");
		return -1;
	}
	if (alert->silenced_by[0] == '\0') {
		app_error(a, "%s is not silenced: nothing to expire (s silences it)", alert->name);
		return -1;
	}
	if (silence_ready(a, alert, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->expire = 1;
	p->alert = *alert;
	snprintf(ids, sizeof ids, "%s", alert->silenced_by);
	used = (size_t)snprintf(q, sizeof q, "expire ");
	for (tok = strtok_r(ids, " ", &save); tok != NULL && p->nids < SILENCE_IDS; tok = strtok_r(NULL, " ", &save)) {
		const struct monitor_silence_row *s = NULL;
		char until[32];
		int w;

		for (i = 0; i < nsil && s == NULL; i++)
			if (strcmp(sil[i].plugin, alert->plugin) == 0 && strcmp(sil[i].id, tok) == 0)
				s = &sil[i];
		snprintf(p->ids[p->nids++], sizeof p->ids[0], "%s", tok);
		if (s != NULL) {
			view_time(s->ends, until, sizeof until);
			w = snprintf(q + used, sizeof q - used, "%ssilence %.40s by %.60s (\"%.80s\", until %s)",
				     p->nids > 1 ? " and " : "", tok, s->created_by, s->comment, until);
		} else {
			w = snprintf(q + used, sizeof q - used, "%ssilence %.40s", p->nids > 1 ? " and " : "", tok);
		}
		if (w > 0 && (size_t)w < sizeof q - used)
			used += (size_t)w;
	}
	snprintf(q + used, sizeof q - used, " in %.64s, so that %.80s%s%.100s fires again? (y/n)", alert->plugin,
		 alert->name, alert->model[0] ? " of " : "", alert->model);
	return app_ask(a, APP_CONFIRM, q, silence_confirmed);
}
