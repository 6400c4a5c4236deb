/* Shared by the client's unit tests that talk to the fake server. */
#ifndef FLINT_TEST_CLIENT_FIXTURE_H
#define FLINT_TEST_CLIENT_FIXTURE_H

#include "fake_server.h"
#include "k8s/k8s.h"

/* The core group's discovery answer: configmaps (namespaced),
 * namespaces (cluster-scoped) and a subresource to skip. */
#define DISCOVERY_V1                                                            \
	"{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[" \
	"{\"name\":\"configmaps\",\"namespaced\":true,\"kind\":\"ConfigMap\"}," \
	"{\"name\":\"configmaps/status\",\"namespaced\":true,\"kind\":"         \
	"\"Wrong\"},"                                                           \
	"{\"name\":\"namespaces\",\"namespaced\":false,\"kind\":"               \
	"\"Namespace\"}]}"

/* A client of f with token "s3cret" and no rate limit; max_retries as
 * given (0: the default). */
struct k8s *fixture_client(struct fake_server *f, unsigned max_retries,
    int64_t timeout_ms);

/* True when request i of f contains s. */
int fixture_has(struct fake_server *f, size_t i, const char *s);

/* Parses JSON text into a doc (aborts on bad fixtures). */
struct doc *fixture_json(const char *text);

#endif /* FLINT_TEST_CLIENT_FIXTURE_H */
