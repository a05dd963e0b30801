/* fake-mlflow: a FAKE tracking server for the faults a real MLflow cannot be made to show (HTTP 500, malformed JSON, a stall, a connection cut mid-sync, an artifact download that stalls, replies that announce more than the plugin takes); used only by tests/integration/mlflow.sh. Each request's first line goes to stderr. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char fake_models[] =
	"{\"registered_models\":[{\"name\":\"fake-model\",\"tags\":[{\"key\":\"steward.tier\",\"value\":\"low\"}],"
	"\"aliases\":[]}]}";

/* One version whose artifacts are a single listed file (slow-download). */
static const char fake_versions[] =
	"{\"model_versions\":[{\"name\":\"fake-model\",\"version\":\"1\",\"source\":\"mlflow-artifacts:/fake/model\","
	"\"run_id\":\"\",\"status\":\"READY\",\"creation_timestamp\":1767225600000,\"last_updated_timestamp\":1767225600000}]}";
static const char fake_listing[] = "{\"files\":[{\"path\":\"MLmodel\",\"is_dir\":false,\"file_size\":10}]}";

static void fake_reply(int fd, int code, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 code, code == 200 ? "OK" : "Internal Server Error", strlen(body));

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		perror("fake-mlflow: write");
}

/* A 200 whose Content-Length is over the plugin's bound, and no body: only
 * a client that refuses on the announced length answers before its timeout. */
static void fake_announce(int fd, unsigned long long len)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %llu\r\nConnection: close\r\n\r\n",
			 len);

	if (write(fd, head, (size_t)n) < 0)
		perror("fake-mlflow: write");
	sleep(30);
}

/* Everything answers but the one artifact file, which stalls, or (huge)
 * is announced at 3 GiB. */
static void fake_download(int fd, const char *req, int huge)
{
	if (strstr(req, "registered-models/search") != NULL)
		fake_reply(fd, 200, fake_models);
	else if (strstr(req, "model-versions/search") != NULL)
		fake_reply(fd, 200, fake_versions);
	else if (strstr(req, "mlflow-artifacts/artifacts?path=") != NULL)
		fake_reply(fd, 200, fake_listing);
	else if (strstr(req, "mlflow-artifacts/artifacts/") == NULL)
		fake_reply(fd, 200, "{}");
	else if (huge)
		fake_announce(fd, 3ull << 30);
	else
		sleep(30); /* longer than any timeout the tests configure */
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "500";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, served = 0;

	signal(SIGPIPE, SIG_IGN);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0) {
		perror("fake-mlflow");
		return 1;
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		char req[8192];
		ssize_t got;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		got = read(c, req, sizeof req - 1);
		req[got > 0 ? got : 0] = '\0';
		served++;
		{
			const char *eol = strstr(req, "\r\n");

			fprintf(stderr, "%.*s\n", eol ? (int)(eol - req) : (int)strlen(req), req);
		}
		if (strcmp(mode, "500") == 0) {
			fake_reply(c, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"the fake server fails on purpose\"}");
		} else if (strcmp(mode, "malformed") == 0) {
			fake_reply(c, 200, "{\"registered_models\": [ {\"name\": ");
		} else if (strcmp(mode, "slow") == 0) {
			sleep(30); /* longer than any timeout the tests configure */
		} else if (strcmp(mode, "slow-download") == 0) {
			fake_download(c, req, 0);
		} else if (strcmp(mode, "huge") == 0) {
			fake_announce(c, (64ull << 20) + 1);
		} else if (strcmp(mode, "huge-download") == 0) {
			fake_download(c, req, 1);
		} else if (strcmp(mode, "cut") == 0) {
			/* The model list, then the connection dies under the version search. */
			if (strstr(req, "registered-models/search") != NULL)
				fake_reply(c, 200, fake_models);
		}
		close(c);
	}
}
