/* sock: one command to HAProxy's runtime API over its Unix or TCP stats socket, in non-interactive mode (a connection per command; HAProxy closes it after answering), every step under one deadline. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "plugins/haproxy/hap.h"

static int64_t hap_sock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int hap_sock_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = deadline - hap_sock_ms();
		if (left <= 0)
			return 0;
		rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* A socket connected to c's address, or -1 with err saying why in words a
 * reader can act on (missing, refusing, not answering). */
static int hap_sock_connect(const struct hap_config *c, int64_t deadline, char *err, size_t errn)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, rc, e = 0;
	socklen_t el = sizeof e;

	memset(&ss, 0, sizeof ss);
	if (!c->tcp) {
		struct sockaddr_un *sa = (struct sockaddr_un *)&ss;
		size_t pl = strlen(c->socket);

		sa->sun_family = AF_UNIX;
		/* config.c kept it shorter than sun_path. */
		if (pl >= sizeof sa->sun_path)
			return hap_err(err, errn, "HAProxy socket %s: the path is too long", c->socket);
		memcpy(sa->sun_path, c->socket, pl + 1);
		sl = (socklen_t)sizeof *sa;
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;

		rc = getaddrinfo(c->host, c->port, &hints, &ai);
		if (rc != 0)
			return hap_err(err, errn, "HAProxy socket %s: %s", c->socket, gai_strerror(rc));
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		sl = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hap_err(err, errn, "HAProxy socket %s: cannot make a socket: %s", c->socket, strerror(errno));
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	/* A Unix socket whose backlog is full (HAProxy frozen or swamped) says
	 * EAGAIN and is not connecting: try again until the deadline. */
	while (rc != 0 && errno == EAGAIN && !c->tcp) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (hap_sock_ms() >= deadline) {
			close(fd);
			return hap_err(err, errn, "HAProxy socket %s: no connection within %ld s (its backlog is full)",
				       c->socket, c->timeout);
		}
		nanosleep(&ts, NULL);
		rc = connect(fd, (struct sockaddr *)&ss, sl);
	}
	if (rc != 0 && errno == EINPROGRESS) {
		rc = hap_sock_wait(fd, POLLOUT, deadline);
		if (rc == 0) {
			close(fd);
			return hap_err(err, errn, "HAProxy socket %s: no connection within %ld s", c->socket, c->timeout);
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (e != 0) {
			errno = e;
			rc = -1;
		} else
			rc = 0;
	}
	if (rc != 0) {
		e = errno;
		close(fd);
		if (e == ENOENT)
			return hap_err(err, errn,
				       "HAProxy socket %s does not exist (is HAProxy running with 'stats socket %s level admin'?)",
				       c->socket, c->socket);
		if (e == ECONNREFUSED)
			return hap_err(err, errn, "HAProxy socket %s refuses connections (nothing listens on it%s)", c->socket,
				       c->tcp ? "" : ", or it is not a socket");
		return hap_err(err, errn, "HAProxy socket %s: %s", c->socket, strerror(e));
	}
	return fd;
}

int hap_command(const struct hap_config *c, const char *cmd, char **out, size_t *outlen, char *err, size_t errn)
{
	int64_t deadline = hap_sock_ms() + (int64_t)c->timeout * 1000;
	char line[512], *buf = NULL;
	size_t len, off = 0, cap = 0, got = 0;
	int fd, rc;

	*out = NULL;
	*outlen = 0;
	len = (size_t)snprintf(line, sizeof line, "%s\n", cmd);
	if (len >= sizeof line)
		return hap_err(err, errn, "the command '%.40s...' is too long", cmd);
	fd = hap_sock_connect(c, deadline, err, errn);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w;

		rc = hap_sock_wait(fd, POLLOUT, deadline);
		if (rc <= 0)
			goto stalled;
		w = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0) {
			hap_err(err, errn, "HAProxy socket %s: sending '%s': %s", c->socket, cmd, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	/* The answer runs until HAProxy closes the connection. */
	for (;;) {
		ssize_t r;

		if (got >= HAP_MAX_REPLY) {
			hap_err(err, errn, "HAProxy socket %s: the answer to '%s' is larger than %u MiB", c->socket, cmd,
				HAP_MAX_REPLY >> 20);
			goto fail;
		}
		if (cap - got < 4096 && cap < HAP_MAX_REPLY + 1) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > HAP_MAX_REPLY + 1)
				ncap = HAP_MAX_REPLY + 1;
			nb = realloc(buf, ncap);
			if (nb == NULL) {
				hap_err(err, errn, "out of memory reading the answer to '%s'", cmd);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		rc = hap_sock_wait(fd, POLLIN, deadline);
		if (rc <= 0)
			goto stalled;
		r = recv(fd, buf + got, cap - got - 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			hap_err(err, errn, "HAProxy socket %s: reading the answer to '%s': %s", c->socket, cmd,
				strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
stalled:
	if (rc == 0)
		hap_err(err, errn, "HAProxy socket %s: no answer to '%s' within %ld s", c->socket, cmd, c->timeout);
	else
		hap_err(err, errn, "HAProxy socket %s: waiting for '%s': %s", c->socket, cmd, strerror(errno));
fail:
	close(fd);
	free(buf);
	return -1;
}
