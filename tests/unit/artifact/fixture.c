/* Temporary trees for the artifact tests. */
#include "fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"

char *
fx_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/flint-artifact-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");

	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

void
fx_rmdir(char *dir)
{
	struct err err = ERR_INIT;

	if (dir != NULL && artifact_tree_remove(dir, false, &err) == -1)
		(void)fprintf(stderr, "cleanup: %s\n", err.msg);
	free(dir);
}

void
fx_write(const char *dir, const char *rel, const char *text, unsigned mode)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f;

	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL;
	     p++) {
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
	if (chmod(path, mode) != 0)
		abort();
	free(path);
}

char *
fx_read(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	free(path);
	if (f == NULL)
		return NULL;
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f);
	return buf_detach(&b, NULL);
}

int
fx_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

bool
fx_exists(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	struct stat st;
	bool ok = lstat(path, &st) == 0;

	free(path);
	return ok;
}

int
fx_memfd(const struct buf *b)
{
	int fd = memfd_create("artifact-test", MFD_CLOEXEC);

	if (fd == -1 || write(fd, b->data, b->len) != (ssize_t)b->len ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}
