#!/usr/bin/env python3
"""The reference quantizers (sgzref/quant*.py) against sgz's C++ quantizers on the tiny
family of fixtures/gen/make_family (run with --variants): every block of every tensor of
every type, under each rounding (tiny-TYPE-plain/fma/fma-noassert.gguf), and every K type
with the importance of tiny.imatrix.gguf (tiny-TYPE-imatrix-ROUNDING.gguf), byte for byte;
and PredictQuantsNoSearch from each block's stored scales (except the blocks with a
zero-scale sub-block, whose quants the quantizer keeps from its search). Covers what the corpus has no
file of: Q4_1, Q5_1, the importance searches of Q2_K, Q3_K, Q5_K, Q6_K, fma-no-assert;
and the hostile inputs (tiny-hostile-*: a parent with infinities, NaN, subnormals;
tiny-random-*: damaged and random stored blocks, predicted from their scale fields).

    test_quant_family.py DIR          exit 0 all equal, 1 a difference"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gguf_lite import Gguf, imatrix_importance  # noqa: E402
from quant_check import check_block  # noqa: E402
from sgzref.f32 import FMA, FMA_NO_ASSERT, PLAIN, widen  # noqa: E402
from sgzref.quant import TYPES, predict_block, quantize_block  # noqa: E402

ROUNDINGS = {"plain": PLAIN, "fma": FMA, "fma-noassert": FMA_NO_ASSERT}


def main():
    d = sys.argv[1]
    parent = Gguf(os.path.join(d, "tiny-BF16.gguf"))
    imatrix = imatrix_importance(Gguf(os.path.join(d, "tiny.imatrix.gguf")))
    values = {name: widen(*parent.tensor(name)[::2]) for name in parent.tensors
              if parent.tensors[name][0] == 30}
    fails = checked = 0
    for t, (tname, bw, bb) in sorted(TYPES.items()):
        if t == 1:
            continue
        for rname, rnd in ROUNDINGS.items():
            for with_imp in (False, True) if bw == 256 else (False,):
                path = os.path.join(d, f"tiny-{tname}-{'imatrix-' if with_imp else ''}{rname}.gguf")
                member = Gguf(path)
                same = pred = n = zero = 0
                for name, x in values.items():
                    _, ne, data = member.tensor(name)
                    for b in range(len(data) // bb):
                        quantized, predicted = check_block(
                            rnd, t, x, b, data, imatrix[name] if with_imp else None, ne[0])
                        same += quantized
                        n += 1
                        zero += predicted is None
                        pred += predicted is True
                ok = same == n and pred == n - zero
                fails += not ok
                checked += 1
                if not ok:
                    print(f"FAIL {os.path.basename(path)}: quantizer {same}/{n}, "
                          f"from scales {pred}/{n - zero}")
                if zero:
                    print(f"  {os.path.basename(path)}: {zero} blocks with a zero-scale "
                          "sub-block, not predicted from their scales")
    # Hostile inputs: a parent with zeros, subnormals, huge values, infinities, NaN; stored
    # blocks of random bytes or with a flipped scale bit, predicted from both parents.
    hostile = widen(*Gguf(os.path.join(d, "tiny-hostile-BF16.gguf")).tensor("hostile")[::2])
    sources = {"normal": values["blk.0.attn_q.weight"], "hostile": hostile}
    for t, (tname, bw, bb) in sorted(TYPES.items()):
        for rname, rnd in ROUNDINGS.items():
            data = Gguf(os.path.join(d, f"tiny-hostile-{tname}-{rname}.gguf")).tensor("hostile")[2]
            bad = [b for b in range(len(data) // bb) if quantize_block(
                rnd, t, hostile[b * bw:(b + 1) * bw]) != data[b * bb:(b + 1) * bb]]
            checked += 1
            if bad:
                fails += 1
                print(f"FAIL tiny-hostile-{tname}-{rname}: blocks {bad[:8]} of {len(data) // bb}")
            if t == 1:
                continue
            stored = Gguf(os.path.join(d, f"tiny-random-{tname}.gguf"))
            want = Gguf(os.path.join(d, f"tiny-random-{tname}-{rname}.gguf"))
            for name, x in sources.items():
                blocks, expected = stored.tensor(name)[2], want.tensor(name)[2]
                bad = []
                for b in range(len(blocks) // bb):
                    blk = bytearray(blocks[b * bb:(b + 1) * bb])
                    predict_block(rnd, t, x[b * bw:(b + 1) * bw], blk)
                    if blk != expected[b * bb:(b + 1) * bb]:
                        bad.append(b)
                checked += 1
                if bad:
                    fails += 1
                    print(f"FAIL tiny-random-{tname}-{rname} {name}: prediction of blocks "
                          f"{bad[:8]} of {len(blocks) // bb}")
    print(f"{checked} files checked, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
