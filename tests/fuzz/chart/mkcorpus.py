#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_chart: tiny chart archives (.tgz as
`helm package` writes them), valid ones and the hostile kinds the loader
must refuse. Deterministic: run it again and the files come out byte for
byte the same.

    tests/fuzz/chart/mkcorpus.py tests/fuzz/chart/corpus
"""
import gzip
import io
import os
import sys
import tarfile

CHART = b"apiVersion: v2\nname: c\nversion: 0.1.0\n"
CM = (b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
      b"  name: {{ .Release.Name }}-{{ .Chart.Name }}\n"
      b"data:\n  a: {{ .Values.a | quote }}\n"
      b"  l: {{ .Values.l | toJson | quote }}\n")
HELPERS = (b'{{- define "c.name" -}}{{ .Chart.Name | trunc 63 }}'
           b'{{- end -}}\n')
HOOK = (b"apiVersion: batch/v1\nkind: Job\nmetadata:\n"
        b"  name: {{ include \"c.name\" . }}-hook\n  annotations:\n"
        b"    helm.sh/hook: pre-install,post-upgrade\n"
        b"    helm.sh/hook-weight: \"-5\"\n"
        b"    helm.sh/hook-delete-policy: before-hook-creation\n")


def entry(name, data=b"", kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o644
    info.mtime = 0
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def tar(entries, fmt=tarfile.GNU_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data else None)
    # Keep only the end marker of the 10 KiB record, so inputs stay small
    # (the last entry's data must not end in NUL bytes).
    raw = out.getvalue().rstrip(b"\0")
    raw += b"\0" * (-len(raw) % 512)
    return raw + b"\0" * 1024


def gz(raw):
    return gzip.compress(raw, compresslevel=9, mtime=0)


def chart(prefix="c", extra=()):
    return [entry(prefix + "/Chart.yaml", CHART.replace(b"name: c",
                                                        b"name: " + prefix.encode())),
            entry(prefix + "/values.yaml", b"a: x\nl: [1, 2]\n"),
            entry(prefix + "/templates/_helpers.tpl", HELPERS),
            entry(prefix + "/templates/cm.yaml", CM)] + list(extra)


def seeds():
    sub = gz(tar(chart("s")))
    yield "minimal.tgz", gz(tar(chart()))
    yield "hook.tgz", gz(tar(chart(extra=[
        entry("c/templates/hook.yaml", HOOK),
        entry("c/templates/NOTES.txt", b"{{ .Release.Name }}\n")])))
    yield "subchart.tgz", gz(tar(chart(extra=[
        entry("c/charts/s-0.1.0.tgz", sub),
        entry("c/charts/d/Chart.yaml",
              b"apiVersion: v2\nname: d\nversion: 1.0.0\n"),
        entry("c/charts/d/templates/x.yaml",
              b"x: {{ .Values.global.g | default 1 }}\n")])))
    yield "deps.tgz", gz(tar([
        entry("c/Chart.yaml", CHART + b"dependencies:\n"
              b"- name: s\n  version: '>=0.1.0'\n  condition: s.on\n"
              b"  alias: t\n  tags: [x]\n"),
        entry("c/values.yaml", b"s: {on: true}\ntags: {x: true}\n"),
        entry("c/charts/s-0.1.0.tgz", sub)]))
    yield "schema.tgz", gz(tar(chart(extra=[
        entry("c/values.schema.json",
              b'{"type":"object","required":["a"],'
              b'"properties":{"a":{"type":"string","maxLength":3}}}')])))
    yield "pax_long.tgz", gz(tar(chart(extra=[
        entry("c/templates/" + "d" * 120 + "/long.yaml", b"k: v\n")]),
        fmt=tarfile.PAX_FORMAT))
    yield "gnu_long.tgz", gz(tar(chart(extra=[
        entry("c/files/" + "f" * 150, b"data\n")])))
    # Two gzip members back to back, as Go's reader accepts.
    raw = tar(chart())
    yield "multimember.tgz", gz(raw[:1024]) + gz(raw[1024:])
    yield "dotdot.tgz", gz(tar(chart(extra=[
        entry("c/../../evil.yaml", b"x: 1\n")])))
    yield "absolute.tgz", gz(tar(chart(extra=[
        entry("/etc/c/templates/x.yaml", b"x: 1\n")])))
    yield "no_chart_yaml.tgz", gz(tar([entry("c/values.yaml", b"a: 1\n")]))
    yield "bad_chart_yaml.tgz", gz(tar([
        entry("c/Chart.yaml", b"apiVersion: v2\nname: [c\n")]))
    yield "bad_values.tgz", gz(tar([entry("c/Chart.yaml", CHART),
                                     entry("c/values.yaml", b"a: {b\n")]))
    yield "bad_template.tgz", gz(tar(chart(extra=[
        entry("c/templates/bad.yaml", b"{{ if }}\n")])))
    full = gz(tar(chart()))
    yield "truncated.tgz", full[:len(full) // 2]
    yield "truncated_tar.tgz", gz(tar(chart())[:700])
    corrupt = bytearray(tar(chart()))
    corrupt[148] ^= 0x11  # the first header's checksum
    yield "bad_checksum.tgz", gz(bytes(corrupt))
    # 4 MiB of zeros in one file compress to about 4 KiB: past the
    # harness's 2 MiB total limit.
    yield "bomb.tgz", gz(tar([entry("c/Chart.yaml", CHART),
                               entry("c/files/zeros", b"\0" * (4 << 20)),
                               entry("c/values.yaml", b"a: 1\n")]))
    yield "not_gzip.tar", tar(chart())
    yield "empty", b""


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
