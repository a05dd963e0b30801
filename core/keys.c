/* keys: key files on disk: sealed seeds under a passphrase, public keys, signing and verifying. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "file.h"

#define KEYS_MAGIC_SK "steward secret key v1\n"
#define KEYS_MAGIC_PK "steward public key v1\n"
#define KEYS_SALT crypto_pwhash_SALTBYTES
#define KEYS_SEED crypto_sign_SEEDBYTES
#define KEYS_FILE_MAX 4096
/* Bounds on the limits a file may ask for, so a hostile key file cannot
 * make us spend minutes or gigabytes before the passphrase is checked:
 * SENSITIVE (4 passes, 1 GiB) and a little more fit, and memory is also
 * held to half of what the machine has. */
#define KEYS_OPS_MAX 16ULL
#define KEYS_MEM_MAX (4096ULL * 1024 * 1024)
/* The wrong-passphrase wait: doubles from KEYS_WAIT_BASE_MS up to this. */
#define KEYS_WAIT_BASE_MS 1000U
#define KEYS_WAIT_MAX_MS 30000U

static unsigned keys_wrong_n, keys_wrong_ms;
static int keys_wait_off, keys_wait_deferred;
/* When the wait is deferred: the next passphrase is tried no sooner. */
static struct timespec keys_next_try;

void keys_wrong_wait_off(void)
{
	keys_wait_off = 1;
}

void keys_wrong_wait_defer(void)
{
	keys_wait_deferred = 1;
}

/* In microseconds: whole milliseconds would let the wait end up to one
 * short of what it promised. */
static int64_t keys_mono_us(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

unsigned keys_wrong_wait_left_ms(void)
{
	int64_t until = (int64_t)keys_next_try.tv_sec * 1000000 + keys_next_try.tv_nsec / 1000, now;

	if (!keys_wait_deferred || until == 0)
		return 0;
	now = keys_mono_us();
	/* Rounded up: a wait never ends early. */
	return now >= until ? 0 : (unsigned)((until - now + 999) / 1000);
}

/* A deferred wait is still a wait: a passphrase tried before it is over
 * (a caller that did not hold its prompt back) sleeps out the rest first,
 * so no process tries faster than the wait allows. */
static void keys_wrong_hold(void)
{
	unsigned left = keys_wrong_wait_left_ms();
	struct timespec t;

	if (left == 0)
		return;
	t.tv_sec = left / 1000;
	t.tv_nsec = (long)(left % 1000) * 1000000L;
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* The tests' build (STEWARD_TEST_CLOCK, as store.c) reads a few knobs
 * from the environment so that the suites stay fast; the release build
 * never looks, so nobody can weaken a real key file or the wait. */
static const char *keys_test_env(const char *name)
{
#ifdef STEWARD_TEST_CLOCK
	return getenv(name);
#else
	(void)name;
	return NULL;
#endif
}

void keys_kdf_limits(unsigned long long *ops, size_t *mem)
{
	const char *t = keys_test_env("STEWARD_TEST_KDF");

	*ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
	*mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
	if (t != NULL && strcmp(t, "fast") == 0) {
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	}
}

/* The most memory a key file may ask Argon2id for on this machine. */
static unsigned long long keys_mem_max(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	unsigned long long half;

	if (pages <= 0 || size <= 0)
		return KEYS_MEM_MAX;
	half = (unsigned long long)pages * (unsigned long long)size / 2;
	return half < KEYS_MEM_MAX ? half : KEYS_MEM_MAX;
}

unsigned keys_wrong_wait_ms(unsigned n)
{
	const char *t = keys_test_env("STEWARD_TEST_WAIT_MS");
	unsigned long long ms = KEYS_WAIT_BASE_MS;
	char *end;

	if (n == 0)
		return 0;
	if (t != NULL && t[0] != '\0') {
		unsigned long v = strtoul(t, &end, 10);

		if (*end == '\0' && v <= KEYS_WAIT_MAX_MS)
			ms = v;
	}
	for (; n > 1 && ms < KEYS_WAIT_MAX_MS; n--)
		ms *= 2;
	return ms < KEYS_WAIT_MAX_MS ? (unsigned)ms : KEYS_WAIT_MAX_MS;
}

unsigned keys_wrong_count(void)
{
	return keys_wrong_n;
}

unsigned keys_wrong_last_ms(void)
{
	return keys_wrong_ms;
}

/* Holds back the answer to a wrong passphrase, longer each time in a
 * row, so a process that may retry (the console) cannot be used to guess
 * quickly; the Argon2id cost is what protects a stolen file. */
static void keys_wrong_wait(void)
{
	struct timespec left;

	if (keys_wrong_n < 1000)
		keys_wrong_n++;
	keys_wrong_ms = keys_wait_off ? 0 : keys_wrong_wait_ms(keys_wrong_n);
	if (keys_wait_deferred) {
		int64_t until = keys_mono_us() + (int64_t)keys_wrong_ms * 1000;

		keys_next_try.tv_sec = (time_t)(until / 1000000);
		keys_next_try.tv_nsec = (long)(until % 1000000) * 1000L;
		return;
	}
	left.tv_sec = keys_wrong_ms / 1000;
	left.tv_nsec = (long)(keys_wrong_ms % 1000) * 1000000L;
	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

int keys_no_dumps(struct err *e)
{
	struct rlimit none = { 0, 0 };

	/* Not dumpable also keeps other processes of the same user from
	 * ptrace-attaching and reading the key. Never turned back on. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return err_set(e, ERR_IO, "cannot turn core dumps off: %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return err_set(e, ERR_IO, "cannot set the core size limit to 0: %s", strerror(errno));
	return 0;
}

int keys_pass_check(const char *pass, size_t passlen, struct err *e)
{
	size_t i, chars = 0;

	if (passlen > KEYS_PASS_MAX)
		return err_set(e, ERR_INVALID, "passphrase is longer than %d bytes", KEYS_PASS_MAX);
	/* Characters, not bytes: every byte but a UTF-8 continuation starts one. */
	for (i = 0; i < passlen; i++)
		if (((unsigned char)pass[i] & 0xC0) != 0x80)
			chars++;
	if (chars < KEYS_PASS_MIN)
		return err_set(e, ERR_INVALID,
			       "passphrase is too short: %zu characters, at least %d are needed "
			       "(any characters, spaces too: a few words make a good one)",
			       chars, KEYS_PASS_MIN);
	return 0;
}

void keys_id(const uint8_t pk[KEYS_PK_BYTES], char out[KEYS_ID_HEX + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, KEYS_PK_BYTES);
	sodium_bin2hex(out, KEYS_ID_HEX + 1, h, KEYS_ID_HEX / 2);
}

/* The KDF line; written in the header and again inside the sealed part,
 * so a header edited to weaker limits is caught after opening. */
static int keys_kdf_line(char *buf, size_t n, unsigned long long ops, size_t mem,
			 const uint8_t salt[KEYS_SALT], const char *name)
{
	char salthex[2 * KEYS_SALT + 1];
	int r;

	sodium_bin2hex(salthex, sizeof salthex, salt, KEYS_SALT);
	r = snprintf(buf, n, "kdf: argon2id13 ops=%llu mem=%zu salt=%s name=%s\n", ops, mem,
		     salthex, name);
	return (r < 0 || (size_t)r >= n) ? -1 : r;
}

static int keys_write_file(const char *path, const char *data, size_t len, mode_t mode,
			   struct err *e)
{
	char tmp[4200];
	int fd;
	size_t off = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return err_set(e, ERR_INVALID, "key path %s is too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(e, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* link() refuses an existing target: a key is never silently replaced. */
	if (link(tmp, path) != 0) {
		err_set(e, ERR_EXISTS, "cannot create %s: %s", path,
			errno == EEXIST ? "it already exists (keys are never overwritten)"
					: strerror(errno));
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	return 0;
}

int keys_format_public(const struct key_public *k, char *buf, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int r;

	sodium_bin2base64(b64, sizeof b64, k->pk, KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL);
	r = snprintf(buf, n, KEYS_MAGIC_PK "name: %s\ned25519: %s\n", k->name, b64);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

int keys_generate(const char *name, const char *path, const char *pass, size_t passlen,
		  struct err *e)
{
	return keys_generate_open(name, path, pass, passlen, NULL, e);
}

int keys_generate_open(const char *name, const char *path, const char *pass, size_t passlen,
		       struct key_secret **out, struct err *e)
{
	unsigned long long ops;
	size_t mem;
	uint8_t salt[KEYS_SALT], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t *key = NULL, *plain = NULL, *seed = NULL, *sk = NULL;
	char line[300], pubpath[4200], file[KEYS_FILE_MAX], pubtext[300];
	char noncehex[2 * sizeof nonce + 1];
	char *b64 = NULL;
	uint8_t sealed[512];
	struct key_public pub;
	size_t llen, plen, b64len;
	int r = -1;

	if (out != NULL)
		*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (check_name("key name", name, KEYS_NAME_MAX, e) != 0)
		return -1;
	if (keys_pass_check(pass, passlen, e) != 0)
		return -1;
	if (keys_no_dumps(e) != 0)
		return -1;
	keys_kdf_limits(&ops, &mem);
	if (snprintf(pubpath, sizeof pubpath, "%s.pub", path) >= (int)sizeof pubpath)
		return err_set(e, ERR_INVALID, "key path %s is too long", path);
	if (access(path, F_OK) == 0 || access(pubpath, F_OK) == 0)
		return err_set(e, ERR_EXISTS, "%s or %s already exists (keys are never overwritten)",
			       path, pubpath);
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	if (keys_kdf_line(line, sizeof line, ops, mem, salt, name) < 0)
		return err_set(e, ERR_INVALID, "key name is too long");
	llen = strlen(line);
	plen = llen + KEYS_SEED;
	key = sodium_malloc(crypto_secretbox_KEYBYTES);
	plain = sodium_malloc(plen);
	seed = sodium_malloc(KEYS_SEED);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!key || !plain || !seed || !sk) {
		err_set(e, ERR_IO, "out of secure memory");
		goto out;
	}
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, passlen, salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		err_set(e, ERR_IO, "out of memory deriving the key from the passphrase");
		goto out;
	}
	randombytes_buf(seed, KEYS_SEED);
	crypto_sign_seed_keypair(pub.pk, sk, seed);
	memcpy(plain, line, llen);
	memcpy(plain + llen, seed, KEYS_SEED);
	if (plen + crypto_secretbox_MACBYTES > sizeof sealed) {
		err_set(e, ERR_INVALID, "key name is too long");
		goto out;
	}
	crypto_secretbox_easy(sealed, plain, plen, nonce, key);
	b64len = sodium_base64_ENCODED_LEN(plen + crypto_secretbox_MACBYTES,
					   sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	if (b64 == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	sodium_bin2base64(b64, b64len, sealed, plen + crypto_secretbox_MACBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2hex(noncehex, sizeof noncehex, nonce, sizeof nonce);
	if (snprintf(file, sizeof file, KEYS_MAGIC_SK "%snonce: %s\nsealed: %s\n", line, noncehex,
		     b64) >= (int)sizeof file) {
		err_set(e, ERR_INVALID, "key file would be too large");
		goto out;
	}
	snprintf(pub.name, sizeof pub.name, "%s", name);
	if (keys_format_public(&pub, pubtext, sizeof pubtext) != 0) {
		err_set(e, ERR_INVALID, "key name is too long");
		goto out;
	}
	if (keys_write_file(path, file, strlen(file), 0600, e) != 0)
		goto out;
	if (keys_write_file(pubpath, pubtext, strlen(pubtext), 0644, e) != 0) {
		unlink(path); /* never leave half a key pair behind */
		goto out;
	}
	if (out != NULL) {
		/* The key in hand: opening the file again would cost a second
		 * Argon2id run for the same seed. */
		struct key_secret *k = calloc(1, sizeof *k);

		if (k == NULL || (k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
			free(k);
			err_set(e, ERR_IO, "out of secure memory (the key pair %s was written)", path);
			goto out;
		}
		memcpy(k->sk, sk, crypto_sign_SECRETKEYBYTES);
		memcpy(k->pk, pub.pk, sizeof k->pk);
		snprintf(k->name, sizeof k->name, "%s", name);
		keys_id(k->pk, k->id);
		*out = k;
	}
	r = 0;
out:
	sodium_free(key);
	sodium_free(plain);
	sodium_free(seed);
	sodium_free(sk);
	free(b64);
	sodium_memzero(sealed, sizeof sealed);
	return r;
}

/* Reads a whole small file; refuses anything over KEYS_FILE_MAX, and
 * anything but a regular file before reading (a FIFO would hang). */
static int keys_read(const char *path, char *buf, size_t n, size_t *len, struct stat *sb,
		     struct err *e)
{
	int fd = file_open(path, "key file", 0, sb, e);
	ssize_t r;
	size_t off = 0;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + off, n - 1 - off)) > 0)
		off += (size_t)r;
	close(fd);
	if (r < 0)
		return err_set(e, ERR_IO, "cannot read key file %s: %s", path, strerror(errno));
	if (off >= n - 1)
		return err_set(e, ERR_INVALID, "key file %s is too large to be a steward key", path);
	buf[off] = '\0';
	*len = off;
	return 0;
}

/* Finds "field: value\n" at *p and moves *p past it. */
static int keys_field(char **p, const char *field, char **value)
{
	size_t fl = strlen(field);
	char *nl;

	if (strncmp(*p, field, fl) != 0 || strncmp(*p + fl, ": ", 2) != 0)
		return -1;
	nl = strchr(*p, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	*value = *p + fl + 2;
	*p = nl + 1;
	return 0;
}

/* The parsed header of a secret key file: everything but the sealed seed's plaintext. */
struct keys_sk_header {
	unsigned long long ops;
	size_t mem;
	uint8_t salt[KEYS_SALT];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t sealed[512];
	size_t sealedlen;
	char name[KEYS_NAME_MAX + 1];
	char line[300]; /* the kdf line, as keys_kdf_line writes it */
};

/* Parses the text of a secret key file (buf, NUL-terminated, modified in
 * place); checks magic, kdf line, limits, salt, nonce and the sealed
 * part's encoding. Needs no passphrase. */
static int keys_parse_secret(const char *path, char *buf, struct keys_sk_header *h,
			     struct err *e)
{
	char salthex[2 * KEYS_SALT + 1];
	char *p = buf, *kdf, *noncev, *sealedv;
	size_t bin;
	int n;

	if (strncmp(buf, KEYS_MAGIC_PK, strlen(KEYS_MAGIC_PK)) == 0)
		return err_set(e, ERR_INVALID, "%s is a public key; a secret key file is needed", path);
	if (strncmp(buf, KEYS_MAGIC_SK, strlen(KEYS_MAGIC_SK)) != 0)
		return err_set(e, ERR_INVALID, "%s is not a steward secret key file", path);
	p += strlen(KEYS_MAGIC_SK);
	if (keys_field(&p, "kdf", &kdf) != 0 || keys_field(&p, "nonce", &noncev) != 0 ||
	    keys_field(&p, "sealed", &sealedv) != 0)
		return err_set(e, ERR_INVALID,
			       "key file %s is truncated or damaged (expected kdf, nonce and sealed lines)",
			       path);
	n = -1;
	if (sscanf(kdf, "argon2id13 ops=%llu mem=%zu salt=%32[0-9a-f] name=%100[A-Za-z0-9._-]%n",
		   &h->ops, &h->mem, salthex, h->name, &n) != 4 ||
	    n < 0 || kdf[n] != '\0')
		return err_set(e, ERR_INVALID, "key file %s: kdf line is not argon2id13 with ops, mem, salt and name",
			       path);
	if (h->ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || h->ops > KEYS_OPS_MAX ||
	    h->mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || h->mem > keys_mem_max())
		return err_set(e, ERR_INVALID,
			       "key file %s: kdf limits ops=%llu mem=%zu are out of range "
			       "(ops %llu to %llu, mem %zu to %llu bytes on this machine)",
			       path, h->ops, h->mem, (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_MIN,
			       KEYS_OPS_MAX, (size_t)crypto_pwhash_argon2id_MEMLIMIT_MIN, keys_mem_max());
	if (sodium_hex2bin(h->salt, sizeof h->salt, salthex, strlen(salthex), NULL, &bin, NULL) != 0 ||
	    bin != sizeof h->salt ||
	    sodium_hex2bin(h->nonce, sizeof h->nonce, noncev, strlen(noncev), NULL, &bin, NULL) != 0 ||
	    bin != sizeof h->nonce)
		return err_set(e, ERR_INVALID, "key file %s: salt or nonce is damaged", path);
	if (keys_kdf_line(h->line, sizeof h->line, h->ops, h->mem, h->salt, h->name) < 0)
		return err_set(e, ERR_INVALID, "key file %s: kdf line too long", path);
	if (sodium_base642bin(h->sealed, sizeof h->sealed, sealedv, strlen(sealedv), NULL,
			      &h->sealedlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    h->sealedlen < crypto_secretbox_MACBYTES + KEYS_SEED)
		return err_set(e, ERR_INVALID, "key file %s: sealed part is truncated or damaged", path);
	return 0;
}

int keys_file_kind(const char *path, struct err *e)
{
	char buf[KEYS_FILE_MAX];
	struct stat sb;
	size_t len;

	if (keys_read(path, buf, sizeof buf, &len, &sb, e) != 0)
		return -1;
	if (strncmp(buf, KEYS_MAGIC_SK, strlen(KEYS_MAGIC_SK)) == 0)
		return KEYS_KIND_SECRET;
	if (strncmp(buf, KEYS_MAGIC_PK, strlen(KEYS_MAGIC_PK)) == 0)
		return KEYS_KIND_PUBLIC;
	if (len == 0)
		return err_set(e, ERR_INVALID, "%s is empty, not a steward key file", path);
	return err_set(e, ERR_INVALID, "%s is not a steward key file", path);
}

int keys_inspect_secret(const char *path, char name[KEYS_NAME_MAX + 1], unsigned *mode,
			struct err *e)
{
	struct keys_sk_header h;
	char buf[KEYS_FILE_MAX];
	struct stat sb;
	size_t len;

	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (keys_read(path, buf, sizeof buf, &len, &sb, e) != 0)
		return -1;
	if (keys_parse_secret(path, buf, &h, e) != 0)
		return -1;
	if (h.sealedlen != crypto_secretbox_MACBYTES + strlen(h.line) + KEYS_SEED)
		return err_set(e, ERR_INVALID,
			       "key file %s: sealed part does not match its kdf line (truncated or edited)",
			       path);
	snprintf(name, KEYS_NAME_MAX + 1, "%s", h.name);
	*mode = (unsigned)(sb.st_mode & 07777);
	return 0;
}

static int keys_unseal(const char *path, char *buf, const char *pass, size_t passlen,
		       struct key_secret **out, struct err *e);

int keys_load_secret(const char *path, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e)
{
	char buf[KEYS_FILE_MAX];
	size_t len;
	struct stat sb;
	int r;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (keys_read(path, buf, sizeof buf, &len, &sb, e) != 0)
		return -1;
	if (sb.st_mode & 077)
		return err_set(e, ERR_DENIED,
			       "key file %s has mode %04o: other users can read it; run chmod 600 %s",
			       path, (unsigned)(sb.st_mode & 07777), path);
	r = keys_unseal(path, buf, pass, passlen, out, e);
	sodium_memzero(buf, sizeof buf);
	return r;
}

int keys_open_secret(const char *text, size_t len, const char *what, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e)
{
	char buf[KEYS_FILE_MAX];
	int r;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (len >= sizeof buf)
		return err_set(e, ERR_INVALID, "key file %s is too large to be a steward key", what);
	memcpy(buf, text, len);
	buf[len] = '\0';
	r = keys_unseal(what, buf, pass, passlen, out, e);
	sodium_memzero(buf, sizeof buf);
	return r;
}

/* Parses a secret key file's text (buf, NUL-terminated, modified in place) and
 * opens its sealed seed with the passphrase. */
static int keys_unseal(const char *path, char *buf, const char *pass, size_t passlen,
		       struct key_secret **out, struct err *e)
{
	struct keys_sk_header h;
	uint8_t *key = NULL, *plain = NULL;
	size_t plainlen;
	struct key_secret *k = NULL;
	int r = -1;

	if (keys_parse_secret(path, buf, &h, e) != 0)
		goto out;
	if (keys_no_dumps(e) != 0)
		goto out;

	key = sodium_malloc(crypto_secretbox_KEYBYTES);
	plain = sodium_malloc(h.sealedlen);
	k = calloc(1, sizeof *k);
	if (!key || !plain || !k || !(k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		err_set(e, ERR_IO, "out of secure memory");
		goto out;
	}
	keys_wrong_hold();
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, passlen, h.salt, h.ops, h.mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		err_set(e, ERR_IO, "out of memory deriving the key from the passphrase");
		goto out;
	}
	if (crypto_secretbox_open_easy(plain, h.sealed, h.sealedlen, h.nonce, key) != 0) {
		keys_wrong_wait();
		err_set(e, ERR_DENIED,
			"wrong passphrase for key file %s (or the file was altered); "
			"wrong %u time%s in a row, held back %u.%03u s",
			path, keys_wrong_n, keys_wrong_n == 1 ? "" : "s", keys_wrong_ms / 1000,
			keys_wrong_ms % 1000);
		goto out;
	}
	keys_wrong_n = 0;
	keys_wrong_ms = 0;
	plainlen = h.sealedlen - crypto_secretbox_MACBYTES;
	if (plainlen != strlen(h.line) + KEYS_SEED || memcmp(plain, h.line, strlen(h.line)) != 0) {
		err_set(e, ERR_INVALID,
			"key file %s: the header does not match its sealed copy (edited kdf line?)", path);
		goto out;
	}
	crypto_sign_seed_keypair(k->pk, k->sk, plain + strlen(h.line));
	snprintf(k->name, sizeof k->name, "%s", h.name);
	keys_id(k->pk, k->id);
	*out = k;
	k = NULL;
	r = 0;
out:
	sodium_free(key);
	if (plain != NULL)
		sodium_free(plain);
	keys_secret_free(k);
	sodium_memzero(&h, sizeof h);
	return r;
}

void keys_secret_free(struct key_secret *k)
{
	if (k == NULL)
		return;
	if (k->sk != NULL)
		sodium_free(k->sk); /* sodium_free wipes before releasing */
	free(k);
}

int keys_parse_public(const char *text, size_t len, const char *what, struct key_public *out,
		      struct err *e)
{
	char buf[KEYS_FILE_MAX], *p = buf, *name, *b64;
	size_t bin;

	if (len >= sizeof buf)
		return err_set(e, ERR_INVALID, "%s is too large to be a steward public key", what);
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strncmp(buf, KEYS_MAGIC_SK, strlen(KEYS_MAGIC_SK)) == 0)
		return err_set(e, ERR_INVALID, "%s is a SECRET key; give the .pub file", what);
	if (strncmp(buf, KEYS_MAGIC_PK, strlen(KEYS_MAGIC_PK)) != 0)
		return err_set(e, ERR_INVALID, "%s is not a steward public key file", what);
	p += strlen(KEYS_MAGIC_PK);
	if (keys_field(&p, "name", &name) != 0 || keys_field(&p, "ed25519", &b64) != 0)
		return err_set(e, ERR_INVALID, "%s is truncated or damaged (expected name and ed25519 lines)",
			       what);
	if (check_name("key name", name, KEYS_NAME_MAX, e) != 0)
		return err_prefix(e, "%s", what);
	if (sodium_base642bin(out->pk, sizeof out->pk, b64, strlen(b64), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != KEYS_PK_BYTES)
		return err_set(e, ERR_INVALID, "%s: ed25519 key is not 32 bytes of base64", what);
	snprintf(out->name, sizeof out->name, "%s", name);
	keys_id(out->pk, out->id);
	return 0;
}

int keys_load_public(const char *path, struct key_public *out, struct err *e)
{
	char buf[KEYS_FILE_MAX];
	struct stat sb;
	size_t len;

	if (keys_read(path, buf, sizeof buf, &len, &sb, e) != 0)
		return -1;
	return keys_parse_public(buf, len, path, out, e);
}

void keys_public_of(const struct key_secret *k, struct key_public *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", k->name);
	memcpy(out->pk, k->pk, sizeof out->pk);
	snprintf(out->id, sizeof out->id, "%s", k->id);
}

void keys_sign(const struct key_secret *k, const void *msg, size_t len,
	       uint8_t sig[KEYS_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, k->sk);
}

static _Thread_local const struct keys_defer *keys_deferred;

void keys_defer_set(const struct keys_defer *d)
{
	keys_deferred = d;
}

int keys_verify_any(const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		    const uint8_t (*sigs)[KEYS_SIG_BYTES], size_t n)
{
	size_t i;

	if (n > 0 && keys_deferred != NULL && keys_deferred->fn(keys_deferred->arg, pk, msg, len, sigs, n) == 1)
		return 1;
	for (i = 0; i < n; i++)
		if (crypto_sign_verify_detached(sigs[i], msg, len, pk) == 0)
			return 1;
	return 0;
}

int keys_verify(const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		const uint8_t sig[KEYS_SIG_BYTES])
{
	return keys_verify_any(pk, msg, len, (const uint8_t(*)[KEYS_SIG_BYTES])sig, 1);
}
