#!/usr/bin/env python3
"""Writes a Helm repository index.yaml shaped like a big public one
(many charts, many versions each, with maintainers, annotations and
dependencies), about MB megabytes: gen.py <out> [MB]."""
import sys

out, mb = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 50
target = int(mb * 1024 * 1024)
with open(out, "w") as f:
    f.write("apiVersion: v1\nentries:\n")
    size, c = 0, 0
    while size < target:
        name = "chart%05d" % c
        lines = ["  %s:\n" % name]
        for v in range(60):
            lines.append(
                "  - annotations:\n"
                "      artifacthub.io/changes: |\n"
                "        - kind: changed\n"
                "          description: bump dependency %d of %s\n"
                "    apiVersion: v2\n"
                "    appVersion: %d.%d.0\n"
                "    created: \"2025-01-%02dT10:00:00.000000000Z\"\n"
                "    dependencies:\n"
                "    - name: common\n"
                "      repository: oci://registry.example.com/charts\n"
                "      version: 2.x.x\n"
                "    description: A chart for %s, generated for the index bench\n"
                "    digest: %064x\n"
                "    home: https://example.com/%s\n"
                "    maintainers:\n"
                "    - email: team@example.com\n"
                "      name: team\n"
                "    name: %s\n"
                "    urls:\n"
                "    - https://charts.example.com/%s-%d.%d.%d.tgz\n"
                "    version: %d.%d.%d\n"
                % (v, name, v // 10, v % 10, v % 28 + 1, name, c * 100 + v,
                   name, name, name, v // 20, v % 20, 0, v // 20, v % 20, 0))
        text = "".join(lines)
        f.write(text)
        size += len(text)
        c += 1
    f.write("generated: \"2025-01-01T00:00:00Z\"\n")
print(out, c, "charts")
