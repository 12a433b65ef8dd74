#!/usr/bin/env python3
"""The reference quantizers (sgzref/quant*.py, written from format-spec/quantizers.md)
against the corpus's model family: for a sample of the blocks of every quantized type of
every member of zoo/ (the imatrix member with esrgan-zoo.imatrix.gguf, zoo-fma/ with the
fma rounding), QuantizeRow of the BF16 parent's values gives the stored block byte for
byte, and PredictQuantsNoSearch with the stored scale fields gives its quants.

    test_quant_zoo.py CORPUS [BLOCKS_PER_TYPE]

Exit 0 all equal, 1 a difference, 77 no corpus (skip)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gguf_lite import Gguf, imatrix_importance  # noqa: E402
from quant_check import check_block  # noqa: E402
from sgzref.f32 import FMA, PLAIN, widen  # noqa: E402
from sgzref.quant import TYPES  # noqa: E402

# member (relative to the corpus), rounding, whether it used the imatrix
MEMBERS = [
    ("zoo/esrgan-zoo-F16.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q8_0.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q4_0.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q2_K.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q3_K_M.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q4_K_M.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q4_K_S.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q5_K_M.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q6_K.gguf", PLAIN, False),
    ("zoo/esrgan-zoo-Q4_K_M-imatrix.gguf", PLAIN, True),
    ("zoo-fma/esrgan-zoo-Q4_K_M-fma.gguf", FMA, False),
]


def sample_blocks(member, parent, want):
    """Up to `want` (tensor, block index) pairs per type, spread evenly over all the
    blocks of the member's tensors of that type (a fixed stride from an odd start)."""
    by_type = {}
    for name, (t, _, _) in member.tensors.items():
        if t in TYPES and name in parent.tensors:
            n_blocks = len(member.tensor(name)[2]) // TYPES[t][2]
            by_type.setdefault(t, []).extend((name, i) for i in range(n_blocks))
    out = {}
    for t, blocks in by_type.items():
        step = max(1, len(blocks) // want)
        out[t] = blocks[step // 3::step][:want]
    return out


def main():
    if len(sys.argv) < 2 or not os.path.isdir(os.path.join(sys.argv[1], "zoo")):
        print("SKIP: no corpus zoo/ (pass CORPUS)")
        return 77
    corpus = sys.argv[1]
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 48
    parent = Gguf(os.path.join(corpus, "zoo/esrgan-zoo-BF16.gguf"))
    imatrix = imatrix_importance(Gguf(os.path.join(corpus, "zoo/esrgan-zoo.imatrix.gguf")))
    values = {}
    fails = 0
    start = time.time()
    for path, rnd, with_imatrix in MEMBERS:
        full = os.path.join(corpus, path)
        if not os.path.exists(full):
            print(f"FAIL: {path} missing")
            fails += 1
            continue
        member = Gguf(full)
        for t, picks in sorted(sample_blocks(member, parent, want).items()):
            name_t, bw, _ = TYPES[t]
            quant_ok = predict_ok = 0
            t0 = time.time()
            for name, i in picks:
                _, ne, data = member.tensor(name)
                if name not in values:
                    pt, _, pdata = parent.tensor(name)
                    values[name] = widen(pt, pdata)
                quantized, predicted = check_block(
                    rnd, t, values[name], i, data,
                    imatrix[name] if with_imatrix and name in imatrix and bw > 1 else None, ne[0])
                quant_ok += quantized
                if not quantized and fails < 20:
                    print(f"  {path} {name} block {i}: quantizer differs")
                # No zoo block has a zero-scale sub-block (predicted None): the count
                # would show it.
                predict_ok += predicted is True
                if predicted is False and fails < 20:
                    print(f"  {path} {name} block {i}: prediction differs")
            n = len(picks)
            ok = quant_ok == n and predict_ok == n
            fails += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(path)} {name_t}: quantizer "
                  f"{quant_ok}/{n}, from scales {predict_ok}/{n} ({time.time() - t0:.1f} s)")
    print(f"{time.time() - start:.1f} s, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
