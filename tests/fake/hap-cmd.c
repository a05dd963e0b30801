/* hap-cmd: the HAProxy tests' socket tool (no socat here): one runtime API command to a socket, free 127.0.0.1 ports, and a fake admin socket answering fixed text. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

static int usage(void)
{
	fprintf(stderr, "usage: hap-cmd SOCKET COMMAND   (SOCKET: a path or 127.0.0.1:PORT; prints the answer)\n"
			"       hap-cmd -p [N]           (prints N free 127.0.0.1 TCP ports)\n"
			"       hap-cmd -l PATH TEXT     (a fake admin socket at PATH answering TEXT to every connection)\n");
	return 2;
}

/* N distinct ports: all held bound until every one is known. */
static int ports(int n)
{
	int fds[64], i;

	if (n < 1 || n > 64)
		return usage();
	for (i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof sa;

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &sl) != 0) {
			perror("hap-cmd: port");
			return 1;
		}
		printf("%d\n", ntohs(sa.sin_port));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}

static int fake(const char *path, const char *text)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, c;

	if (strlen(path) >= sizeof sa.sun_path)
		return usage();
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
		perror("hap-cmd: listen");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		char buf[512];

		c = accept(fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("hap-cmd: accept");
			return 1;
		}
		/* The command first, as HAProxy reads it, then the answer and the close. */
		if (read(c, buf, sizeof buf) < 0 || write(c, text, strlen(text)) < 0)
			perror("hap-cmd: answer");
		close(c);
	}
}

static int command(const char *where, const char *cmd)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char buf[65536];
	ssize_t r;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (where[0] == '/') {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;

		if (strlen(where) >= sizeof su->sun_path)
			return usage();
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, where, strlen(where) + 1);
		sl = sizeof *su;
	} else {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(where, ':');
		char host[64];

		if (colon == NULL || (size_t)(colon - where) >= sizeof host)
			return usage();
		snprintf(host, sizeof host, "%.*s", (int)(colon - where), where);
		si->sin_family = AF_INET;
		si->sin_port = htons((unsigned short)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &si->sin_addr) != 1)
			return usage();
		sl = sizeof *si;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		fprintf(stderr, "hap-cmd: %s: %s\n", where, strerror(errno));
		return 1;
	}
	if (dprintf(fd, "%s\n", cmd) < 0) {
		fprintf(stderr, "hap-cmd: sending: %s\n", strerror(errno));
		return 1;
	}
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			return 1;
	close(fd);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "-p") == 0)
		return ports(argc > 2 ? atoi(argv[2]) : 1);
	if (argc == 4 && strcmp(argv[1], "-l") == 0)
		return fake(argv[2], argv[3]);
	if (argc != 3)
		return usage();
	return command(argv[1], argv[2]);
}
