#!/usr/bin/python3
"""Python's yaml module with libyaml (CSafeLoader, CSafeDumper) as a
reference beside doc_bench's YAML cases, printing doc_bench's line: case,
bytes, iterations, best CPU ms, median CPU ms, best wall ms, MB/s (best
CPU), count, peak RSS KiB, system ms within the best CPU time.

    yaml_py_bench.py CASE FILE [ITERATIONS]

Cases: python-yaml-parse (load_all, walk every value) and
python-yaml-emit (dump_all in block style, unsorted, unwrapped). Run it
with Debian's /usr/bin/python3 and python3-yaml; a python3 elsewhere on
PATH may lack yaml or its libyaml binding.
"""
import resource
import sys
import time

import yaml


def count_values(v):
    n, stack = 0, [v]
    while stack:
        x = stack.pop()
        n += 1
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return n


def parse(text, docs):
    loaded = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    return len(text), sum(count_values(d) for d in loaded)


def emit(text, docs):
    out = yaml.dump_all(docs, Dumper=yaml.CSafeDumper, allow_unicode=True,
                        default_flow_style=False, sort_keys=False,
                        width=1 << 20).encode()
    return len(out), len(out)


CASES = {"python-yaml-parse": (False, parse), "python-yaml-emit": (True, emit)}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CASES:
        sys.exit("usage: yaml_py_bench.py {%s} FILE [ITERATIONS]" %
                 ",".join(CASES))
    if not yaml.__with_libyaml__:
        sys.exit("yaml_py_bench.py: PyYAML lacks its libyaml binding")
    name, path = sys.argv[1], sys.argv[2]
    iters = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    with open(path, "rb") as f:
        text = f.read()
    needs_docs, run = CASES[name]
    docs = (list(yaml.load_all(text, Loader=yaml.CSafeLoader))
            if needs_docs else None)
    samples, wall = [], []
    for _ in range(iters):
        c0, w0 = time.process_time(), time.perf_counter()
        s0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        nbytes, count = run(text, docs)
        samples.append(((time.process_time() - c0) * 1e3,
                        (resource.getrusage(resource.RUSAGE_SELF).ru_stime -
                         s0) * 1e3))
        wall.append((time.perf_counter() - w0) * 1e3)
    samples.sort()
    cpu = [c for c, _ in samples]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%d\t%.2f" % (
        name, nbytes, iters, cpu[0], cpu[iters // 2], min(wall),
        nbytes / 1e6 / (cpu[0] / 1e3), count, rss, samples[0][1]))


if __name__ == "__main__":
    main()
