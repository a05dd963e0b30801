/* http: the Alertmanager plugin's exchanges: one request at a time on a curl multi handle (so a stalled server never outlasts cancel), bounded bodies, and Alertmanager's error replies turned into messages naming the URL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/alertmanager/am.h"

int am_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *am_clean(const char *s, size_t len, char *buf, size_t n)
{
	size_t i, o = 0;

	if (n == 0)
		return buf;
	for (i = 0; i < len && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (i < len && n > 4) {
		if (o + 4 > n)
			o = n - 4;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *am_where(const struct am *m, const char *path, char *buf, size_t n)
{
	/* A path past the query's start says only what was asked: the filter is in the config. */
	size_t plen = strcspn(path, "?");

	snprintf(buf, n, "%s%.*s", m->url, (int)plen, path);
	return buf;
}

struct am_sink_buf {
	struct am_reply *r;
	size_t cap;
	int too_big;
};

static size_t am_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct am_sink_buf *b = user;
	size_t n = size * nmemb;

	if (b->r->len + n + 1 > AM_MAX_BODY) {
		b->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (b->r->len + n + 1 > b->cap) {
		size_t cap = (b->r->len + n + 1) * 2;
		char *ns = realloc(b->r->body, cap);

		if (ns == NULL)
			return 0;
		b->r->body = ns;
		b->cap = cap;
	}
	memcpy(b->r->body + b->r->len, ptr, n);
	b->r->len += n;
	b->r->body[b->r->len] = '\0';
	return n;
}

void am_reply_free(struct am_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

int am_exchange(struct am *m, const char *method, const char *path, const char *body, struct am_reply *r, char *err,
		size_t errn)
{
	struct am_sink_buf b = { .r = r };
	struct curl_slist *hdr = NULL, *h;
	char url[4096], where[1200];
	CURLcode rc = CURLE_OK;
	CURLMsg *msg;
	int still = 1, left, cancelled = 0, done = 0;

	memset(r, 0, sizeof *r);
	am_where(m, path, where, sizeof where);
	if ((size_t)snprintf(url, sizeof url, "%s%s", m->url, path) >= sizeof url)
		return am_err(err, errn, "%s %s: the request is longer than %zu bytes", method, where, sizeof url);
	if (m->easy == NULL && (m->easy = curl_easy_init()) == NULL)
		return am_err(err, errn, "%s %s: cannot initialise libcurl", method, where);
	curl_easy_reset(m->easy);
	curl_easy_setopt(m->easy, CURLOPT_URL, url);
	curl_easy_setopt(m->easy, CURLOPT_WRITEFUNCTION, am_write);
	curl_easy_setopt(m->easy, CURLOPT_WRITEDATA, &b);
	/* A reply whose Content-Length is already too long is refused before
	 * its body is read: reading 32 MiB first took longer than a 2 s
	 * timeout under a loaded sanitized build, which then said "Timeout"
	 * instead of why. Replies without the length still stop at am_write. */
	curl_easy_setopt(m->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AM_MAX_BODY);
	curl_easy_setopt(m->easy, CURLOPT_CONNECTTIMEOUT, m->connect_timeout);
	curl_easy_setopt(m->easy, CURLOPT_TIMEOUT, m->timeout);
	curl_easy_setopt(m->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(m->easy, CURLOPT_USERAGENT, "steward-alertmanager/1");
	h = curl_slist_append(hdr, "Accept: application/json");
	if (h == NULL)
		return am_err(err, errn, "%s %s: out of memory", method, where);
	hdr = h;
	if (m->token[0] != '\0') {
		char auth[2200];

		snprintf(auth, sizeof auth, "Authorization: Bearer %s", m->token);
		h = curl_slist_append(hdr, auth);
		explicit_bzero(auth, sizeof auth);
		if (h == NULL)
			goto oom;
		hdr = h;
	} else if (m->user[0] != '\0') {
		curl_easy_setopt(m->easy, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(m->easy, CURLOPT_PASSWORD, m->pass);
	}
	if (body != NULL) {
		h = curl_slist_append(hdr, "Content-Type: application/json");
		if (h == NULL)
			goto oom;
		hdr = h;
		curl_easy_setopt(m->easy, CURLOPT_POSTFIELDS, body);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(m->easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(m->easy, CURLOPT_HTTPHEADER, hdr);
	if (curl_multi_add_handle(m->multi, m->easy) != CURLM_OK) {
		curl_slist_free_all(hdr);
		return am_err(err, errn, "%s %s: libcurl refused the request", method, where);
	}
	while (!done) {
		CURLMcode mc = curl_multi_perform(m->multi, &still);

		if (mc != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			snprintf(where + strlen(where), sizeof where - strlen(where), " (%s)", curl_multi_strerror(mc));
			break;
		}
		while ((msg = curl_multi_info_read(m->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == m->easy) {
				rc = msg->data.result;
				done = 1;
			}
		if (done)
			break;
		/* Quitting never waits on a slow server: checked at least every AM_POLL_MS. */
		if (m->sink != NULL && m->sink->cancelled(m->sink->ctx)) {
			cancelled = 1;
			break;
		}
		curl_multi_poll(m->multi, NULL, 0, AM_POLL_MS, NULL);
	}
	if (done)
		curl_easy_getinfo(m->easy, CURLINFO_RESPONSE_CODE, &r->code);
	curl_multi_remove_handle(m->multi, m->easy);
	curl_easy_setopt(m->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (cancelled) {
		am_reply_free(r);
		return am_err(err, errn, "%s %s: cancelled", method, where);
	}
	if (!done || rc != CURLE_OK) {
		int big = b.too_big || rc == CURLE_FILESIZE_EXCEEDED;

		am_reply_free(r);
		if (big)
			return am_err(err, errn, "%s %s: the reply is larger than %u bytes", method, where, AM_MAX_BODY);
		if (!done)
			return am_err(err, errn, "%s %s: libcurl failed", method, where);
		return am_err(err, errn, "%s %s: %s", method, where, curl_easy_strerror(rc));
	}
	return 0;
oom:
	curl_slist_free_all(hdr);
	return am_err(err, errn, "%s %s: out of memory", method, where);
}

/* Alertmanager's own words from an error reply: a JSON string
 * ("silence not found"), the API's {"code", "message"}, else the text. */
static void am_reply_reason(const struct am_reply *r, char *buf, size_t n)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL) : NULL;
	const char *s = json_is_string(j) ? json_string_value(j) : json_string_value(json_object_get(j, "message"));
	size_t len = s != NULL ? strlen(s) : r->body == NULL ? 0 : r->len > 300 ? 300 : r->len;

	if (s == NULL)
		s = r->body;
	/* "404 page not found\n": the reason without its line end. */
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len > 0)
		am_clean(s, len, buf, n);
	else
		snprintf(buf, n, "an empty reply");
	json_decref(j);
}

json_t *am_call(struct am *m, const char *method, const char *path, const char *body, json_type want, char *err,
		size_t errn)
{
	struct am_reply r;
	json_error_t je;
	json_t *j;
	char where[1200], why[400];

	if (am_exchange(m, method, path, body, &r, err, errn) != 0)
		return NULL;
	am_where(m, path, where, sizeof where);
	if (r.code < 200 || r.code > 299) {
		am_reply_reason(&r, why, sizeof why);
		am_err(err, errn, "Alertmanager answered %ld to %s %s: %s", r.code, method, where, why);
		am_reply_free(&r);
		return NULL;
	}
	memset(&je, 0, sizeof je);
	j = r.body != NULL ? json_loadb(r.body, r.len, 0, &je) : NULL;
	if (j == NULL || json_typeof(j) != want) {
		if (r.body == NULL)
			am_err(err, errn, "%s %s: an empty reply where JSON was expected", method, where);
		else if (j == NULL)
			am_err(err, errn, "%s %s: the reply is not JSON (%s at line %d column %d): %s", method, where,
			       je.text, je.line, je.column, am_clean(r.body, r.len > 80 ? 80 : r.len, why, sizeof why));
		else
			am_err(err, errn, "%s %s: the reply is not a JSON %s", method, where,
			       want == JSON_ARRAY ? "list" : "object");
		json_decref(j);
		am_reply_free(&r);
		return NULL;
	}
	am_reply_free(&r);
	return j;
}

int am_check(struct am *m, const char *method, const char *path, char *err, size_t errn)
{
	struct am_reply r;
	char where[1200], why[400];

	if (am_exchange(m, method, path, NULL, &r, err, errn) != 0)
		return -1;
	if (r.code < 200 || r.code > 299) {
		am_reply_reason(&r, why, sizeof why);
		am_err(err, errn, "Alertmanager answered %ld to %s %s: %s", r.code, method,
		       am_where(m, path, where, sizeof where), why);
		am_reply_free(&r);
		return -1;
	}
	am_reply_free(&r);
	return 0;
}
