/* config: the HAProxy plugin's [plugin] section: the admin socket, the timeout, and which server of which backend serves which version of a model (model.NAME live, shadow.NAME mirrored). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "plugins/haproxy/hap.h"

#define HAP_KNOWN "socket, timeout, model.MODEL, shadow.MODEL"

/* HAProxy's own rule for proxy and server names, which also keeps "/"
 * (our BACKEND/SERVER), "," (show stat's CSV) and spaces out of commands. */
static int hap_config_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= HAP_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == ':'))
			return 0;
	return 1;
}

/* Steward's model names: no control bytes, no '/' or ':' (they split
 * subjects), no space at either end. */
static int hap_config_model_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len >= HAP_MODEL_MAX || s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == ':')
			return 0;
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* A version: decimal digits only, 1 or more. */
static int hap_config_version(const char *s, size_t len, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (len == 0 || len >= sizeof buf || strspn(s, "0123456789") < len)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int hap_config_socket(struct hap_config *c, const char *v, char *err, size_t errn)
{
	char ex[120];
	const char *colon, *host;
	size_t hl;
	unsigned char addr[16];
	long port;
	char *end;

	if (strlen(v) >= sizeof c->socket)
		return hap_err(err, errn, "socket: longer than %zu bytes", sizeof c->socket - 1);
	snprintf(c->socket, sizeof c->socket, "%s", v);
	if (v[0] == '/') {
		struct sockaddr_un sa;

		if (strlen(v) >= sizeof sa.sun_path)
			return hap_err(err, errn, "socket: the path %s is longer than a Unix socket's %zu bytes",
				       hap_clean(v, strlen(v), ex, sizeof ex), sizeof sa.sun_path - 1);
		return 0;
	}
	/* 127.0.0.1:9999 or [::1]:9999: a numeric address, so opening never waits on a resolver. */
	c->tcp = 1;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		host = v + 1;
		hl = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			goto bad;
		host = v;
		hl = (size_t)(colon - v);
	}
	if (hl == 0 || hl >= sizeof c->host)
		goto bad;
	memcpy(c->host, host, hl);
	c->host[hl] = '\0';
	if (inet_pton(v[0] == '[' ? AF_INET6 : AF_INET, c->host, addr) != 1)
		goto bad;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || colon[1] == '+' || colon[1] == '-' || port < 1 ||
	    port > 65535)
		goto bad;
	snprintf(c->port, sizeof c->port, "%ld", port);
	return 0;
bad:
	return hap_err(err, errn,
		       "socket: '%s' is neither an absolute path (a Unix socket) nor ADDRESS:PORT with a numeric address (127.0.0.1:9999, [::1]:9999)",
		       hap_clean(v, strlen(v), ex, sizeof ex));
}

/* Whose key a backend already belongs to, so one backend serves one key. */
static const char *hap_config_backend_owner(const struct hap_config *c, const char *backend, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < c->nmodels; i++) {
		if (strcmp(c->models[i].live, backend) == 0) {
			snprintf(buf, n, "model.%s", c->models[i].name);
			return buf;
		}
		if (strcmp(c->models[i].shadow, backend) == 0) {
			snprintf(buf, n, "shadow.%s", c->models[i].name);
			return buf;
		}
	}
	return NULL;
}

/* model.NAME or shadow.NAME = BACKEND SERVER:VERSION [SERVER:VERSION ...] */
static int hap_config_servers(struct hap_config *c, const char *key, const char *name, int shadow, const char *v,
			      char *err, size_t errn)
{
	char ex[120], ex2[120], owner[HAP_MODEL_MAX + 8], backend[HAP_NAME_MAX];
	const char *p = v, *tok;
	struct hap_model *m;
	size_t len, i, first = c->nservers;
	long mi;

	if (!hap_config_model_ok(name))
		return hap_err(err, errn,
			       "%s: '%s' is not a model name (1 to %d bytes, no control characters, '/' or ':', no space at either end)",
			       hap_clean(key, strlen(key), ex, sizeof ex), hap_clean(name, strlen(name), ex2, sizeof ex2),
			       HAP_MODEL_MAX - 1);
	p += strspn(p, " \t");
	len = strcspn(p, " \t");
	if (len == 0)
		return hap_err(err, errn, "%s: empty; write BACKEND SERVER:VERSION [SERVER:VERSION ...]", key);
	if (!hap_config_name_ok(p, len))
		return hap_err(err, errn,
			       "%s: backend '%s' is not a HAProxy name (letters, digits, '-', '_', '.', ':', under %d bytes)",
			       key, hap_clean(p, len, ex, sizeof ex), HAP_NAME_MAX);
	memcpy(backend, p, len);
	backend[len] = '\0';
	if (hap_config_backend_owner(c, backend, owner, sizeof owner) != NULL)
		return hap_err(err, errn, "%s: backend %s is already %s's: one backend serves one model, live or shadow", key,
			       backend, owner);
	mi = hap_config_model(c, name);
	if (mi < 0) {
		struct hap_model *nm = realloc(c->models, (c->nmodels + 1) * sizeof *nm);

		if (nm == NULL)
			return hap_err(err, errn, "out of memory");
		c->models = nm;
		mi = (long)c->nmodels++;
		memset(&c->models[mi], 0, sizeof c->models[mi]);
		snprintf(c->models[mi].name, sizeof c->models[mi].name, "%s", name);
	}
	m = &c->models[mi];
	snprintf(shadow ? m->shadow : m->live, HAP_NAME_MAX, "%s", backend);
	p += len;
	for (;;) {
		struct hap_server *s;
		const char *colon;

		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		tok = p;
		len = strcspn(p, " \t");
		p += len;
		/* The last ':' splits: HAProxy names may hold ':' themselves. */
		for (colon = tok + len; colon > tok && colon[-1] != ':'; colon--)
			;
		if (colon == tok)
			return hap_err(err, errn, "%s: '%s' is not SERVER:VERSION", key, hap_clean(tok, len, ex, sizeof ex));
		if (!hap_config_name_ok(tok, (size_t)(colon - 1 - tok)))
			return hap_err(err, errn,
				       "%s: server '%s' is not a HAProxy name (letters, digits, '-', '_', '.', ':', under %d bytes)",
				       key, hap_clean(tok, (size_t)(colon - 1 - tok), ex, sizeof ex), HAP_NAME_MAX);
		if (c->nservers == HAP_MAX_SERVERS)
			return hap_err(err, errn, "%s: more than %d servers in one instance", key, HAP_MAX_SERVERS);
		if (c->nservers % 16 == 0) {
			struct hap_server *ns = realloc(c->servers, (c->nservers + 16) * sizeof *ns);

			if (ns == NULL)
				return hap_err(err, errn, "out of memory");
			c->servers = ns;
		}
		s = &c->servers[c->nservers];
		memset(s, 0, sizeof *s);
		s->model = (size_t)mi;
		s->shadow = shadow;
		snprintf(s->backend, sizeof s->backend, "%s", backend);
		snprintf(s->name, sizeof s->name, "%.*s", (int)(colon - 1 - tok), tok);
		if (hap_config_version(colon, (size_t)(tok + len - colon), &s->version) != 0)
			return hap_err(err, errn, "%s: server %s: version '%s' is not a positive integer", key, s->name,
				       hap_clean(colon, (size_t)(tok + len - colon), ex, sizeof ex));
		/* Backends belong to one key, so a repeat can only be within this one. */
		for (i = first; i < c->nservers; i++)
			if (strcmp(c->servers[i].name, s->name) == 0)
				return hap_err(err, errn, "%s: server %s is listed twice (as version %lld and %lld)", key,
					       s->name, (long long)c->servers[i].version, (long long)s->version);
		c->nservers++;
	}
	if (c->nservers == first)
		return hap_err(err, errn, "%s: backend %s names no server; write BACKEND SERVER:VERSION [SERVER:VERSION ...]",
			       key, backend);
	return 0;
}

long hap_config_model(const struct hap_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmodels; i++)
		if (strcmp(c->models[i].name, name) == 0)
			return (long)i;
	return -1;
}

void hap_config_free(struct hap_config *c)
{
	free(c->models);
	free(c->servers);
	c->models = NULL;
	c->servers = NULL;
	c->nmodels = c->nservers = 0;
}

int hap_config_parse(const struct steward_kv *kv, size_t n, struct hap_config *c, char *err, size_t errn)
{
	const char *socket = NULL, *timeout = NULL;
	char ex[120];
	size_t i, j;

	memset(c, 0, sizeof *c);
	c->timeout = 5;
	for (i = 0; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].value;

		if (k == NULL || v == NULL)
			return hap_err(err, errn, "configuration entry %zu has no key or no value", i + 1);
		if (strncmp(k, "steward.", 8) == 0)
			continue; /* the host's keys */
		/* inih hands every line over, so a repeated key would otherwise win silently. */
		for (j = 0; j < i; j++)
			if (kv[j].key != NULL && strcmp(kv[j].key, k) == 0)
				goto twice;
		if (strcmp(k, "socket") == 0)
			socket = v;
		else if (strcmp(k, "timeout") == 0)
			timeout = v;
		else if (strncmp(k, "model.", 6) == 0) {
			if (hap_config_servers(c, k, k + 6, 0, v, err, errn) != 0)
				goto fail;
		} else if (strncmp(k, "shadow.", 7) == 0) {
			if (hap_config_servers(c, k, k + 7, 1, v, err, errn) != 0)
				goto fail;
		} else {
			hap_err(err, errn, "unknown key '%s' (known: " HAP_KNOWN ")", hap_clean(k, strlen(k), ex, sizeof ex));
			goto fail;
		}
	}
	if (socket == NULL) {
		hap_err(err, errn,
			"socket is missing: name HAProxy's admin socket (socket = /run/haproxy/admin.sock, or socket = 127.0.0.1:9999)");
		goto fail;
	}
	if (hap_config_socket(c, socket, err, errn) != 0)
		goto fail;
	if (timeout != NULL) {
		char *end;

		errno = 0;
		c->timeout = strtol(timeout, &end, 10);
		if (errno != 0 || end == timeout || *end != '\0' || timeout[0] == '+' || c->timeout < 1 || c->timeout > 300) {
			hap_err(err, errn, "timeout: '%s' is not 1 to 300 seconds", hap_clean(timeout, strlen(timeout), ex, sizeof ex));
			goto fail;
		}
	}
	if (c->nmodels == 0) {
		hap_err(err, errn, "no model.MODEL key: name at least one model's backend and servers (model.MODEL = BACKEND SERVER:VERSION ...)");
		goto fail;
	}
	return 0;
twice:
	hap_err(err, errn, "%s is given twice", hap_clean(kv[i].key, strlen(kv[i].key), ex, sizeof ex));
fail:
	hap_config_free(c);
	return -1;
}
