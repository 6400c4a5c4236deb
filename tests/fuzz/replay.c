/*
 * Replays a fuzz target's committed corpus without libFuzzer, so the
 * sanitizer build of scripts/test runs every seed and every past crash:
 * replay <file-or-dir>...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	struct stat st;
	size_t n;

	if (f == NULL || fstat(fileno(f), &st) == -1) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	data = xmalloc((size_t)st.st_size + 1);
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int
replay_path(const char *path, int *count)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rv = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char *sub;

		if (e->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", path, e->d_name);
		if (replay_path(sub, count) == -1)
			rv = -1;
		free(sub);
	}
	closedir(d);
	return rv;
}

int
main(int argc, char **argv)
{
	int count = 0, rv = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) == -1)
			rv = 1;
	printf("replayed %d inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return rv;
}
