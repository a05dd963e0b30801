/* cmd-metric: `steward metric set|list`: evaluation metrics of a version. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "registry.h"

/* The whole string must be a finite number: "12abc", "nan", "inf" and
 * values strtod can only round to infinity or zero are refused. */
static int cmd_metric_parse(const char *s, double *out, struct err *e)
{
	char q[128];
	char *end;
	double v = 0;

	if (s[0] == '\0' || isspace((unsigned char)s[0]))
		return err_set(e, ERR_INVALID, "metric value \"%s\" is not a number",
			       cli_quote(s, q, sizeof q));
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0')
		return err_set(e, ERR_INVALID, "metric value \"%s\" is not a number",
			       cli_quote(s, q, sizeof q));
	if (!isfinite(v))
		return err_set(e, ERR_INVALID, "metric value \"%s\" is not a finite number",
			       cli_quote(s, q, sizeof q));
	if (errno == ERANGE)
		return err_set(e, ERR_INVALID, "metric value \"%s\" is out of range",
			       cli_quote(s, q, sizeof q));
	*out = v;
	return 0;
}

int cmd_metric_set(struct cli_ctx *c)
{
	const char *model = c->pos[0], *name = c->pos[2];
	const char *dataset = cli_opt(c, "dataset"), *slice = cli_opt(c, "slice");
	char val[64];
	int64_t num;
	double v = 0;
	json_t *o;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (cmd_metric_parse(c->pos[3], &v, &c->e) < 0)
		return CLI_FAIL;
	if (dataset == NULL)
		dataset = "";
	if (slice == NULL)
		slice = "";
	if (registry_metric_set(c->st, &c->who, model, num, name, v, dataset, slice, &c->e) < 0)
		return CLI_FAIL;
	if (!c->json) {
		printf("set %s = %s for %s version %lld", name, cli_double(v, val, sizeof val), model,
		       (long long)num);
		if (dataset[0] != '\0')
			printf(" on %s", dataset);
		if (slice[0] != '\0')
			printf(" (slice %s)", slice);
		printf("\n");
		return 0;
	}
	o = json_object();
	if (o == NULL || cli_json_str(o, "model", model) || cli_json_int(o, "version", num) ||
	    cli_json_str(o, "name", name) || cli_json_real(o, "value", v) ||
	    cli_json_str(o, "dataset", dataset) || cli_json_str(o, "slice", slice)) {
		json_decref(o);
		return cli_json_fail(&c->e);
	}
	return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
}

int cmd_metric_list(struct cli_ctx *c)
{
	static const char *const head[] = { "NAME", "DATASET", "SLICE", "VALUE" };
	struct reg_metrics l = { 0 };
	struct cli_table *t = NULL;
	json_t *a = NULL;
	int64_t num;
	size_t i;
	int rc = CLI_FAIL;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (registry_metric_list(c->st, c->pos[0], num, &l, &c->e) < 0)
		return CLI_FAIL;
	if (c->json) {
		a = json_array();
		if (a == NULL)
			goto nomem;
		for (i = 0; i < l.n; i++) {
			json_t *o = json_object();

			if (json_array_append_new(a, o) < 0 || cli_json_str(o, "name", l.v[i].name) ||
			    cli_json_real(o, "value", l.v[i].value) ||
			    cli_json_str(o, "dataset", l.v[i].dataset) ||
			    cli_json_str(o, "slice", l.v[i].slice))
				goto nomem;
		}
		rc = cli_json_print(a, &c->e) < 0 ? CLI_FAIL : 0;
		a = NULL;
		goto out;
	}
	t = cli_table_new(4, head);
	if (t == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		const struct reg_metric *m = &l.v[i];
		char val[64];
		const char *row[4] = { m->name, m->dataset[0] ? m->dataset : "-",
				       m->slice[0] ? m->slice : "-",
				       cli_double(m->value, val, sizeof val) };

		if (cli_table_add(t, row) < 0)
			goto nomem;
	}
	cli_table_print(t);
	rc = 0;
	goto out;
nomem:
	rc = err_set(&c->e, ERR_IO, "out of memory");
out:
	json_decref(a);
	cli_table_free(t);
	registry_metrics_free(&l);
	return rc;
}
