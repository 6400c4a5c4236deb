/*
 * Fuzzes the streaming Helm index reader and checks that its two passes
 * agree: an index that validates never makes the lookup report it
 * malformed (only "not found", or a version without URLs), and one that
 * does not validate fails the lookup as ERR_INVALID too. A found entry
 * always has a version and a URL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helmindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

static int
find(struct helmindex_entry *e, const uint8_t *data, size_t size,
    const char *name, struct err *err)
{
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");
	int rv;

	CHECK(f != NULL);
	rv = helmindex_find(e, f, name, "*", err);
	(void)fclose(f);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct helmindex_stats st = { 0 };
	struct helmindex_entry e = { 0 };
	struct err verr = ERR_INIT, ferr = ERR_INIT;
	FILE *f;
	int vrv, frv;

	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	f = fmemopen((void *)(uintptr_t)data, size, "r");
	CHECK(f != NULL);
	vrv = helmindex_validate(&st, f, &verr);
	(void)fclose(f);
	CHECK(vrv == 0 || verr.code == ERR_INVALID);
	frv = find(&e, data, size, "a", &ferr);
	if (vrv == -1) {
		CHECK(frv == -1 && ferr.code == ERR_INVALID);
		return 0;
	}
	CHECK(st.versions <= size);
	if (frv == 0) {
		CHECK(e.version != NULL && e.url != NULL);
		CHECK(strcmp(e.name, "a") == 0);
	} else {
		CHECK(ferr.code == ERR_NOTFOUND ||
		    (ferr.code == ERR_INVALID &&
		        strstr(ferr.msg, "no downloadable URLs") != NULL));
	}
	helmindex_entry_release(&e);
	return 0;
}
