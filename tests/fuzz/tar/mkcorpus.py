#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_tar: small tar and tar.gz archives,
valid ones and the hostile kinds extraction must refuse. Deterministic:
run it again and the files come out byte for byte the same.

    tests/fuzz/tar/mkcorpus.py tests/fuzz/tar/corpus
"""
import gzip
import io
import os
import sys
import tarfile


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = 0
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def archive(entries, fmt=tarfile.USTAR_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data else None)
    # Drop the record padding to 10 KiB: keep the end marker only, so
    # the fuzzer's inputs stay small.
    raw = out.getvalue().rstrip(b"\0")
    raw += b"\0" * (-len(raw) % 512)
    return raw + b"\0" * 1024


SEEDS = {
    "plain": [entry("a.yaml", data=b"kind: A\n"),
              entry("dir", tarfile.DIRTYPE, mode=0o750),
              entry("dir/b.yaml", data=b"kind: B\n"),
              entry("dir/run.sh", data=b"#!/bin/sh\n", mode=0o700)],
    "dotslash": [entry("./", tarfile.DIRTYPE),
                 entry("./x/y/z", data=b"deep")],
    "dotdot": [entry("../evil", data=b"x")],
    "dotdot_inner": [entry("a/../../evil", data=b"x")],
    "absolute": [entry("/tmp/evil", data=b"x")],
    "symlink_in": [entry("f", data=b"x"),
                   entry("l", tarfile.SYMTYPE, link="f")],
    "symlink_out": [entry("l", tarfile.SYMTYPE, link="../../etc")],
    "symlink_abs": [entry("l", tarfile.SYMTYPE, link="/etc/passwd")],
    "symlink_chain": [entry("x", tarfile.SYMTYPE, link="."),
                      entry("d/x", tarfile.SYMTYPE, link=".."),
                      entry("d/y", tarfile.SYMTYPE, link="x/..")],
    "through_link": [entry("sub", tarfile.DIRTYPE),
                     entry("l", tarfile.SYMTYPE, link="sub"),
                     entry("l/f", data=b"x")],
    "hardlink": [entry("f", data=b"x"),
                 entry("h", tarfile.LNKTYPE, link="f")],
    "chardev": [entry("null", tarfile.CHRTYPE)],
    "fifo": [entry("p", tarfile.FIFOTYPE)],
    "dup": [entry("f", data=b"one"), entry("f", data=b"two")],
    "long_pax": [entry("n" * 150 + "/deep.yaml", data=b"long")],
    "pax_escape": [entry("p" * 120 + "/../../../evil", data=b"x")],
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, entries in sorted(SEEDS.items()):
        fmt = tarfile.PAX_FORMAT if name.endswith("pax") or \
            name.startswith("pax") else tarfile.USTAR_FORMAT
        try:
            raw = archive(entries, fmt)
        except ValueError:
            raw = archive(entries, tarfile.PAX_FORMAT)
        with open(os.path.join(out, name + ".tar"), "wb") as f:
            f.write(raw)
        if name in ("plain", "dotdot", "symlink_out", "long_pax"):
            gz = gzip.compress(raw, compresslevel=9, mtime=0)
            with open(os.path.join(out, name + ".tar.gz"), "wb") as f:
                f.write(gz)
    with open(os.path.join(out, "garbage"), "wb") as f:
        f.write(b"not a tarball at all\n")


if __name__ == "__main__":
    main()
