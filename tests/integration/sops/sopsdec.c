/*
 * A thin command-line front end to flint_sops for the integration test,
 * which drives it against files the real sops and age CLIs make:
 *
 *   sopsdec file KEYFILE FORMAT IN      decrypt a SOPS file (yaml, json,
 *                                       dotenv, binary) to stdout
 *   sopsdec resource KEYFILE IN         decrypt the YAML objects in IN as
 *                                       kustomize-controller would
 *   sopsdec sources KEYFILE ROOT PATH   decrypt generator sources in place
 *                                       under ROOT, starting at PATH
 *   sopsdec age KEYFILE IN              decrypt an age file
 *   sopsdec age-encrypt KEYFILE armor|binary IN
 *                                       encrypt IN to KEYFILE's identities
 *
 * KEYFILE is an age identity file (the content of a *.agekey entry). On
 * failure it prints "<code name>: <message>" to stderr and exits with 2
 * for ERR_AUTH, 3 for ERR_INVALID, 4 for ERR_UNSUPPORTED, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "doc/doc.h"
#include "sops/sops.h"
#include "sops/sops_int.h"

static int
read_file(struct buf *b, const char *path, struct err *err)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return err_errno(err, errno, "open '%s'", path);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(b, tmp, (size_t)n);
	close(fd);
	if (n < 0)
		return err_errno(err, errno, "read '%s'", path);
	return buf_check(b, err);
}

static int
load_keys(struct sops_keys **out, const char *path, struct err *err)
{
	struct buf b;
	int rc;

	buf_init(&b, BUF_MAX_DEFAULT);
	*out = sops_keys_new();
	rc = read_file(&b, path, err);
	if (rc == 0)
		rc = sops_keys_add(*out, "identity.agekey",
		    b.data ? b.data : "", b.len, err);
	buf_release_secret(&b);
	return rc;
}

static int
parse_format(enum sops_format *f, const char *s, struct err *err)
{
	static const struct {
		const char *name;
		enum sops_format f;
	} names[] = { { "yaml", SOPS_FORMAT_YAML },
		{ "json", SOPS_FORMAT_JSON }, { "dotenv", SOPS_FORMAT_DOTENV },
		{ "binary", SOPS_FORMAT_BINARY } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*f = names[i].f;
			return 0;
		}
	return err_set(err, ERR_INVALID, "unknown format '%s'", s);
}

static int
do_resource(struct buf *out, const struct sops_keys *k, const struct buf *in,
    struct err *err)
{
	struct doc *d = NULL;
	int rc = -1;

	if (doc_parse_yaml(&d, in->data, in->len, NULL, err) == -1)
		return -1;
	for (size_t i = 0; i < doc_count(d); i++)
		if (sops_decrypt_resource(doc_arena(d), doc_root(d, i), k,
		        err) == -1)
			goto out;
	rc = doc_emit_yaml_stream(out, d, err);
out:
	doc_free(d);
	return rc;
}

static int
do_encrypt(struct buf *out, const struct sops_keys *k, const char *mode,
    const struct buf *in, struct err *err)
{
	unsigned char(*rcp)[AGE_KEY_LEN] = xcalloc(k->n_age, AGE_KEY_LEN);
	int rc;

	for (size_t i = 0; i < k->n_age; i++)
		memcpy(rcp[i], k->age[i].public, AGE_KEY_LEN);
	rc = age_encrypt(out, (const unsigned char(*)[AGE_KEY_LEN])rcp,
	    k->n_age, (const unsigned char *)in->data, in->len,
	    strcmp(mode, "armor") == 0, err);
	free(rcp);
	return rc;
}

static int
run(struct buf *out, int argc, char **argv, struct err *err)
{
	struct sops_keys *k = NULL;
	struct buf in;
	enum sops_format f = SOPS_FORMAT_YAML;
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc = -1;

	buf_init(&in, BUF_MAX_DEFAULT);
	if (argc < 4)
		return err_set(err, ERR_INVALID, "usage: see sopsdec.c");
	if (load_keys(&k, argv[2], err) == -1)
		goto out;
	if (strcmp(cmd, "sources") == 0 && argc == 5) {
		rc = sops_decrypt_sources(k, argv[3], argv[4], err);
		goto out;
	}
	if (read_file(&in, argv[argc - 1], err) == -1)
		goto out;
	if (strcmp(cmd, "file") == 0 && argc == 5) {
		if (parse_format(&f, argv[3], err) == 0)
			rc = sops_decrypt_file(out, k, in.data, in.len, f, err);
	} else if (strcmp(cmd, "resource") == 0 && argc == 4) {
		rc = do_resource(out, k, &in, err);
	} else if (strcmp(cmd, "age") == 0 && argc == 4) {
		rc = sops_age_decrypt(out, k, in.data, in.len, err);
	} else if (strcmp(cmd, "age-encrypt") == 0 && argc == 5) {
		rc = do_encrypt(out, k, argv[3], &in, err);
	} else {
		err_set(err, ERR_INVALID, "usage: see sopsdec.c");
	}
out:
	sops_keys_free(k);
	buf_release(&in);
	return rc;
}

int
main(int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct buf out;
	int code = 0;

	buf_init(&out, BUF_MAX_DEFAULT);
	if (run(&out, argc, argv, &err) == -1) {
		(void)fprintf(stderr, "%s: %s\n", err_code_name(err.code),
		    err.msg);
		code = err.code == ERR_AUTH       ? 2
		    : err.code == ERR_INVALID     ? 3
		    : err.code == ERR_UNSUPPORTED ? 4
		                                  : 1;
	} else if (out.len > 0 &&
	    fwrite(out.data, 1, out.len, stdout) != out.len) {
		code = 1;
	}
	buf_release_secret(&out);
	return code;
}
