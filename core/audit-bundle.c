/* audit-bundle: exports the ledger as a bundle (steward-ledger(5)) and verifies a bundle without any store. */
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "audit-run.h"
#include "file.h"
#include "incident.h"
#include "replay.h"

/* ---- export ---- */

static int audit_write_file(const char *dir, const char *name, const void *buf, size_t len, struct err *e)
{
	char path[4200];
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(e, ERR_INVALID, "bundle path is too long");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
	if ((len > 0 && write(fd, buf, len) != (ssize_t)len) || fsync(fd) != 0) {
		int saved = errno;

		close(fd);
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(saved));
	}
	return close(fd) == 0 ? 0 : err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
}

/* A new file DIR/NAME of the bundle, opened for writing (never an existing one). */
static int audit_create(const char *dir, const char *name, FILE **out, struct err *e)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	*out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (*out == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Collects bodies into entries.jsonl while replaying them. */
struct audit_export_arg {
	struct replay *rp;
	FILE *f;
	FILE *sigf; /* signatures.txt: each entry's actor signature, "-" for none */
	const struct progress *pr;
	int64_t total;
};

static int audit_export_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig,
			      char *why, size_t n)
{
	struct audit_export_arg *x = arg;

	if (memchr(body, '\n', len) != NULL)
		return err_why(why, n, "body holds a newline; cannot export it as one line");
	if (fwrite(body, 1, len, x->f) != len || fputc('\n', x->f) == EOF)
		return err_why(why, n, "writing entries.jsonl failed");
	if (fprintf(x->sigf, "%s\n", sig[0] ? sig : "-") < 0)
		return err_why(why, n, "writing signatures.txt failed");
	if ((seq & 1023) == 0 || seq == x->total)
		progress_note(x->pr, "exporting", seq, x->total);
	return replay_entry(x->rp, seq, body, len, j, sig, why, n);
}

int audit_export(struct store *st, const char *dir, const struct progress *pr, struct err *e)
{
	char path[4200], vkey[300], cpname[64];
	uint8_t pk[KEYS_PK_BYTES];
	struct audit_report r;
	struct audit_export_arg x;
	struct replay rp;
	struct db_stmt *s;
	char *hist = NULL;
	int rc = -1;

	memset(&r, 0, sizeof r);
	if (ledger_logkey_public(st, r.log_name, sizeof r.log_name, pk, e) != 0)
		return -1;
	/* A fresh directory only: an export never mixes with other files. Its
	 * missing parents are made (0700), as for every file steward writes. */
	if (file_mkparent(dir, e) != 0)
		return -1;
	if (mkdir(dir, 0755) != 0)
		return err_set(e, ERR_IO, "cannot create %s: %s (the bundle needs a new directory)", dir,
			       strerror(errno));
	if (snprintf(path, sizeof path, "%s/checkpoints", dir) >= (int)sizeof path || mkdir(path, 0755) != 0)
		return err_set(e, ERR_IO, "cannot create %s/checkpoints", dir);
	if (audit_vkey(r.log_name, pk, vkey, sizeof vkey) != 0)
		return err_set(e, ERR_INVALID, "log key name is too long");
	snprintf(path, sizeof path, "%s\n", vkey);
	if (audit_write_file(dir, "log.vkey", path, strlen(path), e) != 0)
		return -1;
	if (audit_create(dir, "entries.jsonl", &x.f, e) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/signatures.txt", dir);
	if (audit_create(dir, "signatures.txt", &x.sigf, e) != 0) {
		fclose(x.f);
		return -1;
	}
	if (replay_init(&rp, r.log_name, e) != 0) {
		fclose(x.f);
		fclose(x.sigf);
		return -1;
	}
	x.rp = &rp;
	x.pr = pr;
	x.total = ledger_size(st);
	/* The export verifies as it copies: a bundle of a broken ledger is refused. */
	if (ledger_verify_each(st, &r.ledger, audit_export_entry, &x, e) != 0) {
		fclose(x.f);
		fclose(x.sigf);
		err_prefix(e, "not exporting");
		goto out;
	}
	if (fflush(x.f) != 0 || fsync(fileno(x.f)) != 0 || fclose(x.f) != 0) {
		fclose(x.sigf);
		err_set(e, ERR_IO, "cannot write %s/entries.jsonl: %s", dir, strerror(errno));
		goto out;
	}
	if (fflush(x.sigf) != 0 || fsync(fileno(x.sigf)) != 0 || fclose(x.sigf) != 0) {
		err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (store_prepare(st, &s, "SELECT size, note FROM checkpoints ORDER BY size", e) != 0)
		goto out;
	while (db_step(s) == DB_ROW) {
		snprintf(cpname, sizeof cpname, "checkpoints/%020" PRId64 ".note", (int64_t)db_column_int64(s, 0));
		if (audit_write_file(dir, cpname, db_column_text(s, 1),
				     (size_t)db_column_bytes(s, 1), e) != 0) {
			db_finalize(s);
			goto out;
		}
	}
	db_finalize(s);
	hist = json_dumps(rp.kr.keyring_history, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (hist == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	rc = audit_write_file(dir, "keyring.json", hist, strlen(hist), e);
out:
	free(hist);
	replay_free(&rp);
	return rc;
}

/* ---- verifying a bundle ---- */

struct audit_bundle_src {
	FILE *f;
	char *line;
	size_t cap;
	FILE *sigf;
	char *sline;
	size_t scap;
	int64_t seq;
	char **notes;
	int64_t *sizes;
	size_t nnotes, next;
};

static int audit_bundle_next(void *arg, int64_t *seq, const char **body, size_t *len,
			     const uint8_t **leaf, const uint8_t **chain, const char **sig)
{
	struct audit_bundle_src *b = arg;
	ssize_t got = getline(&b->line, &b->cap, b->f), sgot;

	*sig = "";
	if (got > 0 && b->sigf != NULL) {
		sgot = getline(&b->sline, &b->scap, b->sigf);
		if (sgot <= 0 || b->sline[sgot - 1] != '\n')
			return -1; /* one signature line per entry */
		b->sline[--sgot] = '\0';
		*sig = strcmp(b->sline, "-") == 0 ? "" : b->sline;
	}
	if (got < 0)
		return ferror(b->f) ? -1 : 0;
	if (got == 0 || b->line[got - 1] != '\n')
		return -1; /* every entry ends its line: a cut file is not a shorter ledger */
	b->line[--got] = '\0';
	*seq = ++b->seq;
	*body = b->line;
	*len = (size_t)got;
	*leaf = NULL;
	*chain = NULL;
	return 1;
}

static int audit_bundle_next_cp(void *arg, int64_t *size, const char **note)
{
	struct audit_bundle_src *b = arg;

	if (b->next >= b->nnotes)
		return 0;
	*size = b->sizes[b->next];
	*note = b->notes[b->next++];
	return 1;
}

static int audit_cmp_size(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A bundle's file, or NULL: regular files only, so a FIFO in a bundle cannot hang a check. */
static char *audit_slurp(const char *path, size_t max, size_t *len)
{
	struct err e;
	char *buf;
	size_t n;

	if (file_read(path, "bundle file", max, &buf, &n, &e) != 0)
		return NULL;
	if (len != NULL)
		*len = n;
	return buf;
}

/* Loads checkpoints/NNN.note sorted by size. */
static int audit_bundle_notes(const char *dir, struct audit_bundle_src *b, struct err *e)
{
	char path[4200];
	struct dirent *de;
	DIR *d;
	int64_t *sizes = NULL;
	size_t i;

	snprintf(path, sizeof path, "%s/checkpoints", dir);
	d = opendir(path);
	if (d == NULL)
		return err_set(e, ERR_IO, "bundle %s: no checkpoints directory", dir);
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long v;
		int64_t *nv;

		if (de->d_name[0] == '.')
			continue;
		v = strtoll(de->d_name, &end, 10);
		if (v <= 0 || strcmp(end, ".note") != 0) {
			/* The name lives in d: said before d is closed. */
			err_set(e, ERR_INVALID, "bundle %s: unexpected file checkpoints/%s", dir, de->d_name);
			closedir(d);
			free(sizes);
			return -1;
		}
		nv = realloc(sizes, (b->nnotes + 1) * sizeof *sizes);
		if (nv == NULL) {
			closedir(d);
			free(sizes);
			return err_set(e, ERR_IO, "out of memory");
		}
		sizes = nv;
		sizes[b->nnotes++] = v;
	}
	closedir(d);
	if (b->nnotes > 0)
		qsort(sizes, b->nnotes, sizeof *sizes, audit_cmp_size);
	b->sizes = sizes;
	b->notes = calloc(b->nnotes ? b->nnotes : 1, sizeof *b->notes);
	if (b->notes == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < b->nnotes; i++) {
		snprintf(path, sizeof path, "%s/checkpoints/%020" PRId64 ".note", dir, sizes[i]);
		b->notes[i] = audit_slurp(path, 4096, NULL);
		if (b->notes[i] == NULL)
			return err_set(e, ERR_IO, "bundle %s: cannot read checkpoint of size %" PRId64
				       " (named with 20 digits?)", dir, sizes[i]);
	}
	return 0;
}

int audit_verify_bundle(const char *dir, const struct audit_pins *p, struct audit_report *r, struct err *e)
{
	return audit_verify_bundle_run(dir, p, NULL, r, e);
}

static int audit_bundle_check(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e);

int audit_verify_bundle_run(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			    struct audit_report *r, struct err *e)
{
	struct audit_clock c;
	int rc;

	audit_clock_start(&c);
	rc = audit_bundle_check(dir, p, o, r, e);
	audit_clock_stop(&c, o, r);
	return rc;
}

static int audit_bundle_check(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e)
{
	char path[4200], name[KEYS_NAME_MAX + 1], *own = NULL, *hist = NULL, *want = NULL;
	uint8_t pk[KEYS_PK_BYTES];
	struct audit_bundle_src b;
	struct ledger_kept *kept = NULL;
	struct ledger_source src = {
		.next = audit_bundle_next,
		.next_checkpoint = audit_bundle_next_cp,
		.arg = &b,
	};
	struct replay rp;
	struct audit_par par;
	struct audit_clock lap;
	size_t i;
	int rc = -1, fd, lrc, again = 0;

	memset(&par, 0, sizeof par);
	memset(r, 0, sizeof *r);
	memset(&b, 0, sizeof b);
	memset(&rp, 0, sizeof rp);
	snprintf(path, sizeof path, "%s/log.vkey", dir);
	own = audit_slurp(path, 1024, NULL);
	if (own == NULL)
		return err_set(e, ERR_IO, "bundle %s: cannot read log.vkey", dir);
	own[strcspn(own, "\r\n")] = '\0';
	if (audit_vkey_parse(own, name, pk, e) != 0) {
		err_prefix(e, "bundle %s: log.vkey", dir);
		goto out;
	}
	snprintf(r->log_name, sizeof r->log_name, "%s", name);
	if (audit_vkey(name, pk, r->log_vkey, sizeof r->log_vkey) != 0) {
		err_set(e, ERR_INVALID, "bundle %s: log key name is too long", dir);
		goto out;
	}
	snprintf(path, sizeof path, "bundle %s", dir);
	if (p != NULL && p->vkey != NULL && audit_pinned(p->vkey, r->log_vkey, path, e) != 0)
		goto out;
	if (audit_kept_load(p, name, pk, &kept, &src.nkept, e) != 0)
		goto out;
	qsort(kept, src.nkept, sizeof *kept, audit_kept_cmp);
	src.kept = kept;
	if (audit_bundle_notes(dir, &b, e) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/entries.jsonl", dir);
	fd = file_open(path, "bundle file", 0, NULL, e);
	if (fd < 0)
		goto out;
	b.f = fdopen(fd, "rb");
	if (b.f == NULL) {
		close(fd);
		err_set(e, ERR_IO, "bundle %s: cannot read entries.jsonl", dir);
		goto out;
	}
	snprintf(path, sizeof path, "%s/signatures.txt", dir);
	b.sigf = fopen(path, "rb");
	if (b.sigf == NULL) {
		err_set(e, ERR_IO, "bundle %s: cannot read signatures.txt (the actors' signatures of the entries)", dir);
		goto out;
	}
	if (replay_init(&rp, name, e) != 0)
		goto out;
	if (audit_par_start(o, &rp, &par, e) != 0)
		goto out;
	/* Bundles keep no leaves: only the signatures go to the workers. */
	src.q = par.q;
	src.progress = o != NULL ? o->progress : (struct progress){ 0 };
	src.total = b.nnotes > 0 ? b.sizes[b.nnotes - 1] : 0;
	audit_clock_start(&lap);
	lrc = ledger_verify_source(&src, name, pk, &r->ledger, par.q != NULL ? audit_par_entry : replay_entry,
				   par.q != NULL ? (void *)&par : (void *)&rp, e);
	audit_clock_lap(&lap, r, AUDIT_PHASE_LEDGER);
	again = audit_par_stop(&par, lrc, &r->ledger);
	audit_clock_lap(&lap, r, AUDIT_PHASE_WORKERS);
	if (lrc != 0 || again)
		goto out;
	/* Whoever made the bundle could have written entries no checkpoint
	 * signs: under a pinned key they count only when asked to. */
	if (p != NULL && p->vkey != NULL && r->ledger.entries > 0 && r->ledger.checkpoints == 0) {
		audit_fail(r, e, 0, "bundle %s holds %" PRId64 " entries and no checkpoint: nothing in it is signed by the pinned log key",
			   dir, r->ledger.entries);
		r->ledger.bad_seq = 1;
		goto out;
	}
	if (p != NULL && p->vkey != NULL && !p->allow_unsigned_tail && r->ledger.verified < r->ledger.entries) {
		audit_fail(r, e, 0,
			   "bundle %s: %" PRId64 " entries after the last checkpoint are not covered by a signature"
			   " (entries %" PRId64 " to %" PRId64 "; --allow-unsigned-tail accepts them)",
			   dir, r->ledger.entries - r->ledger.verified, r->ledger.verified + 1, r->ledger.entries);
		r->ledger.bad_seq = r->ledger.verified + 1;
		goto out;
	}
	/* keyring.json is a convenience copy: it must say what the entries say. */
	snprintf(path, sizeof path, "%s/keyring.json", dir);
	hist = audit_slurp(path, 64u << 20, NULL);
	want = json_dumps(rp.kr.keyring_history, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (hist == NULL || want == NULL || strcmp(hist, want) != 0) {
		audit_fail(r, e, 0, "keyring.json does not match the keyring the entries build");
		goto out;
	}
	r->keyring_version = rp.kr.version;
	r->requests = (int64_t)rp.nq;
	r->approvals = (int64_t)rp.na;
	r->incidents = incident_replay_count(rp.inc);
	snprintf(r->root_key, sizeof r->root_key, "%s", rp.kr.root_key);
	rc = 0;
out:
	if (b.f != NULL)
		fclose(b.f);
	if (b.sigf != NULL)
		fclose(b.sigf);
	free(b.line);
	free(b.sline);
	for (i = 0; i < b.nnotes; i++)
		free(b.notes != NULL ? b.notes[i] : NULL);
	free(b.notes);
	free(b.sizes);
	free(own);
	free(hist);
	free(want);
	free(kept);
	replay_free(&rp);
	if (again) {
		struct audit_run one = { .jobs = 1, .progress = o != NULL ? o->progress : (struct progress){ 0 } };

		return audit_bundle_check(dir, p, &one, r, e);
	}
	return rc;
}

