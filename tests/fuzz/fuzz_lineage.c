/* fuzz_lineage: libFuzzer target for the OpenLineage event importer: any bytes, as one document or as lines, must import or be refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineage.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/lineage";

static struct store *fuzz_st;
static char fuzz_dir[64], fuzz_path[128];

static void fuzz_cleanup(void)
{
	char p[160];

	store_close(fuzz_st);
	snprintf(p, sizeof p, "%s-wal", fuzz_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", fuzz_path);
	unlink(p);
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

static void fuzz_skip(void *arg, const char *source, long line, const char *why)
{
	(void)arg;
	(void)source;
	(void)line;
	if (why == NULL || why[0] == '\0')
		__builtin_trap(); /* every refusal says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lineage_import *li;
	struct lineage_stats s;
	struct lineage_graph g;
	struct err e;
	size_t at = 0;
	long line = 1;

	if (fuzz_st == NULL) {
		snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz-lineage.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		snprintf(fuzz_path, sizeof fuzz_path, "%s/s.db", fuzz_dir);
		fuzz_st = store_open(fuzz_path, STORE_CREATE, &e);
		if (fuzz_st == NULL)
			abort();
		atexit(fuzz_cleanup);
	}
	li = lineage_import_begin(fuzz_st, NULL, "", fuzz_skip, NULL, &e);
	if (li == NULL)
		abort();
	/* As one document, then line by line as newline-delimited JSON. */
	if (lineage_import_event(li, "fuzz", 1, (const char *)data, size, &e) != 0)
		abort();
	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;

		if (lineage_import_event(li, "fuzz", line++, (const char *)data + at, len, &e) != 0)
			abort();
		at += len + 1;
	}
	if (lineage_import_end(li, &s, &e) != 0)
		abort();
	lineage_import_free(li);
	/* Whatever landed must read back as a graph. */
	if (lineage_graph_dataset(fuzz_st, "s3://fuzz", "x", LINEAGE_BOTH, 0, &g, &e) == 0)
		lineage_graph_free(&g);
	if (s.events < s.imported + s.duplicates + s.malformed)
		__builtin_trap();
	return 0;
}
