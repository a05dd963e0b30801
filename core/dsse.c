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

int dsse_parse(const char *json, size_t len, struct dsse *out, struct err *e)
{
	json_error_t je;
	json_t *root, *sigs, *s;
	const char *type, *payload;
	size_t i, plen, bin;

	memset(out, 0, sizeof *out);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_set(e, ERR_INVALID, "DSSE envelope: not JSON (line %d column %d: %s)",
			       je.line, je.column, je.text);
	if (json_unpack_ex(root, &je, 0, "{s:s, s:s, s:o}", "payload", &payload, "payloadType",
			   &type, "signatures", &sigs) != 0 ||
	    !json_is_array(sigs)) {
		json_decref(root);
		return err_set(e, ERR_INVALID,
			       "DSSE envelope: needs string payload, string payloadType and a signatures array");
	}
	plen = strlen(payload);
	out->payload_type = strdup(type);
	out->payload = malloc(plen + 1);
	if (out->payload_type == NULL || out->payload == NULL)
		goto oom;
	if (sodium_base642bin(out->payload, plen + 1, payload, plen, NULL, &out->payload_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		json_decref(root);
		dsse_free(out);
		return err_set(e, ERR_INVALID, "DSSE envelope: payload is not base64");
	}
	if (json_array_size(sigs) == 0 || json_array_size(sigs) > DSSE_MAX_SIGS) {
		json_decref(root);
		dsse_free(out);
		return err_set(e, ERR_INVALID, "DSSE envelope: needs 1 to %d signatures", DSSE_MAX_SIGS);
	}
	json_array_foreach(sigs, i, s) {
		const char *kid = "", *sig;

		if (json_unpack(s, "{s?s, s:s}", "keyid", &kid, "sig", &sig) != 0 ||
		    strlen(kid) > KEYS_ID_HEX ||
		    sodium_base642bin(out->sigs[i].sig, KEYS_SIG_BYTES, sig, strlen(sig), NULL, &bin,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    bin != KEYS_SIG_BYTES) {
			json_decref(root);
			dsse_free(out);
			return err_set(e, ERR_INVALID,
				       "DSSE envelope: signature %zu needs a keyid and a 64-byte base64 sig",
				       i + 1);
		}
		snprintf(out->sigs[i].keyid, sizeof out->sigs[i].keyid, "%s", kid);
		out->nsigs++;
	}
	json_decref(root);
	return 0;
oom:
	json_decref(root);
	dsse_free(out);
	return err_set(e, ERR_IO, "out of memory");
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
