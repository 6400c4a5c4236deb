#!/usr/bin/python3
"""Python's json module as a reference beside doc_bench, printing the
same tab-separated line: case, bytes, iterations, best CPU ms, median
CPU ms, best wall ms, MB/s (best CPU), count, peak RSS KiB, system ms
within the best CPU time.

    py_bench.py CASE FILE [ITERATIONS]

Cases: python-json-parse, python-json-parse-indent (loads, walk every
value), python-json-emit, python-json-emit-indent (dumps; compact with
(',', ':'), indented with indent=2, ensure_ascii=False).
"""
import json
import resource
import sys
import time


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


def parse(text, state):
    return len(text), count_values(json.loads(text))


def emit(obj, indent):
    if indent:
        out = json.dumps(obj, indent=2, ensure_ascii=False)
    else:
        out = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    n = len(out.encode())
    return n, n


CASES = {
    "python-json-parse": (False, lambda text, obj: parse(text, obj)),
    "python-json-parse-indent": (False, lambda text, obj: parse(text, obj)),
    "python-json-emit": (True, lambda text, obj: emit(obj, False)),
    "python-json-emit-indent": (True, lambda text, obj: emit(obj, True)),
}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CASES:
        sys.exit("usage: py_bench.py {%s} FILE [ITERATIONS]" %
                 ",".join(CASES))
    name, path = sys.argv[1], sys.argv[2]
    iters = int(sys.argv[3]) if len(sys.argv) == 4 else 5
    with open(path, "rb") as f:
        text = f.read()
    needs_obj, run = CASES[name]
    obj = json.loads(text) if needs_obj else None
    samples, wall = [], []
    for _ in range(iters):
        c0, w0 = time.process_time(), time.perf_counter()
        s0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        nbytes, count = run(text, obj)
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
