#!/usr/bin/env python3
"""Self-test of transform 5 (context split, format 2.4) in sgzref/ctxsplit.py against
sgz's C++ on the chunks tests/ctxsplit_dump wrote into DIR: for every case the Python
split equals the C++ streams, the Python join of the C++ streams gives the chunk back,
and the contexts are equal. Usage: selftest_ctxsplit.py DIR. Exits 1 on a failure."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sgzref import ctxsplit, transforms  # noqa: E402


def main(directory):
    cases = sorted(f[:-3] for f in os.listdir(directory) if f.endswith(".in"))
    if not cases:
        print("FAIL no cases in " + directory)
        return 1
    fails = 0
    for case in cases:
        type_id = int(case.split("_")[0])

        def read(ext, case=case):
            with open(os.path.join(directory, case + ext), "rb") as f:
                return f.read()
        data, split, ctx = read(".in"), read(".split"), read(".ctx")
        sizes = transforms.stream_sizes(transforms.SPLIT, type_id, len(data))
        ours = b"".join(ctxsplit.contexts(type_id, split, i) for i in range(len(sizes)))
        # decode_chunk: streams handed out in order, contexts checked on the way.
        offsets = [sum(sizes[:k]) for k in range(len(sizes) + 1)]
        seen = []

        def decode_stream(k, ctx_k, count, split=split, offsets=offsets, seen=seen):
            seen.append(ctx_k == ctxsplit.contexts(type_id, split, k) if count else ctx_k is None)
            return split[offsets[k]:offsets[k + 1]]
        decoded = ctxsplit.decode_chunk(type_id, len(data), decode_stream)
        for what, ok in (("decode_chunk", decoded == data and all(seen)),
                         ("split", ctxsplit.split(type_id, data) == split),
                         ("join", ctxsplit.join(type_id, split) == data),
                         ("contexts", ours == ctx),
                         ("context range", all(c < 16 for c in ours))):
            if not ok:
                fails += 1
                print("FAIL %s: %s" % (case, what))
    print("transform 5: %d cases, %d failures" % (len(cases), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
