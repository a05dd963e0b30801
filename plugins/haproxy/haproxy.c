/* haproxy: the HAProxy deployment plugin's instance: sync reads which server serves which version with what weight (show stat), act applies a traffic plan (set server weight/state) and reads it back (configuration in config.c, the CSV in stat.c, the socket in sock.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/haproxy/hap.h"

struct hap {
	struct hap_config c;
};

int(hap_err)(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && n > 0) {
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *hap_clean(const char *s, size_t len, char *buf, size_t n)
{
	size_t i, o = 0;

	if (n == 0)
		return "";
	for (i = 0; i < len && o + 5 < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
	}
	if (i < len && o + 4 < n)
		o += (size_t)snprintf(buf + o, n - o, "...");
	buf[o] = '\0';
	return buf;
}

/* show stat's server rows, or -1 with err naming the socket. */
static int hap_show_stat(const struct hap *h, struct hap_stat *st, char *err, size_t errn)
{
	char *text, why[400];
	size_t len;
	int rc;

	if (hap_command(&h->c, "show stat -1 4 -1", &text, &len, err, errn) != 0)
		return -1;
	rc = hap_stat_parse(text, len, st, why, sizeof why);
	free(text);
	if (rc != 0)
		return hap_err(err, errn, "HAProxy socket %s: %s", h->c.socket, why);
	return 0;
}

/* The row of configured server s, or NULL with err naming it. */
static const struct hap_row *hap_row_of(const struct hap *h, const struct hap_stat *st, const struct hap_server *s,
					const char **state, char *err, size_t errn)
{
	const struct hap_row *r;
	char ex[80];
	int twice;

	r = hap_stat_find(st, s->backend, s->name, &twice);
	if (r == NULL) {
		hap_err(err, errn, "server %s/%s (%s.%s, version %" PRId64 ") is not in HAProxy's show stat on %s",
			s->backend, s->name, s->shadow ? "shadow" : "model", h->c.models[s->model].name, s->version,
			h->c.socket);
		return NULL;
	}
	if (twice) {
		hap_err(err, errn, "HAProxy socket %s: show stat lists server %s/%s twice", h->c.socket, s->backend, s->name);
		return NULL;
	}
	*state = hap_status_state(r->status);
	if (*state == NULL) {
		hap_err(err, errn, "HAProxy socket %s: server %s/%s has status '%s', which is none of UP, no check, DRAIN, NOLB, MAINT, DOWN",
			h->c.socket, s->backend, s->name, hap_clean(r->status, strlen(r->status), ex, sizeof ex));
		return NULL;
	}
	return r;
}

/* The summed weight of the ready servers of backend: what a share is a part of. */
static int64_t hap_ready_weight(const struct hap_stat *st, const char *backend)
{
	const char *state;
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < st->n; i++) {
		state = hap_status_state(st->rows[i].status);
		if (strcmp(st->rows[i].px, backend) == 0 && state != NULL && strcmp(state, "ready") == 0)
			sum += st->rows[i].weight;
	}
	return sum;
}

/* ---- the instance ---- */

static void hap_close(void *state)
{
	struct hap *h = state;

	if (h == NULL)
		return;
	hap_config_free(&h->c);
	free(h);
}

static int hap_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	const char *rev = NULL;
	struct hap *h;
	long r = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (kv[i].key != NULL && strcmp(kv[i].key, "steward.sink_revision") == 0)
			rev = kv[i].value;
	if (rev != NULL) {
		char *end;

		errno = 0;
		r = strtol(rev, &end, 10);
		if (errno != 0 || end == rev || *end != '\0')
			r = 0;
	}
	/* Deployment records and the traffic act are sink revision 4's. */
	if (r < 4)
		return hap_err(err, errn,
			       "this steward's plugin host is older than the HAProxy plugin: it needs sink revision 4 (serving), the host offers %.20s",
			       rev != NULL ? rev : "revision 1");
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return hap_err(err, errn, "out of memory");
	if (hap_config_parse(kv, n, &h->c, err, errn) != 0) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

static int hap_health(void *state, char *msg, size_t n)
{
	struct hap *h = state;
	const char *v;
	char *text, ex[80];
	size_t len, vl;

	if (hap_command(&h->c, "show info", &text, &len, msg, n) != 0)
		return -1;
	if (strncmp(text, "Name: HAProxy\n", 14) != 0) {
		hap_err(msg, n, "HAProxy socket %s: show info did not answer HAProxy's; it began: %s", h->c.socket,
			len == 0 ? "(nothing)" : hap_clean(text, strcspn(text, "\n"), ex, sizeof ex));
		free(text);
		return -1;
	}
	v = strstr(text, "\nVersion: ");
	vl = v != NULL ? strcspn(v + 10, "\n") : 0;
	snprintf(msg, n, "ok: HAProxy %s on %s", v != NULL ? hap_clean(v + 10, vl, ex, sizeof ex) : "(no version)",
		 h->c.socket);
	free(text);
	return 0;
}

/* Every configured server, validated before the sink sees the first one:
 * a sync hands over the whole set or nothing. */
static int hap_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct hap *h = state;
	struct steward_deployment_rec *recs = NULL;
	char (*targets)[2 * HAP_NAME_MAX] = NULL;
	struct hap_stat st;
	size_t i;
	int rc = -1;

	if (hap_show_stat(h, &st, err, errn) != 0)
		return -1;
	recs = calloc(h->c.nservers, sizeof *recs);
	targets = calloc(h->c.nservers, sizeof *targets);
	if (recs == NULL || targets == NULL) {
		hap_err(err, errn, "out of memory");
		goto out;
	}
	for (i = 0; i < h->c.nservers; i++) {
		const struct hap_server *s = &h->c.servers[i];
		const struct hap_row *r;
		const char *state_name;
		int64_t sum;

		r = hap_row_of(h, &st, s, &state_name, err, errn);
		if (r == NULL)
			goto out;
		snprintf(targets[i], sizeof targets[i], "%s/%s", s->backend, s->name);
		recs[i].model = h->c.models[s->model].name;
		recs[i].version = s->version;
		recs[i].target = targets[i];
		recs[i].mode = s->shadow ? "shadow" : "live";
		recs[i].state = state_name;
		recs[i].weight = r->weight;
		recs[i].sessions = r->stot;
		sum = hap_ready_weight(&st, s->backend);
		recs[i].share = !s->shadow && strcmp(state_name, "ready") == 0 && sum > 0
					? (double)r->weight * 100.0 / (double)sum
					: 0.0;
	}
	if (sink->deployment == NULL) {
		hap_err(err, errn, "this steward takes no deployment records (its plugin host has no sink for them)");
		goto out;
	}
	for (i = 0; i < h->c.nservers; i++) {
		if (sink->cancelled != NULL && sink->cancelled(sink->ctx)) {
			hap_err(err, errn, "cancelled");
			goto out;
		}
		if (sink->deployment(sink->ctx, &recs[i]) != 0) {
			const char *why = sink->message != NULL ? sink->message(sink->ctx) : NULL;

			hap_err(err, errn, "steward refused server %s: %s", recs[i].target, why != NULL ? why : "no reason given");
			goto out;
		}
	}
	rc = 0;
out:
	free(recs);
	free(targets);
	hap_stat_free(&st);
	return rc;
}

/* ---- acts ---- */

/* One set command; HAProxy answers nothing when it did what was asked, and
 * says why not otherwise. */
static int hap_set(const struct hap *h, const char *cmd, size_t done, size_t total, char *err, size_t errn)
{
	char *text, ex[200];
	size_t len, a = 0;

	if (hap_command(&h->c, cmd, &text, &len, err, errn) != 0) {
		if (done > 0) {
			size_t l = strlen(err);

			snprintf(err + l, errn - l, " (%zu of %zu changes made before)", done, total);
		}
		return -1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	while (a < len && (text[a] == '\n' || text[a] == ' '))
		a++;
	if (a < len) {
		hap_err(err, errn, "HAProxy refused '%s': %s (%zu of %zu changes made before)", cmd,
			hap_clean(text + a, len - a, ex, sizeof ex), done, total);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int hap_state_ok(const char *s)
{
	return s != NULL && (strcmp(s, "ready") == 0 || strcmp(s, "drain") == 0 || strcmp(s, "maint") == 0);
}

/* The plan's entry for version v, or NULL. */
static const struct steward_traffic *hap_plan_of(const struct steward_act *a, int64_t v)
{
	size_t i;

	for (i = 0; i < a->ntraffic; i++)
		if (a->traffic[i].version == v)
			return &a->traffic[i];
	return NULL;
}

/* Checks the plan against the configuration and fills each live server's
 * weight (its version's share, split over the version's servers so the
 * version keeps its share) and state. */
static int hap_plan(const struct hap *h, const struct steward_act *a, size_t mi, int64_t *want_w,
		    const char **want_s, char *err, size_t errn)
{
	const struct hap_model *m = &h->c.models[mi];
	int64_t sum = 0;
	size_t i, j;

	if (a->traffic == NULL || a->ntraffic == 0)
		return hap_err(err, errn, "the traffic plan for %s is empty", m->name);
	for (i = 0; i < a->ntraffic; i++) {
		const struct steward_traffic *t = &a->traffic[i];
		size_t nsrv = 0;

		if (t->share < 0 || t->share > 100)
			return hap_err(err, errn, "version %" PRId64 ": share %" PRId64 " is not 0 to 100", t->version, t->share);
		if (!hap_state_ok(t->state))
			return hap_err(err, errn, "version %" PRId64 ": state '%s' is none of ready, drain, maint", t->version,
				       t->state != NULL ? t->state : "(none)");
		if (t->share > 0 && strcmp(t->state, "ready") != 0)
			return hap_err(err, errn, "version %" PRId64 ": a share of %" PRId64 "%% needs state ready, not %s",
				       t->version, t->share, t->state);
		for (j = 0; j < i; j++)
			if (a->traffic[j].version == t->version)
				return hap_err(err, errn, "version %" PRId64 " is in the plan twice", t->version);
		for (j = 0; j < h->c.nservers; j++)
			if (!h->c.servers[j].shadow && h->c.servers[j].model == mi && h->c.servers[j].version == t->version)
				nsrv++;
		if (nsrv == 0)
			return hap_err(err, errn, "version %" PRId64 " of %s has no server in model.%s: nothing changed",
				       t->version, m->name, m->name);
		sum += t->share;
	}
	if (sum != 100)
		return hap_err(err, errn, "the plan's shares add up to %" PRId64 ", not 100: nothing changed", sum);
	for (i = 0; i < h->c.nservers; i++) {
		const struct hap_server *s = &h->c.servers[i];
		const struct steward_traffic *t;
		size_t k = 0, nsrv = 0;

		if (s->shadow || s->model != mi)
			continue;
		t = hap_plan_of(a, s->version);
		if (t == NULL)
			return hap_err(err, errn,
				       "the plan does not say what version %" PRId64 " (server %s/%s) gets; a plan names every live version: nothing changed",
				       s->version, s->backend, s->name);
		for (j = 0; j < h->c.nservers; j++)
			if (!h->c.servers[j].shadow && h->c.servers[j].model == mi &&
			    h->c.servers[j].version == s->version) {
				if (j < i)
					k++;
				nsrv++;
			}
		/* The first servers take the remainder: 25% on two is 13 and 12. */
		want_w[i] = t->share / (int64_t)nsrv + ((int64_t)k < t->share % (int64_t)nsrv ? 1 : 0);
		want_s[i] = t->state;
	}
	return 0;
}

/* Waits (up to the timeout) until every server just raised passes its
 * health check: a version that is down must not be left alone with the
 * traffic, so the others are lowered only once it is up. */
static int hap_wait_up(const struct hap *h, const struct steward_act *a, size_t mi, size_t done, char *err,
		       size_t errn)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long tries = h->c.timeout * 10;
	struct hap_stat st;
	size_t i;

	for (;;) {
		const struct hap_server *down = NULL;
		const char *state_name = NULL;
		const struct hap_row *r = NULL;

		if (hap_show_stat(h, &st, err, errn) != 0) {
			size_t l = strlen(err);

			snprintf(err + l, errn - l, " (waiting for the raised servers' checks; %zu changes made)", done);
			return -1;
		}
		for (i = 0; i < h->c.nservers && down == NULL; i++) {
			const struct hap_server *s = &h->c.servers[i];

			if (s->shadow || s->model != mi || hap_plan_of(a, s->version)->share == 0)
				continue;
			r = hap_row_of(h, &st, s, &state_name, err, errn);
			if (r == NULL) {
				hap_stat_free(&st);
				return -1;
			}
			if (strcmp(state_name, "down") == 0)
				down = s;
		}
		if (down == NULL) {
			hap_stat_free(&st);
			return 0;
		}
		if (--tries <= 0) {
			char ex[80];

			hap_err(err, errn,
				"server %s/%s is still down (%s) %ld s after it was made ready: the servers it was to relieve keep their traffic (%zu changes made)",
				down->backend, down->name, hap_clean(r->status, strlen(r->status), ex, sizeof ex),
				h->c.timeout, done);
			hap_stat_free(&st);
			return -1;
		}
		hap_stat_free(&st);
		nanosleep(&ts, NULL);
	}
}

static int hap_act_traffic(struct hap *h, const struct steward_act *a, char *err, size_t errn)
{
	const struct hap_model *m;
	int64_t *want_w = NULL;
	const char **want_s = NULL;
	const struct steward_traffic *t;
	struct hap_stat st = { 0 };
	char cmd[2 * HAP_NAME_MAX + 64], ex[80];
	size_t i, pass, done = 0, total = 0;
	long mi;
	int rc = -1;

	if (a->model == NULL || (mi = hap_config_model(&h->c, a->model)) < 0 || h->c.models[mi].live[0] == '\0')
		return hap_err(err, errn, "model %s has no model.%s key in this HAProxy instance",
			       a->model != NULL ? hap_clean(a->model, strlen(a->model), ex, sizeof ex) : "(none)",
			       a->model != NULL ? ex : "MODEL");
	m = &h->c.models[mi];
	want_w = calloc(h->c.nservers, sizeof *want_w);
	want_s = calloc(h->c.nservers, sizeof *want_s);
	if (want_w == NULL || want_s == NULL) {
		hap_err(err, errn, "out of memory");
		goto out;
	}
	if (hap_plan(h, a, (size_t)mi, want_w, want_s, err, errn) != 0)
		goto out;
	/* Before changing anything: every server is there, and nothing else
	 * takes the backend's traffic behind the plan's back. */
	if (hap_show_stat(h, &st, err, errn) != 0)
		goto out;
	for (i = 0; i < h->c.nservers; i++) {
		const char *state_name;

		if (h->c.servers[i].shadow || h->c.servers[i].model != (size_t)mi)
			continue;
		if (hap_row_of(h, &st, &h->c.servers[i], &state_name, err, errn) == NULL) {
			size_t l = strlen(err);

			snprintf(err + l, errn - l, ": nothing changed");
			goto out;
		}
		total += 2;
	}
	for (i = 0; i < st.n; i++) {
		const char *state_name = hap_status_state(st.rows[i].status);
		size_t k;

		if (strcmp(st.rows[i].px, m->live) != 0 || st.rows[i].weight == 0 || state_name == NULL ||
		    strcmp(state_name, "ready") != 0)
			continue;
		for (k = 0; k < h->c.nservers && !(h->c.servers[k].model == (size_t)mi && !h->c.servers[k].shadow &&
						    strcmp(h->c.servers[k].name, st.rows[i].sv) == 0);
		     k++)
			;
		if (k == h->c.nservers) {
			hap_err(err, errn, "server %s/%s takes live traffic but is not in model.%s, so no plan can give shares: nothing changed",
				m->live, hap_clean(st.rows[i].sv, strlen(st.rows[i].sv), ex, sizeof ex), m->name);
			goto out;
		}
	}
	hap_stat_free(&st);
	/* Raise first, then lower: traffic never finds no ready server. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && hap_wait_up(h, a, (size_t)mi, done, err, errn) != 0)
			goto out;
		for (i = 0; i < h->c.nservers; i++) {
			const struct hap_server *s = &h->c.servers[i];

			if (s->shadow || s->model != (size_t)mi)
				continue;
			t = hap_plan_of(a, s->version);
			if ((pass == 0) != (t->share > 0))
				continue;
			snprintf(cmd, sizeof cmd, "set server %s/%s weight %" PRId64, s->backend, s->name, want_w[i]);
			if (hap_set(h, cmd, done, total, err, errn) != 0)
				goto out;
			done++;
			snprintf(cmd, sizeof cmd, "set server %s/%s state %s", s->backend, s->name, want_s[i]);
			if (hap_set(h, cmd, done, total, err, errn) != 0)
				goto out;
			done++;
		}
	}
	/* What HAProxy now has, not what it was told. */
	if (hap_show_stat(h, &st, err, errn) != 0) {
		size_t l = strlen(err);

		snprintf(err + l, errn - l, " (reading back after %zu changes)", done);
		goto out;
	}
	for (i = 0; i < h->c.nservers; i++) {
		const struct hap_server *s = &h->c.servers[i];
		const struct hap_row *r;
		const char *state_name;

		if (s->shadow || s->model != (size_t)mi)
			continue;
		r = hap_row_of(h, &st, s, &state_name, err, errn);
		if (r == NULL)
			goto out;
		/* A drained server that fails its check shows DOWN: no new traffic either way. */
		if (r->weight != want_w[i] ||
		    (strcmp(state_name, want_s[i]) != 0 &&
		     !(strcmp(want_s[i], "drain") == 0 && strcmp(state_name, "down") == 0))) {
			hap_err(err, errn,
				"read back from %s: server %s/%s has weight %" PRId64 " and is %s (%s); the plan wanted weight %" PRId64 ", %s",
				h->c.socket, s->backend, s->name, r->weight, state_name,
				hap_clean(r->status, strlen(r->status), ex, sizeof ex), want_w[i], want_s[i]);
			goto out;
		}
	}
	rc = 0;
out:
	hap_stat_free(&st);
	free(want_w);
	free(want_s);
	return rc;
}

static int hap_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	struct hap *h = state;

	if (a->kind != STEWARD_ACT_SET_TRAFFIC)
		return hap_err(err, errn, "haproxy makes only traffic changes (act %d is not SET_TRAFFIC)", (int)a->kind);
	return hap_act_traffic(h, a, err, errn);
}

static const struct steward_plugin hap_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "haproxy",
	.caps = STEWARD_CAP_DEPLOY,
	.open = hap_open,
	.close = hap_close,
	.sync = hap_sync,
	.act = hap_act,
	.health = hap_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &hap_plugin;
}
