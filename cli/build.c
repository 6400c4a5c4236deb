/*
 * flint build DIR: prints what `kustomize build DIR` prints. The objects
 * go to stdout as YAML documents separated by "---"; an error goes to
 * stderr (naming the file, and the line where known) with exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "kustomize/kustomize.h"

static int
usage(FILE *f)
{
	(void)fprintf(f,
	    "Usage: flint build DIR\n\n"
	    "Builds the kustomization in DIR as 'kustomize build' "
	    "does.\n");
	return f == stdout ? EXIT_SUCCESS : 2;
}

static int
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
cmd_build(int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf out;
	int rv = 1;

	if (argc == 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return usage(stdout);
	if (argc != 2)
		return usage(stderr);
	buf_init(&out, BUF_MAX_DEFAULT);
	if (kustomize_build(&d, argv[1], NULL, &err) == -1 ||
	    kustomize_emit(&out, d, &err) == -1) {
		(void)fprintf(stderr, "flint build: %s\n", err.msg);
		goto out;
	}
	if (write_all(out.data != NULL ? out.data : "", out.len) == -1) {
		perror("flint build: write");
		goto out;
	}
	rv = 0;
out:
	doc_free(d);
	buf_release(&out);
	return rv;
}
