/* keyset: the page-at-a-time walk behind every *_each that streams a list by keyset. */
#include "keyset.h"

#include <stdlib.h>

int keyset_each(struct store *st, const struct keyset *k, void *arg, struct err *e)
{
	struct db_stmt *s;
	char *page;
	size_t n, i;
	int rc = DB_DONE, give = 0, r = 0, more = 1;

	page = calloc(KEYSET_PAGE, k->size);
	if (page == NULL)
		return err_set(e, ERR_IO, "out of memory %s", k->what);
	if (store_prepare(st, &s, k->sql, e) != 0) {
		free(page);
		return -1;
	}
	k->bind(s, NULL, arg);
	while (more) {
		n = 0;
		while (n < KEYSET_PAGE && (rc = db_step(s)) == DB_ROW) {
			if (k->row(s, page + n * k->size) != 0) {
				r = err_set(e, ERR_STORE, "out of memory %s", k->what);
				break;
			}
			n++;
		}
		if (r == 0 && n < KEYSET_PAGE && rc != DB_DONE)
			r = store_fail(st, e, k->what);
		db_reset(s);
		for (i = 0; r == 0 && give == 0 && i < n; i++)
			give = k->give(arg, page + i * k->size, e);
		if (give < 0)
			r = -1;
		more = r == 0 && give == 0 && n == KEYSET_PAGE;
		/* The next page's key is read from this page's last row. */
		if (more)
			k->bind(s, page + (n - 1) * k->size, arg);
		for (i = 0; i < n; i++)
			k->clear(page + i * k->size);
	}
	db_finalize(s);
	free(page);
	return r;
}
