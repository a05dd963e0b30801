/* driver: runs a libFuzzer target without libFuzzer: every seed, then deterministic mutations of them, so `make test` exercises it under the sanitizers. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Each target names the seed corpus it is run over by default. */
extern const char *const fuzz_default_corpus;

#define DRIVER_MAX_SEEDS 256
#define DRIVER_MAX_INPUT (64 * 1024)
#define DRIVER_MUTATIONS 400 /* per seed */

struct driver_seed {
	uint8_t *data;
	size_t len;
};

static uint32_t driver_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One mutation of seed into out: flips, deletions, insertions of tokens the
 * grammar cares about, duplications, truncation, splicing another seed. */
static size_t driver_mutate(const struct driver_seed *seeds, size_t nseeds, size_t k, uint32_t *rng, uint8_t *out)
{
	static const char *const toks[] = { "->", ":", ",", "\"", ">=", "<=", "==", "rule ", "transition ", "rollback ",
					    "\n", "#", "\xff", "\xc3", "\0", "99999999999999999999", "-1", "1e308", "*",
					    "{", "}", "[", "]", "null", "\"runId\":", "\\u0000", "\"inputs\":", "step a: ", "!=", "{model}",
					    "check ", "\\\"", "\t", "\r" };
	const struct driver_seed *s = &seeds[k];
	size_t len = s->len < DRIVER_MAX_INPUT / 2 ? s->len : DRIVER_MAX_INPUT / 2, i, n = 1 + driver_rand(rng) % 4;

	memcpy(out, s->data, len);
	for (i = 0; i < n; i++) {
		size_t at = len ? driver_rand(rng) % (len + 1) : 0, cut;
		const char *t;

		switch (driver_rand(rng) % 6) {
		case 0:
			if (len)
				out[at % len] ^= (uint8_t)(1u << (driver_rand(rng) % 8));
			break;
		case 1:
			cut = len - at ? driver_rand(rng) % (len - at + 1) : 0;
			memmove(out + at, out + at + cut, len - at - cut);
			len -= cut;
			break;
		case 2:
			t = toks[driver_rand(rng) % (sizeof toks / sizeof toks[0])];
			cut = t[0] ? strlen(t) : 1;
			if (len + cut < DRIVER_MAX_INPUT) {
				memmove(out + at + cut, out + at, len - at);
				memcpy(out + at, t, cut);
				len += cut;
			}
			break;
		case 3:
			cut = len - at ? driver_rand(rng) % (len - at + 1) : 0;
			if (len + cut < DRIVER_MAX_INPUT) {
				memmove(out + at + cut, out + at, len - at);
				len += cut;
			}
			break;
		case 4:
			len = at;
			break;
		default: {
			const struct driver_seed *o = &seeds[driver_rand(rng) % nseeds];
			size_t from = o->len ? driver_rand(rng) % o->len : 0, take = o->len - from;

			if (take > 256)
				take = 256;
			if (at + take < DRIVER_MAX_INPUT) {
				memcpy(out + at, o->data + from, take);
				if (at + take > len)
					len = at + take;
			}
		}
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : fuzz_default_corpus;
	struct driver_seed seeds[DRIVER_MAX_SEEDS];
	size_t nseeds = 0, k, runs = 0;
	uint8_t *buf = malloc(DRIVER_MAX_INPUT);
	struct dirent *de;
	uint32_t rng = 2463534242u;
	DIR *d = opendir(dir);
	/* A longer run by hand: FUZZ_MUTATIONS per seed, FUZZ_SEED for other mutations than make test's. */
	const char *env_m = getenv("FUZZ_MUTATIONS"), *env_s = getenv("FUZZ_SEED");
	long mutations = env_m != NULL ? strtol(env_m, NULL, 10) : DRIVER_MUTATIONS;

	if (mutations < 0)
		mutations = DRIVER_MUTATIONS;
	if (env_s != NULL && strtoul(env_s, NULL, 10) != 0)
		rng = (uint32_t)strtoul(env_s, NULL, 10);

	if (d == NULL || buf == NULL) {
		fprintf(stderr, "driver: cannot open corpus %s\n", dir);
		printf("[  FAILED  ] 1 test(s), listed below:\n");
		return 1;
	}
	while ((de = readdir(d)) != NULL && nseeds < DRIVER_MAX_SEEDS) {
		char path[4096];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		seeds[nseeds].data = malloc(DRIVER_MAX_INPUT);
		if (seeds[nseeds].data == NULL) {
			fclose(f);
			break;
		}
		seeds[nseeds].len = fread(seeds[nseeds].data, 1, DRIVER_MAX_INPUT, f);
		fclose(f);
		nseeds++;
	}
	closedir(d);
	if (nseeds == 0) {
		fprintf(stderr, "driver: no seeds in %s\n", dir);
		printf("[  FAILED  ] 1 test(s), listed below:\n");
		return 1;
	}
	for (k = 0; k < nseeds; k++) {
		LLVMFuzzerTestOneInput(seeds[k].data, seeds[k].len);
		runs++;
		for (long m = 0; m < mutations; m++) {
			size_t len = driver_mutate(seeds, nseeds, k, &rng, buf);

			LLVMFuzzerTestOneInput(buf, len);
			runs++;
		}
	}
	for (k = 0; k < nseeds; k++)
		free(seeds[k].data);
	free(buf);
	/* One "test" per seed, in the summary format tests/run reads. */
	fprintf(stderr, "driver: %zu inputs from %zu seeds, no crash\n", runs, nseeds);
	printf("[  PASSED  ] %zu test(s).\n", nseeds);
	return 0;
}
