/* dsse: DSSE v1 envelopes with Ed25519 signatures over the PAE of the exact payload bytes. */
#include "dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

int dsse_pae(const char *type, const void *body, size_t len, uint8_t **out, size_t *olen)
{
	size_t tl = strlen(type), cap = tl + len + 64;
	uint8_t *p = malloc(cap);
	int h;

	*out = NULL;
	if (p == NULL)
		return -1;
	h = snprintf((char *)p, cap, "DSSEv1 %zu %s %zu ", tl, type, len);
	if (h < 0 || (size_t)h + len > cap) {
		free(p);
		return -1;
	}
	memcpy(p + h, body, len);
	*out = p;
	*olen = (size_t)h + len;
	return 0;
}

static char *dsse_b64(const void *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (s != NULL)
		sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

char *dsse_sign(const char *type, const void *body, size_t len, const struct key_secret *k,
		struct err *e)
{
	uint8_t *pae, sig[KEYS_SIG_BYTES];
	size_t plen;
	char *b64p = NULL, *b64s = NULL, *out = NULL;
	json_t *env;

	if (dsse_pae(type, body, len, &pae, &plen) != 0) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	keys_sign(k, pae, plen, sig);
	free(pae);
	b64p = dsse_b64(body, len);
	b64s = dsse_b64(sig, sizeof sig);
	if (b64p == NULL || b64s == NULL)
		goto out;
	/* Field order fixed so stored envelopes are byte-stable. */
	env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payload", b64p, "payloadType", type,
			"signatures", "keyid", k->id, "sig", b64s);
	if (env != NULL) {
		out = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(env);
	}
out:
	free(b64p);
	free(b64s);
	if (out == NULL)
		err_set(e, ERR_IO, "out of memory building a DSSE envelope");
	return out;
}

void dsse_free(struct dsse *d)
{
	if (d == NULL)
		return;
	free(d->payload_type);
	free(d->payload);
	memset(d, 0, sizeof *d);
}

/* The strings of an envelope, wherever they were read from: len bytes,
 * none of them NUL (the parser refuses \\u0000 unless told otherwise). */
struct dsse_text {
	const char *p;
	size_t len;
};

struct dsse_fields {
	struct dsse_text payload, type, keyid[DSSE_MAX_SIGS], sig[DSSE_MAX_SIGS];
	size_t nsigs;
};

/* A character that stands for itself inside a JSON string: printable
 * ASCII but the quote and the backslash. */
static int dsse_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Reads lit at *p, then a run of plain characters up to the closing quote
 * into t. 0 when the text is not exactly that. */
static int dsse_take(const char **p, const char *end, const char *lit, struct dsse_text *t)
{
	size_t n = strlen(lit);
	const char *q;

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return 0;
	q = *p + n;
	t->p = q;
	while (q < end && dsse_plain((unsigned char)*q))
		q++;
	if (q == end || *q != '"')
		return 0;
	t->len = (size_t)(q - t->p);
	*p = q + 1;
	return 1;
}

/* The envelope exactly as dsse_sign writes it: no space, no escape, the
 * members in its order. Most envelopes a verify reads are that, and
 * reading them takes no JSON parse: there the strings are the bytes
 * themselves, as a parse would have given them. Anything else (other
 * producers, whitespace, escapes) is left to the parser. */
static int dsse_fixed(const char *json, size_t len, struct dsse_fields *f)
{
	const char *p = json, *end = json + len;

	if (!dsse_take(&p, end, "{\"payload\":\"", &f->payload) ||
	    !dsse_take(&p, end, ",\"payloadType\":\"", &f->type))
		return 0;
	if ((size_t)(end - p) < 15 || memcmp(p, ",\"signatures\":[", 15) != 0)
		return 0;
	p += 15;
	for (f->nsigs = 0;; f->nsigs++) {
		if (f->nsigs == DSSE_MAX_SIGS || !dsse_take(&p, end, "{\"keyid\":\"", &f->keyid[f->nsigs]) ||
		    !dsse_take(&p, end, ",\"sig\":\"", &f->sig[f->nsigs]) || p == end || *p++ != '}')
			return 0;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		f->nsigs++;
		break;
	}
	return end - p == 2 && p[0] == ']' && p[1] == '}';
}

static struct dsse_text dsse_json_text(json_t *s)
{
	struct dsse_text t = {json_string_value(s), json_string_length(s)};

	return t;
}

/* Base64 of exactly want bytes (want 0: any length up to cap). */
static int dsse_unb64(uint8_t *bin, size_t cap, struct dsse_text t, size_t want, size_t *got)
{
	return sodium_base642bin(bin, cap, t.p, t.len, NULL, got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       (want == 0 || *got == want);
}

int dsse_parse(const char *json, size_t len, struct dsse *out, struct err *e)
{
	static const struct dsse_text none = {"", 0};
	struct dsse_fields f;
	json_error_t je;
	json_t *root = NULL, *sigs, *s, *payload, *type;
	size_t i, bin;
	int r = -1;

	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	if (!dsse_fixed(json, len, &f)) {
		memset(&f, 0, sizeof f);
		root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
		if (root == NULL)
			return err_set(e, ERR_INVALID, "DSSE envelope: not JSON (line %d column %d: %s)",
				       je.line, je.column, je.text);
		if (json_unpack_ex(root, &je, 0, "{s:o, s:o, s:o}", "payload", &payload, "payloadType", &type,
				   "signatures", &sigs) != 0 ||
		    !json_is_string(payload) || !json_is_string(type) || !json_is_array(sigs)) {
			json_decref(root);
			return err_set(e, ERR_INVALID,
				       "DSSE envelope: needs string payload, string payloadType and a signatures array");
		}
		f.payload = dsse_json_text(payload);
		f.type = dsse_json_text(type);
		f.nsigs = json_array_size(sigs);
		if (f.nsigs == 0 || f.nsigs > DSSE_MAX_SIGS) {
			err_set(e, ERR_INVALID, "DSSE envelope: needs 1 to %d signatures", DSSE_MAX_SIGS);
			goto out;
		}
		json_array_foreach(sigs, i, s) {
			json_t *kid = json_object_get(s, "keyid"), *sig = json_object_get(s, "sig");

			if (!json_is_object(s) || (kid != NULL && !json_is_string(kid)) || !json_is_string(sig)) {
				err_set(e, ERR_INVALID, "DSSE envelope: signature %zu needs a keyid and a 64-byte base64 sig",
					i + 1);
				goto out;
			}
			f.keyid[i] = kid != NULL ? dsse_json_text(kid) : none;
			f.sig[i] = dsse_json_text(sig);
		}
	}
	out->payload_type = strndup(f.type.p, f.type.len);
	out->payload = malloc(f.payload.len + 1);
	if (out->payload_type == NULL || out->payload == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	if (!dsse_unb64(out->payload, f.payload.len + 1, f.payload, 0, &out->payload_len)) {
		err_set(e, ERR_INVALID, "DSSE envelope: payload is not base64");
		goto out;
	}
	for (i = 0; i < f.nsigs; i++) {
		if (f.keyid[i].len > KEYS_ID_HEX ||
		    !dsse_unb64(out->sigs[i].sig, KEYS_SIG_BYTES, f.sig[i], KEYS_SIG_BYTES, &bin)) {
			err_set(e, ERR_INVALID, "DSSE envelope: signature %zu needs a keyid and a 64-byte base64 sig", i + 1);
			goto out;
		}
		if (f.keyid[i].len > 0)
			memcpy(out->sigs[i].keyid, f.keyid[i].p, f.keyid[i].len);
		out->sigs[i].keyid[f.keyid[i].len] = '\0';
		out->nsigs++;
	}
	r = 0;
out:
	json_decref(root);
	if (r != 0)
		dsse_free(out);
	return r;
}

int dsse_verify(const struct dsse *d, const uint8_t pk[KEYS_PK_BYTES], const char *keyid)
{
	uint8_t *pae, cand[DSSE_MAX_SIGS][KEYS_SIG_BYTES];
	size_t plen, n = 0;
	int ok;

	/* Every signature under keyid counts: one that verifies is enough. */
	for (size_t i = 0; i < d->nsigs && i < DSSE_MAX_SIGS; i++)
		if (strcmp(d->sigs[i].keyid, keyid) == 0)
			memcpy(cand[n++], d->sigs[i].sig, KEYS_SIG_BYTES);
	if (n == 0 || dsse_pae(d->payload_type, d->payload, d->payload_len, &pae, &plen) != 0)
		return 0;
	ok = keys_verify_any(pk, pae, plen, (const uint8_t(*)[KEYS_SIG_BYTES])cand, n);
	free(pae);
	return ok;
}
