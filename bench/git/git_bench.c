/*
 * Checkout benchmark: fetch a repository over smart HTTP into a cold
 * cache, write its tree, pack the artifact; then the same with the warm
 * cache (a poll that finds a new revision already present) and with an
 * unchanged revision (the idle poll). run.sh sets up the server and the
 * repository and runs `git clone --depth 1` + `tar czf` beside it.
 *
 *   git_bench <url> <branch> <scratch dir> <runs>
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "core/str.h"
#include "git.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void
fresh(const char *dir)
{
	struct err err = ERR_INIT;

	if (artifact_tree_remove(dir, false, &err) == -1 ||
	    mkdir(dir, 0755) == -1) {
		(void)fprintf(stderr, "%s: %s\n", dir, err.msg);
		exit(1);
	}
}

/* One checkout and, unless unchanged, one pack; prints a line. */
static void
once(const char *label, struct checkout_opts *o, const char *tarball)
{
	struct artifact_info info = { 0 };
	struct checkout *co = NULL;
	struct err err = ERR_INIT;
	double t0 = now_ms(), c0 = cpu_ms(), t1, t2;
	int fd;

	fresh(o->work_dir);
	if (checkout_fetch(&co, o, &err) == -1) {
		(void)fprintf(stderr, "%s: %s\n", label, err.msg);
		exit(1);
	}
	t1 = now_ms();
	if (!checkout_unchanged(co)) {
		fd = open(tarball, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd == -1 ||
		    artifact_pack(&info, fd, o->work_dir, NULL, NULL, &err) ==
		        -1) {
			(void)fprintf(stderr, "%s: pack: %s\n", label, err.msg);
			exit(1);
		}
		close(fd);
	}
	t2 = now_ms();
	printf("%-22s checkout %8.1f ms  pack %8.1f ms  total %8.1f ms  "
	       "cpu %8.1f ms  files %6llu  tar.gz %9llu B  %s\n",
	    label, t1 - t0, t2 - t1, t2 - t0, cpu_ms() - c0,
	    (unsigned long long)info.files, (unsigned long long)info.size,
	    checkout_revision(co));
	checkout_free(co);
}

int
main(int argc, char **argv)
{
	struct checkout_opts o = { 0 };
	char *cache, *work, *tarball, *rev = NULL;
	struct err arg_err = ERR_INIT;
	int64_t runs = 3;

	if (argc < 4 ||
	    (argc > 4 &&
	        (str_to_i64(&runs, argv[4], &arg_err) == -1 || runs < 1 ||
	            runs > 1000))) {
		(void)fprintf(stderr,
		    "usage: %s url branch scratch [runs 1-1000]\n", argv[0]);
		return 2;
	}
	checkout_global_init();
	cache = xasprintf("%s/cache", argv[3]);
	work = xasprintf("%s/work", argv[3]);
	tarball = xasprintf("%s/artifact.tar.gz", argv[3]);
	o.url = argv[1];
	o.ref.branch = argv[2];
	o.cache_dir = cache;
	o.work_dir = work;
	o.timeout_ms = 600000;
	o.max_bytes = (uint64_t)8 << 30;
	for (int i = 0; i < runs; i++) {
		fresh(cache);
		once("flint cold cache", &o, tarball);
	}
	for (int i = 0; i < runs; i++)
		once("flint warm cache", &o, tarball);
	for (int i = 0; i < runs; i++) {
		struct checkout *co = NULL;
		struct err err = ERR_INIT;

		fresh(work);
		if (rev == NULL && checkout_fetch(&co, &o, &err) == 0)
			rev = xstrdup(checkout_revision(co));
		if (rev == NULL) {
			(void)fprintf(stderr, "revision: %s\n", err.msg);
			return 1;
		}
		checkout_free(co);
		o.last_revision = rev;
		once("flint unchanged", &o, tarball);
	}
	free(rev);
	free(cache);
	free(work);
	free(tarball);
	return 0;
}
