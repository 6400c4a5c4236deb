/*
 * known_hosts matching for SSH checkouts: plain, bracketed port, wildcard,
 * negated and hashed host fields, @revoked and @cert-authority markers.
 * The keys are public keys made with ssh-keygen; the hashed entries were
 * computed as OpenSSH does (HMAC-SHA1 of the name, salt 00..13).
 */
#include <openssl/evp.h>
#include <string.h>

#include "git_int.h"
#include "t.h"

#define KEY1 \
	"AAAAC3NzaC1lZDI1NTE5AAAAIKjEvBiR7J9wcPlwZ7ItelMqgKVDJhO7H5mbpnv5RccR"
#define KEY2 \
	"AAAAC3NzaC1lZDI1NTE5AAAAIKVtqkVw1tkeCIDXbq3vxu2QMMBcyxVBjiU7jNbRzU7s"
#define SALT "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"

/* The raw key blob libgit2 hands over: the base64 field decoded. */
struct key {
	unsigned char b[128];
	size_t n;
};

static struct key
blob(const char *b64)
{
	struct key k;
	int n = EVP_DecodeBlock(k.b, (const unsigned char *)b64,
	    (int)strlen(b64));

	k.n = n > 0 ? (size_t)n - (b64[strlen(b64) - 1] == '=') : 0;
	return k;
}

static bool
known(const char *kh, const char *host, int port, const char *b64)
{
	struct key k = blob(b64);

	return gitauth_known_host(kh, host, port, k.b, k.n);
}

T_TEST(test_plain_and_bracketed_hosts)
{
	const char *kh = "# comment\n\n"
	                 "[localhost]:2222 ssh-ed25519 " KEY1 "\n"
	                 "github.com ssh-ed25519 " KEY2 " comment here\n";

	T_TRUE(known(kh, "localhost", 2222, KEY1));
	T_TRUE(!known(kh, "localhost", 22, KEY1));
	T_TRUE(!known(kh, "localhost", 2222, KEY2));
	T_TRUE(known(kh, "github.com", 22, KEY2));
	T_TRUE(known(kh, "github.com", 0, KEY2)); /* no port: 22 */
	T_TRUE(known(kh, "GitHub.COM", 22, KEY2));
	T_TRUE(!known(kh, "github.com", 2222, KEY2));
	T_TRUE(!known(kh, "gitlab.com", 22, KEY2));
}

T_TEST(test_wildcards_and_negation)
{
	const char *kh = "!bad.example.com,*.example.com ssh-ed25519 " KEY1 "\n"
	                 "git?.example.org ssh-ed25519 " KEY1 "\n";

	T_TRUE(known(kh, "git.example.com", 22, KEY1));
	T_TRUE(!known(kh, "bad.example.com", 22, KEY1));
	T_TRUE(!known(kh, "example.com", 22, KEY1));
	T_TRUE(known(kh, "git1.example.org", 22, KEY1));
	T_TRUE(!known(kh, "git12.example.org", 22, KEY1));
}

T_TEST(test_hashed_hosts)
{
	const char *kh = SALT "1saF1xms1xUK0Hr3KgAkby/ARpo= ssh-ed25519 " KEY1
	                      "\n" SALT "5DHGyoq+K/vX4lJK0U2p7IteoFw= "
	                      "ssh-ed25519 " KEY2 "\n";

	T_TRUE(known(kh, "localhost", 2222, KEY1));
	T_TRUE(!known(kh, "localhost", 2223, KEY1));
	T_TRUE(known(kh, "git.example.com", 22, KEY2));
	T_TRUE(!known(kh, "git.example.com", 22, KEY1));
}

T_TEST(test_markers)
{
	const char *revoked = "host ssh-ed25519 " KEY1 "\n"
	                      "@revoked host ssh-ed25519 " KEY1 "\n";
	const char *ca = "@cert-authority host ssh-ed25519 " KEY1 "\n";

	T_TRUE(!known(revoked, "host", 22, KEY1));
	T_TRUE(!known(ca, "host", 22, KEY1));
	T_TRUE(!known("host ssh-ed25519 not-base64!\n", "host", 22, KEY1));
	T_TRUE(!known("", "host", 22, KEY1));
}
