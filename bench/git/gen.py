#!/usr/bin/env python3
"""Writes a git fast-import stream for the checkout benchmark: one commit
adding FILES small YAML files in nested directories, then COMMITS commits
each changing a few of them, so the repository has both a wide tree and a
long history. Deterministic.

    gen.py FILES COMMITS | git fast-import
"""
import random
import sys


def blob(i, rev):
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: cm-%d\n  namespace: team-%d\ndata:\n"
            "  revision: \"%d\"\n  payload: %s\n"
            % (i, i % 97, rev, "x" * (64 + i % 128))).encode()


def path(i):
    return "apps/team-%03d/svc-%03d/cm-%05d.yaml" % (i % 97, (i // 97) % 53, i)


def commit(out, when, msg, files):
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer bench <bench@example.com> %d +0000\n" % when)
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for p, data in files:
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(data), data))


def main():
    files, commits = int(sys.argv[1]), int(sys.argv[2])
    rnd = random.Random(42)
    out = sys.stdout.buffer
    commit(out, 1700000000, b"initial", [(path(i), blob(i, 0)) for i in range(files)])
    for c in range(2, commits + 1):
        touched = [rnd.randrange(files) for _ in range(5)]
        commit(out, 1700000000 + c * 60, b"change %d" % c,
               [(path(i), blob(i, c)) for i in touched])
    out.write(b"done\n")


if __name__ == "__main__":
    main()
