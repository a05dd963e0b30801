/* fuzz_haproxy: libFuzzer target for the HAProxy plugin's readers: any bytes as show stat's CSV and as a [plugin] section (key = value lines, before a "---" line) must parse or be refused with a reason, never crash; what parses keeps its promises (weights 0..256, positive versions, plans that keep each version's share). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's own files, as the unit test takes them. */
#include "plugins/haproxy/config.c"
#include "plugins/haproxy/haproxy.c"
#include "plugins/haproxy/sock.c"
#include "plugins/haproxy/stat.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/haproxy";

#define FUZZ_KV 32

static void fuzz_stat(const char *text, size_t len, struct hap_stat *st, int *ok)
{
	char err[256] = "";
	size_t i;

	*ok = hap_stat_parse(text, len, st, err, sizeof err) == 0;
	if (!*ok) {
		if (err[0] == '\0')
			__builtin_trap(); /* every refusal says why */
		return;
	}
	for (i = 0; i < st->n; i++) {
		const struct hap_row *r = &st->rows[i];

		if (r->px == NULL || r->sv == NULL || r->status == NULL || r->px[0] == '\0' || r->sv[0] == '\0' ||
		    r->weight < 0 || r->weight > HAP_WEIGHT_MAX || r->stot < 0)
			__builtin_trap();
		(void)hap_status_state(r->status);
	}
}

/* "key = value" lines up to FUZZ_KV of them, in a copy the kv array points into. */
static size_t fuzz_kv(char *text, struct steward_kv *kv)
{
	size_t n = 0;
	char *line = text, *next;

	for (; line != NULL && n < FUZZ_KV; line = next) {
		char *eq, *k, *v, *end;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		k = line;
		v = eq + 1;
		while (*k == ' ')
			k++;
		for (end = k + strlen(k); end > k && end[-1] == ' '; end--)
			end[-1] = '\0';
		while (*v == ' ')
			v++;
		kv[n].key = k;
		kv[n++].value = v;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steward_kv kv[FUZZ_KV];
	struct hap_config c;
	struct hap_stat st;
	char *conf, *sep, err[512] = "";
	const char *stat_text = (const char *)data;
	size_t stat_len = size, n, i;
	int stat_ok, conf_ok;

	conf = malloc(size + 1);
	if (conf == NULL)
		return 0;
	memcpy(conf, data, size);
	conf[size] = '\0';
	/* The configuration ends at a "---" line; show stat's answer follows it. */
	sep = strstr(conf, "\n---\n");
	if (sep != NULL) {
		*sep = '\0';
		stat_text = (const char *)data + (sep - conf) + 5;
		stat_len = size - (size_t)(sep - conf) - 5;
	}
	fuzz_stat(stat_text, stat_len, &st, &stat_ok);
	n = fuzz_kv(conf, kv);
	conf_ok = hap_config_parse(kv, n, &c, err, sizeof err) == 0;
	if (!conf_ok && err[0] == '\0')
		__builtin_trap();
	if (conf_ok) {
		if (c.nmodels == 0 || c.timeout < 1 || c.timeout > 300)
			__builtin_trap();
		for (i = 0; i < c.nservers; i++)
			if (c.servers[i].version < 1 || c.servers[i].model >= c.nmodels || c.servers[i].name[0] == '\0' ||
			    strchr(c.servers[i].name, '/') != NULL || strchr(c.servers[i].backend, ',') != NULL)
				__builtin_trap();
	}
	/* Both read: what sync would match, and a plan from the input's bytes. */
	if (conf_ok && stat_ok) {
		struct steward_traffic plan[8];
		struct steward_act a = { .kind = STEWARD_ACT_SET_TRAFFIC, .traffic = plan };
		int64_t *w = calloc(c.nservers, sizeof *w), left = 100;
		const char **s = calloc(c.nservers, sizeof *s);
		struct hap h = { .c = c };

		for (i = 0; i < c.nservers; i++) {
			int twice;
			const struct hap_row *r = hap_stat_find(&st, c.servers[i].backend, c.servers[i].name, &twice);

			if (r != NULL)
				(void)hap_status_state(r->status);
			(void)hap_ready_weight(&st, c.servers[i].backend);
		}
		for (i = 0; i < c.nservers && a.ntraffic < 8; i++) {
			int64_t share = size > i ? data[i] % 101 : 0;

			if (c.servers[i].model != 0 || c.servers[i].shadow || hap_plan_of(&a, c.servers[i].version) != NULL)
				continue;
			if (share > left)
				share = left;
			left -= share;
			plan[a.ntraffic++] = (struct steward_traffic){ c.servers[i].version, share, share > 0 ? "ready" : "drain" };
		}
		if (a.ntraffic > 0) {
			plan[0].share += left;
			if (plan[0].share > 0)
				plan[0].state = "ready";
		}
		if (w != NULL && s != NULL && hap_plan(&h, &a, 0, w, s, err, sizeof err) == 0) {
			/* Each version keeps its share exactly, split over its servers. */
			for (i = 0; i < a.ntraffic; i++) {
				int64_t sum = 0;
				size_t k;

				for (k = 0; k < c.nservers; k++)
					if (!c.servers[k].shadow && c.servers[k].model == 0 &&
					    c.servers[k].version == plan[i].version)
						sum += w[k];
				if (sum != plan[i].share)
					__builtin_trap();
			}
		}
		free(w);
		free(s);
	}
	if (conf_ok)
		hap_config_free(&c);
	if (stat_ok)
		hap_stat_free(&st);
	free(conf);
	return 0;
}
