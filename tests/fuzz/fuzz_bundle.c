/* fuzz_bundle: libFuzzer target for the audit bundle reader (steward audit verify --bundle): any bytes, written out as a bundle's files, must verify or be refused with a reason, never crash, hang or leak. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/bundle";

/* The input is the bundle as sections, each a line "=== NAME" at the
 * start of a line and the file's bytes after it: NAME is entries.jsonl,
 * signatures.txt, log.vkey, keyring.json or checkpoints/SIZE.note (other
 * names are ignored), or "pin" (its first line becomes --vkey) and
 * "allow-unsigned-tail". A file no section names is missing. */
static char fuzz_dir[64];

static void fuzz_clear(void)
{
	static const char *const top[] = { "entries.jsonl", "signatures.txt", "log.vkey", "keyring.json" };
	char p[256];
	struct dirent *de;
	DIR *d;
	size_t i;

	for (i = 0; i < sizeof top / sizeof top[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", fuzz_dir, top[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/checkpoints", fuzz_dir);
	d = opendir(p);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char f[512];

			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof f, "%s/checkpoints/%s", fuzz_dir, de->d_name);
			unlink(f);
		}
		closedir(d);
	}
}

static void fuzz_cleanup(void)
{
	char p[128];

	fuzz_clear();
	snprintf(p, sizeof p, "%s/checkpoints", fuzz_dir);
	rmdir(p);
	rmdir(fuzz_dir);
}

static int fuzz_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[128];

	if (fuzz_dir[0] != '\0')
		return 0;
	snprintf(fuzz_dir, sizeof fuzz_dir, "%.40s/fzbundleXXXXXX", tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		return -1;
	snprintf(p, sizeof p, "%s/checkpoints", fuzz_dir);
	if (mkdir(p, 0700) != 0)
		return -1;
	atexit(fuzz_cleanup);
	return 0;
}

/* A name the target writes: one of the bundle's files, or a checkpoint
 * named by digits only (the input never names a path of its own). */
static int fuzz_name_ok(const char *name)
{
	size_t n;

	if (strcmp(name, "entries.jsonl") == 0 || strcmp(name, "signatures.txt") == 0 ||
	    strcmp(name, "log.vkey") == 0 || strcmp(name, "keyring.json") == 0)
		return 1;
	if (strncmp(name, "checkpoints/", 12) != 0)
		return 0;
	name += 12;
	n = strspn(name, "0123456789");
	return n >= 1 && n <= 20 && strcmp(name + n, ".note") == 0;
}

static void fuzz_write(const char *name, const uint8_t *b, size_t n)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", fuzz_dir, name);
	f = fopen(p, "wb");
	if (f == NULL)
		return;
	if (n > 0 && fwrite(b, 1, n, f) != n)
		__builtin_trap();
	if (fclose(f) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_run one = { .jobs = 1 };
	struct audit_pins pins;
	struct audit_report r;
	struct err e;
	char vkey[300] = "";
	size_t at = 0;

	if (fuzz_setup() != 0)
		__builtin_trap();
	fuzz_clear();
	memset(&pins, 0, sizeof pins);
	/* Sections: "=== NAME\n" at a line's start, then bytes up to the next. */
	while (at < size) {
		const uint8_t *nl;
		char name[64];
		size_t hl, start, end;

		if (size - at < 4 || memcmp(data + at, "=== ", 4) != 0) {
			const uint8_t *m = NULL;

			for (end = at; end + 4 < size; end++)
				if (data[end] == '\n' && memcmp(data + end + 1, "=== ", 4) == 0) {
					m = data + end + 1;
					break;
				}
			if (m == NULL)
				break;
			at = (size_t)(m - data);
			continue;
		}
		nl = memchr(data + at, '\n', size - at);
		if (nl == NULL)
			break;
		hl = (size_t)(nl - (data + at)) - 4;
		start = (size_t)(nl - data) + 1;
		for (end = start; end < size; end++)
			if ((end == start || data[end - 1] == '\n') && size - end >= 4 && memcmp(data + end, "=== ", 4) == 0)
				break;
		if (hl < sizeof name) {
			memcpy(name, data + at + 4, hl);
			name[hl] = '\0';
			if (fuzz_name_ok(name)) {
				fuzz_write(name, data + start, end - start);
			} else if (strcmp(name, "pin") == 0) {
				const uint8_t *vn = memchr(data + start, '\n', end - start);
				size_t vl = vn != NULL ? (size_t)(vn - (data + start)) : end - start;

				if (vl < sizeof vkey) {
					memcpy(vkey, data + start, vl);
					vkey[vl] = '\0';
					pins.vkey = vkey;
				}
			} else if (strcmp(name, "allow-unsigned-tail") == 0) {
				pins.allow_unsigned_tail = 1;
			}
		}
		at = end;
	}
	memset(&e, 0, sizeof e);
	/* One thread: the workers' start and stop would cost more than a small bundle's check. */
	if (audit_verify_bundle_run(fuzz_dir, &pins, &one, &r, &e) != 0) {
		if (e.msg[0] == '\0')
			__builtin_trap(); /* every refusal says why */
	} else if (r.ledger.verified > r.ledger.entries || r.ledger.entries < 0) {
		__builtin_trap(); /* a bundle that verified adds up */
	}
	return 0;
}
