/* Scratch files for the tests: see tmpfiles.h. */
#include "tmpfiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/mem.h"

/* Writes text to dir/name; returns the path (free it). */
char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

void
remove_files(const char *dir, const char *const *names)
{
	char *p;

	for (; *names != NULL; names++) {
		p = xasprintf("%s/%s", dir, *names);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}
