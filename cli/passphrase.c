/* passphrase: reads a passphrase from a private file, STEWARD_PASSPHRASE or a no-echo /dev/tty prompt into wiped memory. */
#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "keys.h"

#define PASSPHRASE_ENV "STEWARD_PASSPHRASE"
#define PASSPHRASE_CAP (PASSPHRASE_MAX + 2) /* room for one byte too many and the NUL */

/* ---- memory ---- */

static int passphrase_alloc(struct passphrase *p, struct err *e)
{
	p->len = 0;
	p->buf = sodium_malloc(PASSPHRASE_CAP);
	if (p->buf == NULL)
		return err_set(e, ERR_IO, "out of secure memory for the passphrase");
	sodium_memzero(p->buf, PASSPHRASE_CAP);
	return 0;
}

void passphrase_free(struct passphrase *p)
{
	if (p == NULL)
		return;
	if (p->buf != NULL)
		sodium_free(p->buf); /* wipes before releasing */
	p->buf = NULL;
	p->len = 0;
}

/* ---- --passphrase-file ---- */

static int passphrase_from_file(const char *path, struct passphrase *out, struct err *e)
{
	char q[160];
	struct stat sb;
	size_t n = 0;
	ssize_t r = 0;
	char *nl;
	int fd;

	cli_quote(path, q, sizeof q);
	/* O_NONBLOCK: a FIFO given by mistake must not hang the open; only
	 * regular files get past fstat anyway. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
			       "cannot open passphrase file %s: %s", q, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		int saved = errno;

		close(fd);
		return err_set(e, ERR_IO, "cannot read passphrase file %s: %s", q, strerror(saved));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, ERR_INVALID, "passphrase file %s is not a regular file", q);
	}
	if (sb.st_mode & 077) {
		close(fd);
		return err_set(e, ERR_DENIED,
			       "passphrase file %s has mode %04o: other users can get at it; run chmod 600 %s",
			       q, (unsigned)(sb.st_mode & 07777), q);
	}
	if (passphrase_alloc(out, e) != 0) {
		close(fd);
		return -1;
	}
	while (n < PASSPHRASE_CAP - 1) {
		r = read(fd, out->buf + n, PASSPHRASE_CAP - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (r < 0) {
		int saved = errno;

		close(fd);
		passphrase_free(out);
		return err_set(e, ERR_IO, "cannot read passphrase file %s: %s", q, strerror(saved));
	}
	close(fd);
	out->buf[n] = '\0';
	nl = memchr(out->buf, '\n', n);
	if (nl == NULL && n >= PASSPHRASE_CAP - 1) {
		passphrase_free(out);
		return err_set(e, ERR_INVALID, "passphrase file %s: the first line is longer than %d bytes",
			       q, PASSPHRASE_MAX);
	}
	out->len = nl != NULL ? (size_t)(nl - out->buf) : n;
	/* A file saved with CRLF line ends: the \r is not part of the passphrase. */
	if (out->len > 0 && out->buf[out->len - 1] == '\r')
		out->len--;
	sodium_memzero(out->buf + out->len, PASSPHRASE_CAP - out->len);
	if (out->len > PASSPHRASE_MAX) {
		passphrase_free(out);
		return err_set(e, ERR_INVALID, "passphrase file %s: the first line is longer than %d bytes",
			       q, PASSPHRASE_MAX);
	}
	if (out->len == 0) {
		passphrase_free(out);
		return err_set(e, ERR_INVALID,
			       "passphrase file %s is empty (its first line must hold the passphrase)", q);
	}
	if (memchr(out->buf, '\0', out->len) != NULL) {
		passphrase_free(out);
		return err_set(e, ERR_INVALID, "passphrase file %s holds a NUL byte", q);
	}
	return 0;
}

/* ---- STEWARD_PASSPHRASE ---- */

static int passphrase_from_env(const char *v, struct passphrase *out, struct err *e)
{
	size_t len = strlen(v);

	if (len == 0)
		return err_set(e, ERR_INVALID, PASSPHRASE_ENV " is set but empty");
	if (len > PASSPHRASE_MAX)
		return err_set(e, ERR_INVALID, PASSPHRASE_ENV " is longer than %d bytes", PASSPHRASE_MAX);
	if (passphrase_alloc(out, e) != 0)
		return -1;
	memcpy(out->buf, v, len);
	out->len = len;
	return 0;
}

/* ---- the terminal ---- */

/* The signal a prompt was interrupted by, 0 for none. The handler only
 * records it: the terminal is restored and the signal delivered again
 * once echo is back on, so Ctrl-C, Ctrl-Z and kill never leave a
 * terminal that does not echo. */
static volatile sig_atomic_t passphrase_signo;

static void passphrase_catch(int signo)
{
	passphrase_signo = signo;
}

static const int passphrase_sigs[] = {
	SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
};
#define PASSPHRASE_NSIGS (sizeof passphrase_sigs / sizeof passphrase_sigs[0])

static int passphrase_write(int fd, const char *s)
{
	size_t off = 0, len = strlen(s);

	while (off < len) {
		ssize_t w = write(fd, s + off, len - off);

		if (w < 0 && errno == EINTR && passphrase_signo == 0)
			continue;
		if (w == 0)
			errno = EIO;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static void passphrase_restore_sigs(const struct sigaction *saved, size_t n)
{
	size_t i;

	/* Putting back a disposition sigaction gave us cannot fail. */
	for (i = 0; i < n; i++)
		(void)sigaction(passphrase_sigs[i], &saved[i], NULL);
}

/* Shows prompt on the terminal fd and reads one line with echo off into
 * p (which has PASSPHRASE_CAP bytes). */
static int passphrase_read_tty(int fd, const char *prompt, struct passphrase *p, struct err *e)
{
	struct sigaction sa, saved[PASSPHRASE_NSIGS];
	struct termios old, quiet;
	int too_long, eol, rerr, werr, terr, signo;
	size_t i, n;
	ssize_t r;
	char ch;

restart:
	passphrase_signo = 0;
	too_long = eol = rerr = werr = terr = 0;
	n = 0;
	if (tcgetattr(fd, &old) != 0)
		return err_set(e, ERR_IO, "cannot read the terminal's settings: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = passphrase_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a signal must end the read */
	for (i = 0; i < PASSPHRASE_NSIGS; i++)
		if (sigaction(passphrase_sigs[i], &sa, &saved[i]) != 0) {
			int saved_errno = errno;

			passphrase_restore_sigs(saved, i);
			return err_set(e, ERR_IO, "cannot set up signal handling: %s",
				       strerror(saved_errno));
		}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON | ISIG;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		terr = errno;
		goto restore; /* a background job gets SIGTTOU here: handled below */
	}
	if (passphrase_write(fd, prompt) != 0) {
		werr = errno;
		goto echo;
	}
	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR && passphrase_signo == 0)
			continue;
		if (r < 0) {
			rerr = errno;
			break;
		}
		if (r == 0)
			break;
		if (ch == '\n' || ch == '\r') {
			eol = 1;
			break;
		}
		if (n < PASSPHRASE_MAX)
			p->buf[n++] = ch;
		else
			too_long = 1;
	}
	sodium_memzero(&ch, sizeof ch);
	/* Echo was off, so the user's Enter left the cursor on the prompt line. */
	if (passphrase_write(fd, "\n") != 0)
		werr = errno;
echo:
	while (tcsetattr(fd, TCSAFLUSH, &old) != 0) {
		if (errno == EINTR)
			continue;
		terr = errno;
		break;
	}
restore:
	passphrase_restore_sigs(saved, PASSPHRASE_NSIGS);
	signo = passphrase_signo;
	if (signo != 0) {
		sodium_memzero(p->buf, PASSPHRASE_CAP);
		p->len = 0;
		/* Delivered now with the caller's disposition: Ctrl-C ends the
		 * program with its usual status, Ctrl-Z stops it. */
		if (kill(getpid(), signo) != 0)
			return err_set(e, ERR_IO, "passphrase prompt interrupted");
		if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU)
			goto restart; /* continued: ask again */
		return err_set(e, ERR_IO, "passphrase prompt interrupted by signal %d", signo);
	}
	p->buf[n] = '\0';
	p->len = n;
	if (terr != 0)
		return err_set(e, ERR_IO, "cannot change the terminal's echo setting: %s",
			       strerror(terr));
	if (werr != 0)
		return err_set(e, ERR_IO, "cannot write the prompt to the terminal: %s",
			       strerror(werr));
	if (rerr != 0)
		return err_set(e, ERR_IO, "cannot read the passphrase from the terminal: %s",
			       strerror(rerr));
	if (too_long)
		return err_set(e, ERR_INVALID, "passphrase is longer than %d bytes", PASSPHRASE_MAX);
	if (!eol && n == 0)
		return err_set(e, ERR_INVALID, "no passphrase: the terminal input ended");
	if (n == 0)
		return err_set(e, ERR_INVALID, "empty passphrase: type one, then Enter");
	return 0;
}

static int passphrase_from_tty(enum passphrase_use use, const char *prompt,
			       struct passphrase *out, struct err *e)
{
	struct passphrase again = { 0 };
	int fd, rc = -1;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_INVALID,
			       "no passphrase: set " PASSPHRASE_ENV
			       ", give --passphrase-file, or run on a terminal");
	if (passphrase_alloc(out, e) != 0)
		goto out;
	if (passphrase_read_tty(fd, prompt, out, e) != 0)
		goto out;
	if (use == PASSPHRASE_CREATE) {
		/* Said before the second prompt, not after both. */
		if (keys_pass_check(out->buf, out->len, e) != 0)
			goto out;
		if (passphrase_alloc(&again, e) != 0)
			goto out;
		if (passphrase_read_tty(fd, "Same passphrase again: ", &again, e) != 0)
			goto out;
		if (again.len != out->len || sodium_memcmp(again.buf, out->buf, out->len) != 0) {
			err_set(e, ERR_INVALID, "the two passphrases typed differ");
			goto out;
		}
	}
	rc = 0;
out:
	passphrase_free(&again);
	if (rc != 0)
		passphrase_free(out);
	close(fd);
	return rc;
}

int passphrase_get(const char *file, enum passphrase_use use, const char *prompt,
		   struct passphrase *out, struct err *e)
{
	const char *env = NULL;

	out->buf = NULL;
	out->len = 0;
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (file != NULL || (env = getenv(PASSPHRASE_ENV)) != NULL) {
		if ((file != NULL ? passphrase_from_file(file, out, e) : passphrase_from_env(env, out, e)) != 0)
			return -1;
		/* Only a passphrase that seals a key must be long: opening an
		 * existing key takes the one it was sealed with. */
		if (use == PASSPHRASE_CREATE && keys_pass_check(out->buf, out->len, e) != 0) {
			passphrase_free(out);
			return err_prefix(e, "%s", file != NULL ? file : PASSPHRASE_ENV);
		}
		return 0;
	}
	/* Only when the user is at a terminal: a script with its input
	 * redirected must fail at once, not wait on a prompt nobody sees. */
	if (!isatty(STDIN_FILENO))
		return err_set(e, ERR_INVALID,
			       "no passphrase: set " PASSPHRASE_ENV
			       ", give --passphrase-file, or run on a terminal");
	return passphrase_from_tty(use, prompt, out, e);
}
