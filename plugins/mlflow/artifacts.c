/* artifacts: the MLflow plugin's digests: a version's source resolved (mlflow-artifacts:, runs:/, models:/) to its files in the proxy, listed, downloaded in parallel within a byte window, and hashed into a manifest digest. */
#include "plugins/mlflow/mlflow.h"

void mlf_fatal(struct mlf_page *p, const char *msg)
{
	if (!p->fatal)
		snprintf(p->err, sizeof p->err, "%s", msg);
	p->fatal = 1;
}

/* The version's artifacts cannot be read: the first reason is kept. */
void mlf_unverified(struct mlf_ver *v, const char *fmt, ...)
{
	va_list ap;

	if (v->d == MLF_D_UNVERIFIED)
		return;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
	v->d = MLF_D_UNVERIFIED;
	v->dead = 1;
}

static int mlf_cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct mlf_file *)a)->path, ((const struct mlf_file *)b)->path);
}

/* sha256 over "path\tsize\tsha256hex\n" lines sorted by path: the digest
 * approvals bind to, computed from bytes steward has read itself. */
static void mlf_manifest(struct mlf_ver *v)
{
	crypto_hash_sha256_state sha;
	char hex[65], line[4400];
	uint8_t h[32];
	size_t i;

	if (v->nfiles == 0) {
		snprintf(v->reason, sizeof v->reason, "no artifact files under %.300s", v->source);
		v->d = MLF_D_EMPTY;
		return;
	}
	qsort(v->files, v->nfiles, sizeof *v->files, mlf_cmp_file);
	crypto_hash_sha256_init(&sha);
	for (i = 0; i < v->nfiles; i++) {
		int k = snprintf(line, sizeof line, "%s\t%" PRId64 "\t%s\n", v->files[i].path, v->files[i].size,
				 v->files[i].hex);

		if (k < 0 || (size_t)k >= sizeof line) {
			mlf_unverified(v, "artifact path %.200s... is too long", v->files[i].path);
			return;
		}
		crypto_hash_sha256_update(&sha, (const unsigned char *)line, (size_t)k);
	}
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(v->digest, sizeof v->digest, "sha256:%s", hex);
	v->d = MLF_D_DONE;
}

void mlf_settle(struct mlf_ver *v)
{
	if (v->d == MLF_D_WORK && v->pending == 0)
		mlf_manifest(v);
}

static void mlf_resolve(struct mlf_page *p, size_t i);
static void mlf_list_dir(struct mlf_page *p, size_t i, const char *rel);

/* Continues resolving with a new source (a copy is taken). */
void mlf_resolve_to(struct mlf_page *p, size_t i, const char *src)
{
	struct mlf_ver *v = &p->v[i];
	char *c = strdup(src);

	if (c == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	free(v->src);
	v->src = c;
	mlf_resolve(p, i);
}

/* Queues a call for the page (about version i); on failure the sync
 * stops. A counted call is part of reading version i's artifacts: it
 * holds back its digest until it ends, and is dropped once they fail. */
void mlf_page_call(struct mlf_page *p, size_t i, int counted, const char *method, const char *path,
			  const char *body, mlf_done_fn done)
{
	struct mlf_xfer *x = mlf_xfer_new(method, path, body, done, p, i);

	if (x == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	if (counted) {
		x->dead = &p->v[i].dead;
		p->v[i].pending++;
	}
	mlf_submit(p->s->m, x);
}

/* An artifact_uri (of a run or a logged model) plus what follows it in the source. */
static void mlf_resolve_uri(struct mlf_page *p, size_t i, const char *uri, const char *rest, const char *whose)
{
	struct mlf_ver *v = &p->v[i];
	size_t n;
	char *s;

	if (uri == NULL || uri[0] == '\0') {
		mlf_unverified(v, "source %.200s: %s has no artifact_uri", v->source, whose);
		return;
	}
	n = strlen(uri) + strlen(rest) + 2;
	s = malloc(n);
	if (s == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(s, n, "%s%s%s", uri, rest[0] && rest[0] != '/' ? "/" : "", rest);
	mlf_resolve_to(p, i, s);
	free(s);
}

/* The answer about a version's source; NULL when there is none to use: the
 * version already gave up, or the call failed (it is then unverified). */
static json_t *mlf_src_answer(struct mlf_xfer *x, struct mlf_ver **out)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	char why[500];
	json_t *j;

	*out = v;
	v->pending--;
	if (v->dead)
		return NULL;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL)
		mlf_unverified(v, "source %.150s: %s", v->source, why);
	return j;
}

static void mlf_src_run_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_ver *v;
	json_t *j = mlf_src_answer(x, &v);
	const char *rest;

	(void)m;
	if (j == NULL)
		return;
	rest = strchr(v->src + 6, '/');
	mlf_resolve_uri(x->owner, x->index,
			json_string_value(json_object_get(json_object_get(json_object_get(j, "run"), "info"), "artifact_uri")),
			rest ? rest : "", "its run");
	json_decref(j);
	mlf_settle(v);
}

static const char *mlf_logged_uri(json_t *logged)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(logged, "model"), "info"), "artifact_uri"));
}

static void mlf_src_logged_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_ver *v;
	json_t *j = mlf_src_answer(x, &v);

	(void)m;
	if (j == NULL)
		return;
	mlf_resolve_uri(x->owner, x->index, mlf_logged_uri(j), "", "the logged model");
	json_decref(j);
	mlf_settle(v);
}

static void mlf_src_version_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_ver *v;
	json_t *j = mlf_src_answer(x, &v);
	const char *src;

	(void)m;
	if (j == NULL)
		return;
	src = json_string_value(json_object_get(json_object_get(j, "model_version"), "source"));
	if (src == NULL || src[0] == '\0')
		mlf_unverified(v, "source %.200s: that version has no source", v->source);
	else
		mlf_resolve_to(x->owner, x->index, src);
	json_decref(j);
	mlf_settle(v);
}

/* Where the artifacts of v->src are, one step at a time: mlflow-artifacts:
 * is a path in the proxy; runs:/<id>/<path> is under that run's
 * artifact_uri; models:/m-<id> (an MLflow 3 logged model) is its
 * artifact_uri; models:/<name>/<version> is that version's source. A
 * source that can move (an alias, a stage, latest) or that the proxy does
 * not serve is reported, never guessed. */
static void mlf_resolve(struct mlf_page *p, size_t i)
{
	struct mlf_ver *v = &p->v[i];
	const char *s = v->src;

	if (++v->depth > MLF_MAX_DEPTH) {
		mlf_unverified(v, "source %.200s: models:/ sources lead on more than %d times", v->source, MLF_MAX_DEPTH);
		return;
	}
	if (strncmp(s, "mlflow-artifacts:", 17) == 0) {
		const char *path = s + 17;

		/* mlflow-artifacts:/x or mlflow-artifacts://host:port/x */
		if (strncmp(path, "//", 2) == 0) {
			path = strchr(path + 2, '/');
			if (path == NULL) {
				mlf_unverified(v, "source %.200s names no path", s);
				return;
			}
		}
		while (*path == '/')
			path++;
		free(v->root);
		v->root = strdup(path);
		if (v->root == NULL) {
			mlf_fatal(p, "out of memory");
			return;
		}
		while (v->root[0] != '\0' && v->root[strlen(v->root) - 1] == '/')
			v->root[strlen(v->root) - 1] = '\0';
		mlf_list_dir(p, i, "");
		return;
	}
	if (strncmp(s, "runs:/", 6) == 0) {
		const char *slash = strchr(s + 6, '/');
		size_t idlen = slash ? (size_t)(slash - (s + 6)) : strlen(s + 6);
		const char *have = json_string_value(json_object_get(json_object_get(v->run, "info"), "run_id"));
		char id[80], *q, path[200];

		if (idlen == 0 || idlen >= sizeof id) {
			mlf_unverified(v, "source %.200s names no run", v->source);
			return;
		}
		memcpy(id, s + 6, idlen);
		id[idlen] = '\0';
		/* The run the source names, which need not be the version's run_id. */
		if (have != NULL && strcmp(have, id) == 0) {
			mlf_resolve_uri(p, i, json_string_value(json_object_get(json_object_get(v->run, "info"), "artifact_uri")),
					slash ? slash : "", "its run");
			return;
		}
		q = mlf_escape(id);
		if (q == NULL) {
			mlf_fatal(p, "out of memory");
			return;
		}
		snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", q);
		free(q);
		mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_run_done);
		return;
	}
	if (strncmp(s, "models:/", 8) == 0) {
		const char *t = s + 8, *slash = strrchr(t, '/'), *at = strchr(t, '@');
		char path[1200], *qn;

		if (strncmp(t, "m-", 2) == 0 && slash == NULL && at == NULL && t[2] != '\0') {
			if (v->logged != NULL && strcmp(s, v->source) == 0) {
				mlf_resolve_uri(p, i, mlf_logged_uri(v->logged), "", "the logged model");
				return;
			}
			qn = mlf_escape(t);
			if (qn == NULL || strlen(qn) > 900) {
				free(qn);
				mlf_unverified(v, "source %.200s: not a logged model id", v->source);
				return;
			}
			snprintf(path, sizeof path, "/api/2.0/mlflow/logged-models/%s", qn);
			free(qn);
			mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_logged_done);
			return;
		}
		if (at != NULL) {
			mlf_unverified(v, "source %.200s names an alias, which can move: steward digests fixed sources only",
				       s);
			return;
		}
		if (slash != NULL && slash[1] != '\0' && strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
		    slash > t) {
			char name[600], *qv;

			if ((size_t)(slash - t) >= sizeof name) {
				mlf_unverified(v, "source %.200s: the model name is too long", s);
				return;
			}
			memcpy(name, t, (size_t)(slash - t));
			name[slash - t] = '\0';
			qn = mlf_escape(name);
			qv = mlf_escape(slash + 1);
			if (qn == NULL || qv == NULL) {
				free(qn);
				free(qv);
				mlf_fatal(p, "out of memory");
				return;
			}
			snprintf(path, sizeof path, "/api/2.0/mlflow/model-versions/get?name=%s&version=%.30s", qn, qv);
			free(qn);
			free(qv);
			mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_version_done);
			return;
		}
		mlf_unverified(v,
			       "source %.200s names a stage or the latest version, which can move: steward digests fixed sources only",
			       s);
		return;
	}
	mlf_unverified(v,
		       "artifacts at %.200s are not served by the tracking server's artifact proxy (mlflow-artifacts:, runs:/ and models:/ sources are)",
		       s);
}

static void mlf_hash_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	uint8_t h[32];

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	if (x->rc != CURLE_OK || x->code >= 400) {
		char why[300];

		if (x->rc == CURLE_OK)
			snprintf(why, sizeof why, "MLflow answered %ld", x->code);
		else if (x->b.too_big || x->rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(why, sizeof why, "larger than %u bytes", MLF_MAX_ARTIFACT);
		else
			snprintf(why, sizeof why, "%s", curl_easy_strerror(x->rc));
		mlf_unverified(v, "downloading artifact %.200s of %.100s: %s", v->files[x->sub].path, v->source, why);
		return;
	}
	crypto_hash_sha256_final(&x->sha, h);
	sodium_bin2hex(v->files[x->sub].hex, sizeof v->files[x->sub].hex, h, sizeof h);
	v->files[x->sub].size = (int64_t)x->b.hashed;
	mlf_settle(v);
}

/* The proxy API path of rel under root: a download (file: the escaped
 * path in the URL) or a listing (the escaped path as ?path=). NULL when
 * out of memory. */
static char *mlf_proxy_path(const char *root, const char *rel, int file)
{
	size_t n = strlen(root) + strlen(rel) + 2, k;
	char *full = malloc(n), *q, *path;

	if (full == NULL)
		return NULL;
	snprintf(full, n, "%s%s%s", root, rel[0] ? "/" : "", rel);
	q = file ? mlf_escape_path(full) : mlf_escape(full);
	free(full);
	if (q == NULL)
		return NULL;
	k = strlen(q) + 64;
	path = malloc(k);
	if (path != NULL)
		snprintf(path, k, "/api/2.0/mlflow-artifacts/artifacts%s%s", file ? "/" : "?path=", q);
	free(q);
	return path;
}

/* Queues the download of file f of version i, hashed as it arrives. */
static void mlf_fetch(struct mlf_page *p, size_t i, size_t f)
{
	struct mlf_ver *v = &p->v[i];
	char *path = mlf_proxy_path(v->root, v->files[f].path, 1);
	struct mlf_xfer *x;

	if (path == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	x = mlf_xfer_new("GET", path, NULL, mlf_hash_done, p, i);
	free(path);
	if (x == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	x->sub = f;
	x->dead = &v->dead;
	x->weight = v->files[f].size > 0 ? v->files[f].size : 0;
	crypto_hash_sha256_init(&x->sha);
	x->b.sha = &x->sha;
	v->pending++;
	mlf_submit(p->s->m, x);
}

static void mlf_list_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	const char *rel = x->tag;
	char why[500];
	json_t *j, *f;
	size_t k;

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL) {
		mlf_unverified(v, "listing the artifacts of %.150s: %s", v->source, why);
		return;
	}
	json_array_foreach(json_object_get(j, "files"), k, f) {
		const char *e = json_string_value(json_object_get(f, "path")), *base;
		size_t n;
		char *sub;

		/* Listings name entries relative to the listed directory. */
		base = e != NULL && strrchr(e, '/') != NULL ? strrchr(e, '/') + 1 : e;
		if (base == NULL || base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
			mlf_unverified(v, "the artifact listing of %.200s has a bad path", v->source);
			break;
		}
		n = strlen(rel) + strlen(base) + 2;
		sub = malloc(n);
		if (sub == NULL) {
			mlf_fatal(p, "out of memory");
			break;
		}
		snprintf(sub, n, "%s%s%s", rel, rel[0] ? "/" : "", base);
		if (json_is_true(json_object_get(f, "is_dir"))) {
			mlf_list_dir(p, x->index, sub);
			free(sub);
			continue;
		}
		if (v->nfiles >= MLF_MAX_FILES) {
			free(sub);
			mlf_unverified(v, "more than %d artifact files under %.200s", MLF_MAX_FILES, v->source);
			break;
		}
		if (v->nfiles == v->capfiles) {
			size_t cap = v->capfiles ? v->capfiles * 2 : 16;
			struct mlf_file *nf = realloc(v->files, cap * sizeof *nf);

			if (nf == NULL) {
				free(sub);
				mlf_fatal(p, "out of memory");
				break;
			}
			v->files = nf;
			v->capfiles = cap;
		}
		v->files[v->nfiles].path = sub;
		v->files[v->nfiles].size = json_integer_value(json_object_get(f, "file_size"));
		v->files[v->nfiles].hex[0] = '\0';
		mlf_fetch(p, x->index, v->nfiles++);
	}
	json_decref(j);
	mlf_settle(v);
}

/* Queues the listing of directory rel (relative to the root) of version i. */
static void mlf_list_dir(struct mlf_page *p, size_t i, const char *rel)
{
	struct mlf_ver *v = &p->v[i];
	char *path = mlf_proxy_path(v->root, rel, 0);
	struct mlf_xfer *x;

	if (path == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	x = mlf_xfer_new("GET", path, NULL, mlf_list_done, p, i);
	free(path);
	if (x == NULL || (x->tag = strdup(rel)) == NULL) {
		if (x != NULL)
			mlf_xfer_free(x);
		mlf_fatal(p, "out of memory");
		return;
	}
	x->dead = &v->dead;
	v->pending++;
	mlf_submit(p->s->m, x);
}
