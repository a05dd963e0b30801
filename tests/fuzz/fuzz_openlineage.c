/* fuzz_openlineage: libFuzzer target for the OpenLineage plugin's scanner and follower: any bytes must scan as jansson parses them, and, as a followed file read in one sync or in two, be handed over in whole events within the size limit, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* The plugin's own files, as the unit test takes them. */
#include "plugins/openlineage/follow.c"
#include "plugins/openlineage/scan.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/openlineage";

static char fuzz_dir[64], fuzz_file[96];

/* What the core would keep: the mark, and what was handed over. */
struct fuzz_core {
	const uint8_t *data;
	size_t size, max_event;
	int64_t off;
	char ident[OL_IDENT];
	long events, last_line;
};

static int64_t fuzz_offset(void *ctx, const char *source, char *ident, size_t identn)
{
	struct fuzz_core *c = ctx;

	(void)source;
	snprintf(ident, identn, "%s", c->ident);
	return c->off;
}

static int fuzz_event(void *ctx, const char *source, long line, const char *json, size_t len)
{
	struct fuzz_core *c = ctx;
	size_t i;
	int found = 0;

	/* A span of the file, not empty, at most one byte over the limit
	 * (an overlong event is handed as max_event + 1 bytes to be refused). */
	if (strcmp(source, "events.jsonl") != 0 || line < 1 || len == 0 || len > c->max_event + 1 || len > c->size)
		__builtin_trap();
	for (i = 0; i + len <= c->size && !found; i++)
		found = memcmp(c->data + i, json, len) == 0;
	if (!found)
		__builtin_trap();
	c->events++;
	c->last_line = line;
	return 0;
}

static void fuzz_mark(void *ctx, const char *source, int64_t offset, const char *ident)
{
	struct fuzz_core *c = ctx;

	if (strcmp(source, "events.jsonl") != 0 || offset < 0 || (uint64_t)offset > c->size || strlen(ident) >= OL_IDENT)
		__builtin_trap();
	c->off = offset;
	snprintf(c->ident, sizeof c->ident, "%s", ident);
}

static int fuzz_cancelled(void *ctx)
{
	(void)ctx;
	return 0;
}

static const char *fuzz_message(void *ctx)
{
	(void)ctx;
	return "refused";
}

static void fuzz_progress(void *ctx, const char *what, long done, long total)
{
	(void)ctx;
	(void)what;
	if (done < 0 || total < 0 || done > total)
		__builtin_trap();
}

static void fuzz_cleanup(void)
{
	unlink(fuzz_file);
	rmdir(fuzz_dir);
}

static void fuzz_put(const uint8_t *b, size_t n, const char *mode)
{
	FILE *f = fopen(fuzz_file, mode);

	if (f == NULL || (n > 0 && fwrite(b, 1, n, f) != n) || fclose(f) != 0)
		__builtin_trap();
}

/* The scanner agrees with jansson: what jansson decodes whole (one value
 * and blanks) the scanner finds whole at the same end; what the scanner
 * calls bad, jansson refuses. Only where jansson is stricter than JSON's
 * grammar (UTF-8, lone surrogates, \u0000, integers over 64 bits) or the scanner
 * stricter (nesting past OL_DEPTH) may they differ. */
static void fuzz_scan(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	enum ol_scan r;
	json_error_t je;
	json_t *j;
	size_t end, i, depth;

	if (size == 0 || ol_space(p[0]))
		return;
	r = ol_scan_value(p, size, &end);
	if (end > size || (r == OL_MORE && end != size) || (r == OL_DONE && end == 0))
		__builtin_trap();
	/* Deeper than OL_DEPTH is malformed to the scanner by design, not to jansson. */
	for (i = 0, depth = 0; i < size; i++)
		depth += p[i] == '[' || p[i] == '{';
	/* jansson stops reading at a NUL byte outside a string, as if the text ended there. */
	j = depth < OL_DEPTH && memchr(p, '\0', size) == NULL ? json_loadb(p, size, JSON_DECODE_ANY, &je) : NULL;
	if (j != NULL) {
		/* A number at the very end could go on (0 then .5): the scanner
		 * waits for more, so the bytes are checked with a newline after. */
		char *q = malloc(size + 1);

		if (q == NULL)
			__builtin_trap();
		memcpy(q, p, size);
		q[size] = '\n';
		r = ol_scan_value(q, size + 1, &end);
		if (r != OL_DONE)
			__builtin_trap();
		for (i = end; i <= size; i++)
			if (!ol_space(q[i]))
				__builtin_trap();
		free(q);
		json_decref(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_core c = { .data = data, .size = size };
	struct steward_sink sink = {
		.ctx = &c,
		.progress = fuzz_progress,
		.cancelled = fuzz_cancelled,
		.message = fuzz_message,
		.lineage_offset = fuzz_offset,
		.lineage_event = fuzz_event,
		.lineage_mark = fuzz_mark,
	};
	struct ol o;
	char err[1024] = "";
	size_t half = size / 2;

	fuzz_scan(data, size);
	if (fuzz_dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_dir, sizeof fuzz_dir, "%.40s/fzolXXXXXX", tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL)
			__builtin_trap();
		snprintf(fuzz_file, sizeof fuzz_file, "%s/events.jsonl", fuzz_dir);
		atexit(fuzz_cleanup);
	}
	memset(&o, 0, sizeof o);
	snprintf(o.dir, sizeof o.dir, "%s", fuzz_dir);
	snprintf(o.pattern, sizeof o.pattern, "*");
	/* The smallest limit on odd sizes, so short inputs reach the overlong paths. */
	o.max_event = size % 2 ? OL_EVENT_MIN : OL_EVENT_MAX;
	c.max_event = o.max_event;
	/* One sync over the first half, as a writer caught mid-way, then one
	 * more over the whole: it resumes from the mark. */
	fuzz_put(data, half, "wb");
	if (ol_follow(&o, &sink, err, sizeof err) != 0 && err[0] == '\0')
		__builtin_trap();
	if (c.off < 0 || (size_t)c.off > half)
		__builtin_trap();
	fuzz_put(data + half, size - half, "ab");
	err[0] = '\0';
	if (ol_follow(&o, &sink, err, sizeof err) != 0 && err[0] == '\0')
		__builtin_trap();
	return 0;
}
