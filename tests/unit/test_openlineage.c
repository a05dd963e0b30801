/* test_openlineage: the OpenLineage plugin against a sink that records what it is handed: where events end (JSON lines, pretty-printed documents, partial and cut lines), offsets and identities across syncs (appends, truncation, files replaced), malformed and overlong input, what it lists, its configuration, cancellation and a failing store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The plugin's own files: it links no libsteward, and its functions are not exported. */
#include "plugins/openlineage/follow.c"
#include "plugins/openlineage/openlineage.c"
#include "plugins/openlineage/scan.c"

/* ---- a sink that records ---- */

#define FS_MAX 64
#define FE_MAX 4096

struct fsrc {
	char name[256];
	int64_t off;
	char ident[OL_IDENT];
};

struct fev {
	char src[256];
	long line;
	char *json;
	size_t len;
};

struct fsink {
	struct fsrc src[FS_MAX];
	size_t nsrc;
	struct fev ev[FE_MAX];
	size_t nev;
	int marks;
	long cancel_after; /* cancelled() says 1 once this many events were handed (0: never) */
	long fail_at;      /* lineage_event returns -1 for this event (1-based; 0: never) */
	char dir[256];
	char unlink_on[64]; /* when asked for this source's offset, remove unlink_what from dir */
	char unlink_what[2][64];
};

static struct fsrc *fs_find(struct fsink *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i].name, name) == 0)
			return &s->src[i];
	return NULL;
}

static int64_t fs_offset(void *ctx, const char *source, char *ident, size_t n)
{
	struct fsink *s = ctx;
	struct fsrc *r = fs_find(s, source);
	char path[512];
	size_t i;

	if (s->unlink_on[0] != '\0' && strcmp(source, s->unlink_on) == 0)
		for (i = 0; i < 2; i++)
			if (s->unlink_what[i][0] != '\0') {
				snprintf(path, sizeof path, "%s/%s", s->dir, s->unlink_what[i]);
				assert_int_equal(unlink(path), 0);
			}
	snprintf(ident, n, "%s", r ? r->ident : "");
	return r ? r->off : 0;
}

static int fs_event(void *ctx, const char *source, long line, const char *json, size_t len)
{
	struct fsink *s = ctx;
	struct fev *e;

	if (s->fail_at > 0 && (long)s->nev + 1 == s->fail_at)
		return -1;
	assert_true(s->nev < FE_MAX);
	e = &s->ev[s->nev++];
	snprintf(e->src, sizeof e->src, "%s", source);
	e->line = line;
	e->json = malloc(len + 1);
	assert_non_null(e->json);
	memcpy(e->json, json, len);
	e->json[len] = '\0';
	e->len = len;
	return 0;
}

static void fs_mark(void *ctx, const char *source, int64_t offset, const char *ident)
{
	struct fsink *s = ctx;
	struct fsrc *r = fs_find(s, source);

	if (r == NULL) {
		assert_true(s->nsrc < FS_MAX);
		r = &s->src[s->nsrc++];
		snprintf(r->name, sizeof r->name, "%s", source);
	}
	r->off = offset;
	assert_true(strlen(ident) < sizeof r->ident);
	snprintf(r->ident, sizeof r->ident, "%s", ident);
	s->marks++;
}

static void fs_progress(void *ctx, const char *what, long done, long total)
{
	(void)ctx;
	assert_string_equal(what, "lineage files");
	assert_true(done >= 0 && done <= total);
}

static int fs_cancelled(void *ctx)
{
	struct fsink *s = ctx;

	return s->cancel_after > 0 && (long)s->nev >= s->cancel_after;
}

static const char *fs_message(void *ctx)
{
	(void)ctx;
	return "disk I/O error";
}

static struct steward_sink fs_sink(struct fsink *s)
{
	struct steward_sink k = {
		.ctx = s,
		.progress = fs_progress,
		.cancelled = fs_cancelled,
		.message = fs_message,
		.lineage_offset = fs_offset,
		.lineage_event = fs_event,
		.lineage_mark = fs_mark,
	};
	return k;
}

/* Forgets the events of the last sync (the marks stay, as in a store). */
static void fs_clear(struct fsink *s)
{
	size_t i;

	for (i = 0; i < s->nev; i++)
		free(s->ev[i].json);
	s->nev = 0;
	s->marks = 0;
}

/* ---- a directory to follow ---- */

struct fx {
	char dir[256];
	struct ol *o;
	struct fsink *s;
	char err[1000];
};

static int fx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void put(struct fx *x, const char *name, const char *mode, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", x->dir, name);
	f = fopen(path, mode);
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void puts_(struct fx *x, const char *name, const char *text)
{
	put(x, name, "w", text, strlen(text));
}

static void add(struct fx *x, const char *name, const char *text)
{
	put(x, name, "a", text, strlen(text));
}

static int fx_open(struct fx *x, const char *pattern, const char *max_event)
{
	struct steward_kv kv[4];
	size_t n = 0;
	void *state = NULL;

	kv[n++] = (struct steward_kv){ "dir", x->dir };
	kv[n++] = (struct steward_kv){ "steward.sink_revision", "3" };
	if (pattern)
		kv[n++] = (struct steward_kv){ "pattern", pattern };
	if (max_event)
		kv[n++] = (struct steward_kv){ "max_event", max_event };
	if (ol_open(kv, n, &state, x->err, sizeof x->err) != 0)
		return -1;
	x->o = state;
	return 0;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	const char *tmp = getenv("TMPDIR");

	assert_non_null(x);
	snprintf(x->dir, sizeof x->dir, "%s/ol-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	assert_non_null(mkdtemp(x->dir));
	x->s = calloc(1, sizeof *x->s);
	assert_non_null(x->s);
	snprintf(x->s->dir, sizeof x->s->dir, "%s", x->dir);
	assert_int_equal(fx_open(x, NULL, NULL), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	fs_clear(x->s);
	free(x->s);
	ol_close(x->o);
	nftw(x->dir, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(x);
	return 0;
}

/* One sync: its return, with the events of it alone in x->s. The marks
 * of a sync that fails are dropped, as the core's transaction drops them. */
static int run(struct fx *x)
{
	struct steward_sink k = fs_sink(x->s);
	static struct fsrc before[FS_MAX];
	size_t n = x->s->nsrc;
	int rc;

	fs_clear(x->s);
	memcpy(before, x->s->src, sizeof before);
	x->err[0] = '\0';
	rc = ol_follow(x->o, &k, x->err, sizeof x->err);
	if (rc != 0) {
		memcpy(x->s->src, before, sizeof before);
		x->s->nsrc = n;
	}
	return rc;
}

static void ev_is(struct fx *x, size_t i, const char *src, long line, const char *json)
{
	assert_true(i < x->s->nev);
	assert_string_equal(x->s->ev[i].src, src);
	assert_int_equal(x->s->ev[i].line, line);
	assert_int_equal(x->s->ev[i].len, strlen(json));
	assert_memory_equal(x->s->ev[i].json, json, strlen(json));
}

static int64_t off_of(struct fx *x, const char *name)
{
	struct fsrc *r = fs_find(x->s, name);

	return r ? r->off : -1;
}

#define E1 "{\"eventType\": \"START\", \"run\": {\"runId\": \"1\"}, \"n\": [1, 2.5e3, -0.25, true, false, null]}"
#define E2 "{\"eventType\": \"COMPLETE\", \"run\": {\"runId\": \"2\"}, \"s\": \"a \\\"quoted\\\" \\u00e9 {not} [json]\"}"
#define E3 "{\"eventType\": \"FAIL\", \"run\": {\"runId\": \"3\"}}"

/* ---- the scanner ---- */

static void test_scan(void **state)
{
	static const struct {
		const char *in;
		enum ol_scan want;
		size_t end;
	} cases[] = {
		{ "{}", OL_DONE, 2 },
		{ "{} trailing", OL_DONE, 2 },
		{ "[]\n", OL_DONE, 2 },
		{ "{\"a\": [1, {\"b\": null}], \"c\": \"}\"}\n{", OL_DONE, 33 },
		{ "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n", OL_DONE, 32 },
		{ "\"text\"", OL_DONE, 6 },
		{ "42\n", OL_DONE, 2 },
		{ "42", OL_MORE, 2 },
		{ "{\"a\": 1", OL_MORE, 7 },
		{ "{\"a\": 1.", OL_MORE, 8 },
		{ "{\"a\": -", OL_MORE, 7 },
		{ "{\"a\": 1e", OL_MORE, 8 },
		{ "{\"a\": tr", OL_MORE, 8 },
		{ "{\"a\": \"b", OL_MORE, 8 },
		{ "{\"a\": \"b\\", OL_MORE, 9 },
		{ "{\"a\": \"\\u00", OL_MORE, 11 },
		{ "{\"a\":\n", OL_MORE, 6 },
		/* A raw newline cannot be in a string: a line cut there is broken at once. */
		{ "{\"a\": \"cut\n{\"b\": 1}\n", OL_BAD, 10 },
		{ "{\"a\": {\n{\"b\": 1}", OL_BAD, 8 },
		{ "{\"a\": 1,}", OL_BAD, 8 },
		{ "[1,]", OL_BAD, 3 },
		{ "{\"a\" 1}", OL_BAD, 5 },
		{ "{1: 2}", OL_BAD, 1 },
		{ "{\"a\": tru}", OL_BAD, 9 },
		{ "{\"a\": 01}", OL_BAD, 7 },
		{ "{\"a\": 1.e5}", OL_BAD, 8 },
		{ "{\"a\": \"\\x\"}", OL_BAD, 8 },
		{ "{\"a\": \"\\u12g4\"}", OL_BAD, 11 },
		{ "{\"a\": 1]", OL_BAD, 7 },
		{ "]", OL_BAD, 0 },
		{ "\x01", OL_BAD, 0 },
	};
	char deep[OL_DEPTH + 2];
	size_t i, end;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum ol_scan got = ol_scan_value(cases[i].in, strlen(cases[i].in), &end);

		if (got != cases[i].want || end != cases[i].end)
			fail_msg("case %zu (%s): got %d at %zu, want %d at %zu", i, cases[i].in, got, end, cases[i].want,
				 cases[i].end);
	}
	/* Nesting deeper than the scanner follows is malformed, not a crash. */
	memset(deep, '[', sizeof deep);
	assert_int_equal(ol_scan_value(deep, OL_DEPTH, &end), OL_MORE);
	assert_int_equal(ol_scan_value(deep, sizeof deep, &end), OL_BAD);
	assert_int_equal(end, OL_DEPTH);
}

/* ---- following files ---- */

static void test_lines_append_partial(void **state)
{
	struct fx *x = *state;

	puts_(x, "events.ndjson", E1 "\n" E2 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "events.ndjson", 1, E1);
	ev_is(x, 1, "events.ndjson", 2, E2);
	/* The offset is the end of the last whole event. */
	assert_int_equal(off_of(x, "events.ndjson"), (int64_t)strlen(E1 "\n" E2));
	assert_int_equal(x->s->marks, 1);

	/* Nothing new: nothing handed, nothing marked. */
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);
	assert_int_equal(x->s->marks, 0);

	/* A writer mid-write: its partial last line waits. */
	add(x, "events.ndjson", E3 "\n{\"eventType\": \"COMP");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "events.ndjson", 3, E3);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);
	add(x, "events.ndjson", "LETE\", \"run\": {\"runId\": \"4\"}}\r\n\n\n" E1 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "events.ndjson", 4, "{\"eventType\": \"COMPLETE\", \"run\": {\"runId\": \"4\"}}");
	ev_is(x, 1, "events.ndjson", 7, E1);
}

static void test_pretty_document(void **state)
{
	struct fx *x = *state;
	/* What the Python client's file transport writes with debug_mode: one event, indented. */
	const char *doc = "{\n  \"eventType\": \"START\",\n  \"run\": {\n    \"runId\": \"x\"\n  },\n  \"inputs\": [\n"
			  "    {\n      \"name\": \"a\"\n    }\n  ]\n}";
	size_t half = strlen(doc) / 2;

	/* Half written: nothing yet. */
	put(x, "ol-1.json", "w", doc, half);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);
	add(x, "ol-1.json", doc + half);
	/* Whole, even before the writer's last newline. */
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "ol-1.json", 1, doc);
	add(x, "ol-1.json", "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);

	/* Several documents one after another, some spanning lines. */
	puts_(x, "ol-2.json", E1 "\n");
	add(x, "ol-2.json", doc);
	add(x, "ol-2.json", "\n" E2 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);
	ev_is(x, 0, "ol-2.json", 1, E1);
	ev_is(x, 1, "ol-2.json", 2, doc);
	ev_is(x, 2, "ol-2.json", 13, E2);
}

static void test_truncate_replace(void **state)
{
	struct fx *x = *state;
	char path[512], tmp[512];
	struct stat a, b;

	snprintf(path, sizeof path, "%s/f.ndjson", x->dir);
	puts_(x, "f.ndjson", E1 "\n" E2 "\n" E3 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);

	/* Truncated and rewritten shorter: from 0 again. */
	puts_(x, "f.ndjson", E3 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "f.ndjson", 1, E3);

	/* Rewritten in place, longer, with other first bytes: from 0 again. */
	assert_int_equal(stat(path, &a), 0);
	puts_(x, "f.ndjson", E2 "\n" E3 "\n");
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "f.ndjson", 1, E2);
	ev_is(x, 1, "f.ndjson", 2, E3);

	/* The same bytes in another file renamed over it (log rotation): from 0. */
	snprintf(tmp, sizeof tmp, "%s/.new", x->dir);
	put(x, ".new", "w", E2 "\n" E3 "\n", strlen(E2 "\n" E3 "\n"));
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "f.ndjson", 1, E2);

	/* Grown with its first bytes the same: only what is new. */
	add(x, "f.ndjson", E1 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "f.ndjson", 3, E1);

	/* An identity the plugin never wrote: from 0 (the core drops what it holds already). */
	snprintf(fs_find(x->s, "f.ndjson")->ident, OL_IDENT, "ol1 garbage");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);
}

static void test_malformed(void **state)
{
	struct fx *x = *state;

	puts_(x, "g.ndjson", E1 "\n"
			     "garbage line\n"
			     "{\"a\": [\n" E2 "\n"
			     "{\"x\": \"cut\n" E3 "\n"
			     "{\"eventType\": tru}\n"
			     "   \n" E1 " x\n" E2 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 9);
	ev_is(x, 0, "g.ndjson", 1, E1);
	ev_is(x, 1, "g.ndjson", 2, "garbage line\n");
	/* A line cut between tokens swallows none of the events after it. */
	ev_is(x, 2, "g.ndjson", 3, "{\"a\": [\n");
	ev_is(x, 3, "g.ndjson", 4, E2);
	ev_is(x, 4, "g.ndjson", 5, "{\"x\": \"cut\n");
	ev_is(x, 5, "g.ndjson", 6, E3);
	/* A malformed span runs on to the next line that begins an event. */
	ev_is(x, 6, "g.ndjson", 7, "{\"eventType\": tru}\n   \n");
	ev_is(x, 7, "g.ndjson", 9, E1 " x\n");
	ev_is(x, 8, "g.ndjson", 10, E2);

	/* A malformed last line with no newline yet cannot become an event: reported at once. */
	puts_(x, "h.ndjson", E1 "\n{\"a\": tru");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	puts_(x, "h.ndjson", E1 "\n{\"a\": trux");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "h.ndjson", 2, "{\"a\": trux");
	/* ... and the rest of that line is skipped when it comes. */
	add(x, "h.ndjson", "e}\n" E3 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "h.ndjson", 3, E3);
}

static void test_overlong_binary(void **state)
{
	struct fx *x = *state;
	char big[3000], bin[5000];
	size_t i;

	ol_close(x->o);
	assert_int_equal(fx_open(x, NULL, "1024"), 0);
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\0';
	puts_(x, "o.ndjson", E1 "\n{\"big\": \"");
	add(x, "o.ndjson", big);
	add(x, "o.ndjson", "\"}\n" E2 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);
	ev_is(x, 0, "o.ndjson", 1, E1);
	/* Cut after max_event bytes, for the core to report. */
	assert_int_equal(x->s->ev[1].line, 2);
	assert_int_equal(x->s->ev[1].len, 1025);
	assert_memory_equal(x->s->ev[1].json, "{\"big\": \"xxx", 12);
	ev_is(x, 2, "o.ndjson", 3, E2);

	/* A short malformed line before an overlong one: each reported on its own. */
	puts_(x, "m.ndjson", "{\"a\": nope\n{\"big\": \"");
	add(x, "m.ndjson", big);
	add(x, "m.ndjson", "\"}\n" E2 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);
	ev_is(x, 0, "m.ndjson", 1, "{\"a\": nope\n");
	assert_int_equal(x->s->ev[1].line, 2);
	assert_int_equal(x->s->ev[1].len, 1025);
	ev_is(x, 2, "m.ndjson", 3, E2);

	/* An overlong line still being written: reported once, its rest skipped as it comes. */
	puts_(x, "p.ndjson", E1 "\n{\"big\": \"");
	add(x, "p.ndjson", big);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	assert_int_equal(x->s->ev[1].len, 1025);
	add(x, "p.ndjson", big);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);
	add(x, "p.ndjson", "\"}\n" E3 "\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "p.ndjson", 3, E3);

	/* A binary file: one report for its first bytes, not one per line. */
	for (i = 0; i < sizeof bin; i++)
		bin[i] = (char)((i * 7919u) % 251u);
	put(x, "q.bin", "w", bin, sizeof bin);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	assert_string_equal(x->s->ev[0].src, "q.bin");
	assert_int_equal(x->s->ev[0].len, 1025);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 0);
	/* A short one: handed whole. */
	put(x, "r.bin", "w", "\x7f" "ELF\x02\x01\x01\x00\x00\x00", 10);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	assert_int_equal(x->s->ev[0].len, 10);
}

static void test_listing(void **state)
{
	struct fx *x = *state;
	char path[512], target[512], outside[300];
	FILE *f;

	puts_(x, "b.json", E2 "\n");
	puts_(x, "a.json", E1 "\n");
	puts_(x, ".hidden.json", E3 "\n");
	snprintf(path, sizeof path, "%s/sub", x->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/sub/c.json", x->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(E3 "\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/fifo.json", x->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* A link to a file elsewhere: never followed. */
	snprintf(outside, sizeof outside, "%s.outside", x->dir);
	f = fopen(outside, "w");
	assert_non_null(f);
	fputs(E3 "\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/link.json", x->dir);
	assert_int_equal(symlink(outside, path), 0);
	snprintf(target, sizeof target, "%s/a.json", x->dir);
	snprintf(path, sizeof path, "%s/link-in.json", x->dir);
	assert_int_equal(symlink(target, path), 0);

	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "a.json", 1, E1);
	ev_is(x, 1, "b.json", 1, E2);
	assert_int_equal(x->s->marks, 2);
	unlink(outside);

	ol_close(x->o);
	assert_int_equal(fx_open(x, "b*", NULL), 0);
	x->s->nsrc = 0;
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, "b.json", 1, E2);
	ol_close(x->o);
	assert_int_equal(fx_open(x, ".*.json", NULL), 0);
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 1);
	ev_is(x, 0, ".hidden.json", 1, E3);
}

static void test_vanishing(void **state)
{
	struct fx *x = *state;

	puts_(x, "a.json", E1 "\n" E2 "\n");
	puts_(x, "b.json", E3 "\n");
	puts_(x, "c.json", E3 "\n");
	/* While a.json is open, a.json and b.json are removed: a.json is read
	 * whole through its descriptor, b.json is gone, c.json is read. */
	snprintf(x->s->unlink_on, sizeof x->s->unlink_on, "a.json");
	snprintf(x->s->unlink_what[0], sizeof x->s->unlink_what[0], "a.json");
	snprintf(x->s->unlink_what[1], sizeof x->s->unlink_what[1], "b.json");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 3);
	ev_is(x, 0, "a.json", 1, E1);
	ev_is(x, 1, "a.json", 2, E2);
	ev_is(x, 2, "c.json", 1, E3);
	assert_int_equal(off_of(x, "b.json"), -1);
	x->s->unlink_on[0] = '\0';
}

static void test_cancel_and_store_failure(void **state)
{
	struct fx *x = *state;
	char name[32];
	int i;

	for (i = 0; i < 600; i++)
		add(x, "many.ndjson", E1 "\n");
	x->s->cancel_after = 300;
	assert_int_equal(run(x), -1);
	assert_string_equal(x->err, "cancelled");
	assert_true(x->s->nev >= 300 && x->s->nev < 600);
	assert_int_equal(x->s->marks, 0);

	/* Between files too. */
	x->s->cancel_after = 1;
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "f%d.json", i);
		puts_(x, name, E2 "\n");
	}
	assert_int_equal(run(x), -1);
	assert_string_equal(x->err, "cancelled");
	x->s->cancel_after = 0;

	/* The store refuses: the sync stops, naming file and line. */
	x->s->fail_at = 2;
	assert_int_equal(run(x), -1);
	if (strstr(x->err, "f1.json:1: disk I/O error") == NULL)
		fail_msg("%s", x->err);
	x->s->fail_at = 0;
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 605);
}

static void test_bom_crlf(void **state)
{
	struct fx *x = *state;

	puts_(x, "w.json", "\xEF\xBB\xBF" E1 "\r\n" E2 "\r\n");
	assert_int_equal(run(x), 0);
	assert_int_equal(x->s->nev, 2);
	ev_is(x, 0, "w.json", 1, E1);
	ev_is(x, 1, "w.json", 2, E2);
}

static void test_open_refusals(void **state)
{
	struct fx *x = *state;
	struct steward_kv kv[4];
	char err[600], file[300], msg[600];
	void *st = NULL;

	kv[0] = (struct steward_kv){ "dir", x->dir };
	kv[1] = (struct steward_kv){ "steward.sink_revision", "2" };
	assert_int_equal(ol_open(kv, 2, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "needs sink revision 3"));
	assert_int_equal(ol_open(kv, 1, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "needs sink revision 3"));

	kv[1] = (struct steward_kv){ "steward.sink_revision", "3" };
	kv[0] = (struct steward_kv){ "pattern", "*.json" };
	assert_int_equal(ol_open(kv, 2, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "dir is missing"));
	kv[0] = (struct steward_kv){ "dir", "relative/dir" };
	assert_int_equal(ol_open(kv, 2, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "not an absolute path"));
	snprintf(file, sizeof file, "%s/nope", x->dir);
	kv[0] = (struct steward_kv){ "dir", file };
	assert_int_equal(ol_open(kv, 2, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	puts_(x, "nope", "x");
	assert_int_equal(ol_open(kv, 2, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not a directory"));

	kv[0] = (struct steward_kv){ "dir", x->dir };
	kv[2] = (struct steward_kv){ "url", "http://x" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown key 'url'"));
	kv[2] = (struct steward_kv){ "max_event", "100" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "max_event must be 1024 to 1048576"));
	kv[2] = (struct steward_kv){ "max_event", "2000000" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);
	kv[2] = (struct steward_kv){ "max_event", "1k" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);
	kv[2] = (struct steward_kv){ "pattern", "../*.json" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "without '/'"));
	kv[2] = (struct steward_kv){ "pattern", "" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), -1);

	/* Accepted, a trailing slash or not; health follows the directory. */
	snprintf(file, sizeof file, "%s/", x->dir);
	kv[0] = (struct steward_kv){ "dir", file };
	kv[2] = (struct steward_kv){ "steward.future_key", "ignored" };
	assert_int_equal(ol_open(kv, 3, &st, err, sizeof err), 0);
	assert_string_equal(((struct ol *)st)->dir, x->dir);
	assert_int_equal(ol_health(st, msg, sizeof msg), 0);
	assert_string_equal(msg, "ok");
	ol_close(st);
	assert_int_equal(ol_health(x->o, msg, sizeof msg), 0);
	snprintf(file, sizeof file, "%s/nope", x->dir);
	unlink(file);
	assert_int_equal(rmdir(x->dir), 0);
	assert_int_equal(ol_health(x->o, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "No such file or directory"));
	/* A sync of a directory that went away fails, saying so. */
	assert_int_equal(run(x), -1);
	assert_non_null(strstr(x->err, "cannot open the directory"));
	assert_int_equal(mkdir(x->dir, 0700), 0);
	assert_int_equal(ol_plugin.caps, STEWARD_CAP_LINEAGE);
	assert_ptr_equal(steward_plugin_entry(), &ol_plugin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test_setup_teardown(test_lines_append_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pretty_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanishing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_store_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
