/* cmd-card: `steward card set|show`: model cards from and to "## Heading" Markdown. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "file.h"
#include "registry.h"

/* Required sections the card lacks; NULL-terminated into miss. */
static size_t cmd_card_missing(const struct card *card, const char **miss, size_t max)
{
	size_t i, n = 0;

	for (i = 0; card_required_sections[i] != NULL && n + 1 < max; i++)
		if (card_find(card, card_required_sections[i]) == NULL)
			miss[n++] = card_required_sections[i];
	miss[n] = NULL;
	return n;
}

int cmd_card_set(struct cli_ctx *c)
{
	const char *fname = cli_opt(c, "file");
	struct card card = { 0 };
	const char *miss[32];
	char *text = NULL;
	size_t len = 0, nmiss, i;
	int64_t num;
	int rc = CLI_FAIL;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (file_read(fname, "card file", CARD_MAX_BYTES, &text, &len, &c->e) < 0)
		return CLI_FAIL;
	if (card_parse(text, len, fname, &card, &c->e) < 0)
		goto out;
	if (registry_card_set(c->st, &c->who, c->pos[0], num, &card, &c->e) < 0)
		goto out;
	nmiss = cmd_card_missing(&card, miss, sizeof miss / sizeof miss[0]);
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "model", c->pos[0]) ||
		    cli_json_int(o, "version", num) || cli_json_int(o, "sections", (int64_t)card.n)) {
			json_decref(o);
			rc = cli_json_fail(&c->e);
			goto out;
		}
		rc = cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		goto out;
	}
	printf("set the card of %s version %lld: %zu section%s", c->pos[0], (long long)num, card.n,
	       card.n == 1 ? "" : "s");
	if (nmiss > 0) {
		printf("; missing:");
		for (i = 0; i < nmiss; i++)
			printf("%s %s", i ? "," : "", miss[i]);
	}
	printf("\n");
	rc = 0;
out:
	card_free(&card);
	free(text);
	return rc;
}

static int cmd_card_show_json(struct cli_ctx *c, int64_t num, const struct card *card,
			      const char *const *miss, size_t nmiss)
{
	json_t *o = json_object(), *secs, *m;
	size_t i;

	if (o == NULL || cli_json_str(o, "model", c->pos[0]) || cli_json_int(o, "version", num))
		goto fail;
	/* set_new takes the reference even when it fails, so o owns both arrays. */
	secs = json_array();
	if (json_object_set_new(o, "sections", secs) < 0)
		goto fail;
	m = json_array();
	if (json_object_set_new(o, "missing", m) < 0)
		goto fail;
	for (i = 0; i < card->n; i++) {
		json_t *s = json_object();

		if (json_array_append_new(secs, s) < 0 || cli_json_str(s, "title", card->s[i].title) ||
		    cli_json_str(s, "body", card->s[i].body))
			goto fail;
	}
	for (i = 0; i < nmiss; i++)
		if (json_array_append_new(m, json_string(miss[i])) < 0)
			goto fail;
	return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
fail:
	json_decref(o);
	return cli_json_fail(&c->e);
}

int cmd_card_show(struct cli_ctx *c)
{
	struct card card = { 0 };
	const char *miss[32];
	size_t nmiss, i;
	int64_t num;
	int rc;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (registry_card_get(c->st, c->pos[0], num, &card, &c->e) < 0)
		return CLI_FAIL;
	nmiss = cmd_card_missing(&card, miss, sizeof miss / sizeof miss[0]);
	if (c->json) {
		rc = cmd_card_show_json(c, num, &card, miss, nmiss);
		card_free(&card);
		return rc;
	}
	if (card.n == 0)
		printf("(no model card for %s version %lld)\n", c->pos[0], (long long)num);
	/* Bodies keep their lines; every other control character is escaped. */
	for (i = 0; i < card.n; i++) {
		printf("## %s\n", cli_safe(c, card.s[i].title));
		if (card.s[i].body[0] != '\0')
			printf("\n%s\n", cli_safe_lines(c, card.s[i].body));
		printf("\n");
	}
	if (nmiss > 0) {
		printf("missing required sections:");
		for (i = 0; i < nmiss; i++)
			printf("%s %s", i ? "," : "", miss[i]);
		printf("\n");
	}
	card_free(&card);
	return 0;
}
