#!/usr/bin/env python3
"""Self-test of sgz_reader.py on archives assembled by hand from the spec's tables: the
format 2.x manifest (sections, entry sizes, unknown sections and ids, 2.1's file
attributes, read and restored, and skipped as a 2.0 reader skips them; 2.1's compressed
sections, ZSEC, and members, MEMB, and each of their rules), the split transform
of every type in the type table against the spec's per-byte formula, the codec rules, and
the spec's Minimal archive dump. Independent of the sgz binary. Prints one line per group
and exits 1 on the first failure. The archives are assembled by selftest_archives.py."""

import contextlib
import io
import os
import random
import sys

import zstandard

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sgz_reader as r  # noqa: E402
from selftest_archives import (TMP, assemble, chnk, chunk_entry, file_entry,  # noqa: E402
                               file_section, le, make_chunk, memb, refused, restore, run_tests,
                               section, single, spec_split)
from sgzref import conventions  # noqa: E402  (READER_MINOR: a test makes it earlier)
from sgzref.archive import Archive  # noqa: E402
from sgzref.conventions import Reject, xxh3  # noqa: E402
from sgzref.transforms import GGML_TYPES, join, stream_sizes  # noqa: E402


# ---- the tests

# The dump under "Minimal archive" in the spec (commit 1bed8fd), copied: format 1.0 bytes.
SPEC_DUMP = bytes.fromhex(
    "89 53 47 5a 0d 0a 1a 0a 01 00 00 00 00 00 00 00 53 47 5a 43 00 01 00 00 00 00 00 00"
    " 05 00 00 00 fd dc 62 5c 55 e8 55 95 00 00 00 00 05 00 00 00 05 00 00 00 68 65 6c 6c"
    " 6f 53 47 5a 4d 00 00 00 00 7b 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00 10 00 00"
    " 00 00 00 00 00 29 00 00 00 05 00 00 00 00 01 00 00 00 00 00 00 fd dc 62 5c 55 e8 55"
    " 95 00 00 05 00 00 00 00 00 00 00 fd dc 62 5c 55 e8 55 95 00 00 35 00 66 69 6c 65 20"
    " 69 73 20 35 20 62 79 74 65 73 2c 20 73 68 6f 72 74 65 72 20 74 68 61 6e 20 74 68 65"
    " 20 32 34 2d 62 79 74 65 20 47 47 55 46 20 68 65 61 64 65 72 01 00 00 00 00 00 00 00"
    " 39 00 00 00 00 00 00 00 8b 00 00 00 00 00 00 00 bf 9a ed 42 59 37 e7 2e 01 00 00 00"
    " 00 00 00 00 89 53 47 5a 45 4e 44 0a")


def test_spec_dump():
    assert len(SPEC_DUMP) == 236
    assert restore(SPEC_DUMP) == b"hello"


def test_hello_v2():
    a = single(b"hello")
    # 16 header + 41 chunk + 16 frame + (16 + 8 + 32) CHNK + (16 + 4 + 4 + 30) FILE + 40
    assert len(a) == 223, len(a)
    assert restore(a) == b"hello"
    assert restore(single(b"")) == b""  # an empty file: no chunks, no references


def test_sections():
    hello = make_chunk(b"hello")
    ok = file_entry(b"", b"hello", [0])

    def body(*parts):
        return assemble([hello], lambda p: b"".join(x(p) if callable(x) else x for x in parts))
    opt = section(b"XTRA", b"anything", flags=0, since_minor=7)
    assert restore(body(opt, chnk, file_section([ok]))) == b"hello"
    assert restore(body(opt, chnk, section(b"NOTE", b"", 0, 0),
                        file_section([ok]), opt)) == b"hello"
    later = conventions.READER_MINOR + 1
    refused(body(chnk, section(b"PRED", b"x", 1, later), file_section([ok])), "NotSupported",
            f"manifest section 'PRED' needs a reader of format 2.{later} or later; this reader "
            f"reads 2.{conventions.READER_MINOR}")
    refused(body(chnk, section(b"PRED", b"x", 1, 0), file_section([ok])), "Corruption", "PRED")
    refused(body(chnk, chnk, file_section([ok])), "Corruption", "appears twice")
    refused(body(file_section([ok]), chnk), "Corruption", "precedes")
    refused(body(chnk), "Corruption", "'FILE' is missing")
    refused(body(file_section([ok])), "Corruption", "precedes")
    # a known tag's `required` and `since_minor` are not checked
    assert restore(body(chnk, section(b"FILE", le(1, 4) + ok, flags=0, since_minor=3))) == b"hello"
    refused(body(chnk, section(b"FILE", le(1, 4) + ok, flags=3)), "Corruption", "reserved")
    refused(body(chnk, file_section([ok]), b"\0" * 15), "Corruption", "section")
    # a section size past the end of the body
    refused(body(chnk, file_section([ok])[:-1]), "Corruption", "exceeds")


def zsec(inner, decoded_size=None, frame=None, **compressor):
    """Section ZSEC (2.1): decoded_size, then `inner` as one zstd frame."""
    frame = zstandard.ZstdCompressor(**compressor).compress(inner) if frame is None else frame
    return section(b"ZSEC", le(len(inner) if decoded_size is None else decoded_size, 8) + frame,
                   since_minor=1)


def test_compressed_sections():
    hello = make_chunk(b"hello")
    ok = file_entry(b"x" * 300, b"hello", [0])  # a name long enough to compress
    files = file_section([ok])

    def body(*parts, minor=1):
        return assemble([hello], lambda p: b"".join(x(p) if callable(x) else x for x in parts),
                        minor=minor)
    both = lambda p: zsec(chnk(p) + files)
    assert restore(body(both)) == b"hello"
    assert restore(body(both, minor=0)) == b"hello"  # the archive's minor is not checked
    assert restore(body(chnk, lambda p: zsec(files))) == b"hello"
    opt = section(b"XTRA", b"anything", flags=0, since_minor=7)
    assert restore(body(opt, lambda p: zsec(opt + chnk(p) + files + opt))) == b"hello"
    # Any content size flag; a frame without one still decodes to exactly decoded_size.
    bare = lambda p, **k: zsec(chnk(p) + files, write_content_size=False, **k)
    assert restore(body(bare)) == b"hello"
    # the section rules across the body and ZSEC's content
    refused(body(lambda p: zsec(files + chnk(p))), "Corruption", "precedes")
    refused(body(chnk, both), "Corruption", "'CHNK' appears twice")
    zeros = section(b"NOTE", b"\0" * 4096, 0)  # lets a small section compress
    refused(body(lambda p: zsec(chnk(p) + zeros), lambda p: zsec(files)), "Corruption",
            "'ZSEC' appears twice")
    refused(body(lambda p: zsec(zsec(chnk(p) + files) + zeros)),
            "Corruption", "'ZSEC' inside 'ZSEC'")
    refused(body(lambda p: zsec(chnk(p) + files + b"\0" * 15)), "Corruption", "section")
    # the frame's rules
    size = len(chnk([(16, hello[0], hello[1])]) + files)
    refused(body(lambda p: zsec(chnk(p) + files, decoded_size=size + 1)), "Corruption",
            "declares")
    refused(body(lambda p: zsec(chnk(p) + files, decoded_size=size + 1,
                                frame=zstandard.ZstdCompressor(write_content_size=False)
                                .compress(chnk(p) + files))), "Corruption", "decodes to")
    refused(body(lambda p: zsec(chnk(p) + files, decoded_size=size - 1,
                                frame=zstandard.ZstdCompressor(write_content_size=False)
                                .compress(chnk(p) + files))), "Corruption", "zstd")
    refused(body(lambda p: zsec(b"ab" * 8)), "Corruption", "not smaller")
    refused(body(lambda p: section(b"ZSEC", b"1234567", since_minor=1)), "Corruption",
            "decoded_size")
    refused(body(lambda p: zsec(b"", decoded_size=(1 << 30) + 1, frame=b"x")),
            "ResourceExhausted", "2^30")
    # a window above 2^23 (a stream of unknown size keeps the level's window)
    params = zstandard.ZstdCompressionParameters(window_log=24, write_content_size=False)

    def wide(p):
        c = zstandard.ZstdCompressor(compression_params=params).compressobj()
        return zsec(chnk(p) + files, frame=c.compress(chnk(p) + files) + c.flush())
    refused(body(wide), "Corruption", "window")


def test_entry_sizes():
    hello = make_chunk(b"hello")
    grown = file_entry(b"h", b"hello", [0], extra=b"later fields")
    a = assemble([hello], lambda p: chnk(p, extra=b"\xff" * 8) + file_section([grown]))
    assert restore(a, b"h") == b"hello"
    short = file_entry(b"", b"hello", [0])
    short = le(int.from_bytes(short[:4], "little") - 1, 4) + short[4:-1]  # refs cut off
    refused(assemble([hello], lambda p: chnk(p) + file_section([short])), "Corruption",
            "chunk_ref")
    small = lambda p: section(b"CHNK", le(1, 4) + le(31, 2) + le(0, 2) + chunk_entry(*p[0])[:31])
    refused(assemble([hello], lambda p: small(p) + file_section([short])), "Corruption",
            "entry_size 31")


def test_unknown_ids():
    def codec3(s):  # the first codec id no version defines (2 is rans, since 2.4)
        return 3, s
    later = conventions.READER_MINOR + 1
    for minor, kind in ((later, "NotSupported"), (later - 1, "Corruption"), (0, "Corruption")):
        a = assemble([make_chunk(b"hello", mangle_stream=codec3)], lambda p: chnk(p) +
                     file_section([file_entry(b"", b"hello", [0])]), minor=minor)
        refused(a, kind, "codec 3")
    # A rans stream in an archive older than 2.4 breaks the rule that an archive
    # declares what it uses.
    refused(assemble([make_chunk(b"hello", mangle_stream=lambda s: (2, s))], lambda p: chnk(p) +
                     file_section([file_entry(b"", b"hello", [0])]), minor=3), "Corruption", "since 2.4")
    refused(assemble([make_chunk(b"hello")], lambda p: chnk(p) + file_section(
        [file_entry(b"", b"hello", [0], kind=5)]), minor=later), "NotSupported", f"format 2.{later}")
    refused(assemble([make_chunk(b"hello")], lambda p: chnk(p) + file_section(
        [file_entry(b"", b"hello", [0])]), minor=0, footer_minor=1), "Corruption", "differs")


def attributes(flags, mode, sec, nsec):
    """The 16 bytes 2.1 appends to a file entry (spec: File attributes)."""
    return le(flags, 2) + le(mode, 2) + sec.to_bytes(8, "little", signed=True) + le(nsec, 4)


def test_file_attributes():
    hello = make_chunk(b"hello")

    def archive(extra, minor=1):
        return assemble([hello], lambda p: chnk(p) + file_section(
            [file_entry(b"h", b"hello", [0], extra=extra)]), minor=minor)

    def members(a):
        path = os.path.join(TMP, "attr.sgz")
        with open(path, "wb") as f:
            f.write(a)
        arch = Archive(path)
        arch.f.close()
        return arch.files[0]
    both = attributes(3, 0o640, -86401, 999_999_999)
    f = members(archive(both))
    assert (f["mode"], f["mtime"]) == (0o640, (-86401, 999_999_999)), f
    assert restore(archive(both)) == b"hello"
    f = members(archive(attributes(2, 0, 7, 1) + b"2.2 fields"))  # later fields skipped
    assert (f["mode"], f["mtime"]) == (None, (7, 1)), f
    f = members(archive(b""))  # a 2.1 entry may end without them
    assert (f["mode"], f["mtime"]) == (None, None), f
    f = members(archive(b"\xee" * 16, minor=0))  # a 2.0 archive: never read
    assert (f["mode"], f["mtime"]) == (None, None), f
    # As a 2.0 reader: the bytes are skipped and the file reads the same.
    saved, conventions.READER_MINOR = conventions.READER_MINOR, 0
    try:
        f = members(archive(both))
        assert (f["mode"], f["mtime"]) == (None, None), f
        assert restore(archive(both)) == b"hello"
    finally:
        conventions.READER_MINOR = saved
    refused(archive(attributes(7, 0, 0, 0)), "Corruption", "reserved attr_flags")
    refused(archive(attributes(1, 0o10000, 0, 0)), "Corruption", "mode 10000")
    refused(archive(attributes(0, 0o644, 0, 0)), "Corruption", "mode 644")
    refused(archive(attributes(2, 0, 0, 1_000_000_000)), "Corruption", "mtime 0.1000000000")
    refused(archive(attributes(1, 0, 5, 0)), "Corruption", "mtime 5.0")
    refused(archive(both[:15]), "Corruption", "mtime_nsec")
    # -o restores them: the rwx bits (setuid and sticky dropped) and the time.
    path, out = os.path.join(TMP, "attr.sgz"), os.path.join(TMP, "attr.out")
    with open(path, "wb") as f:
        f.write(archive(attributes(3, 0o5640, 1_000_000_000, 5)))
    assert r.main([path, "-o", out]) == 0
    st = os.stat(out)
    assert (st.st_mode & 0o7777, st.st_mtime_ns) == (0o640, 1_000_000_000_000_000_005), st
    with open(out, "rb") as f:
        assert f.read() == b"hello"


def test_split_every_type():
    rng = random.Random(1)
    for type_id, (name, block_bytes, _, streams) in GGML_TYPES.items():
        for blocks, tail in ((0, 0), (1, 0), (7, block_bytes - 1), (3, 1)):
            data = bytes(rng.randrange(256) for _ in range(blocks * block_bytes + tail))
            split = spec_split(type_id, data)
            assert len(split) == streams, name
            assert [len(s) for s in split] == stream_sizes(1, type_id, len(data)), name
            assert join(1, type_id, b"".join(split)) == data, (name, blocks, tail)
        # through an archive: compressible values so that zstd streams occur too
        data = bytes(rng.randrange(4) for _ in range(40 * block_bytes + block_bytes // 2))
        assert restore(single(data, transform=1, type_id=type_id, zstd=True)) == data, name
    refused(single(b"x" * 36, transform=1, type_id=4), "Corruption", "removed")
    refused(single(b"x" * 36, transform=1, type_id=40), "Corruption", "type 40")


def test_shared_chunks_and_members():
    rng = random.Random(2)
    parts = [bytes(rng.randrange(256) for _ in range(n)) for n in (100, 50, 7)]
    blobs = [make_chunk(p, zstd=True) for p in parts]
    a = assemble(blobs, lambda p: chnk(p) + file_section([
        file_entry(b"ab", parts[0] + parts[1], [0, 1]),
        file_entry(b"ac", parts[0] + parts[2], [0, 2])]) + memb(2), minor=1)
    assert restore(a, b"ab") == parts[0] + parts[1]
    assert restore(a, b"ac") == parts[0] + parts[2]
    bad = assemble(blobs, lambda p: chnk(p) + file_section([
        file_entry(b"ab", parts[1] + parts[0], [1, 0])]))
    refused(bad, "Corruption", "not greater")
    out = os.path.join(TMP, "member.out")
    path = os.path.join(TMP, "multi.sgz")
    with open(path, "wb") as f:
        f.write(a)
    assert r.main([path, "ac", "-o", out]) == 0
    with open(out, "rb") as f:
        assert f.read() == parts[0] + parts[2]
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert r.main([path, "-o", out + "2"]) == 2 and not os.path.exists(out + "2")
    assert err.getvalue() == "sgz_reader: the archive holds 2 files; name one (--list)\n"


def copy_chunk(target, data, size=None, checksum=None):
    """A copy chunk (transform 2, since 2.1) of chunk `target`, whose bytes are `data`."""
    size = len(data) if size is None else size
    checksum = xxh3(data) if checksum is None else checksum
    head = b"SGZC" + le(2, 1) + le(0, 1) + le(0, 2) + le(target, 4) + le(size, 4) + le(checksum, 8)
    return head, (size, 2, 0, target, checksum)


def test_copy_chunks():
    x, y = b"x" * 100, b"y" * 60
    blobs = [make_chunk(x, zstd=True), make_chunk(y), copy_chunk(0, x)]

    def archive(blobs, files=None, minor=1):
        files = files or [file_entry(b"a", x + y, [0, 1]), file_entry(b"b", y + x, [1, 2])]
        return assemble(blobs, lambda p: chnk(p) + file_section(files) + memb(len(files)),
                        minor=minor)
    assert restore(archive(blobs), b"a") == x + y
    assert restore(archive(blobs), b"b") == y + x
    # A member that is only a copy, and two copies of one chunk in one member.
    assert restore(archive(blobs + [copy_chunk(0, x)], [
        file_entry(b"a", x, [0]), file_entry(b"b", x + x, [2, 3])]), b"b") == x + x
    refused(archive([blobs[0], blobs[1], copy_chunk(3, x), make_chunk(x)],
                    [file_entry(b"a", x + y, [0, 1]), file_entry(b"b", x + x, [2, 3])]),
            "Corruption", "does not precede")
    refused(archive([blobs[0], blobs[1], copy_chunk(2, y)]), "Corruption", "does not precede")
    refused(archive(blobs + [copy_chunk(2, x)], [
        file_entry(b"a", x + y, [0, 1]), file_entry(b"b", x + x, [2, 3])]), "Corruption",
        "itself a copy")
    refused(archive([blobs[0], blobs[1], copy_chunk(0, x, size=99)], [
        file_entry(b"a", x + y, [0, 1]), file_entry(b"b", y + x[:99], [1, 2])]),
        "Corruption", "original_size or checksum differs")
    refused(archive([blobs[0], blobs[1], copy_chunk(0, x, checksum=xxh3(x) ^ 1)]),
            "Corruption", "original_size or checksum differs")
    refused(archive([blobs[0], blobs[1], copy_chunk(1, x, size=60)], [
        file_entry(b"a", x + y, [0, 1]), file_entry(b"b", y + y, [1, 2])]),
        "Corruption", "original_size or checksum differs")
    # Defined since 2.1: in a 2.0 archive it is corrupt; a 2.0 reader meets an unknown
    # transform of a later minor and says NotSupported (the rule for unknown ids).
    refused(archive(blobs, minor=0), "Corruption", "since 2.1")
    # Its header must agree with its entry (checked when it is read).
    head, meta = copy_chunk(0, x)
    bad = head[:8] + le(1, 4) + head[12:]
    refused(archive([blobs[0], blobs[1], (bad, meta)]), "Corruption", "disagrees", b"b")
    # No streams: a copy with a descriptor is refused by its entry.
    refused(archive([blobs[0], blobs[1], (head + b"\0" * 12, (100, 2, 1, 0, xxh3(x)))]),
            "Corruption", "stream_count 1, the transform gives 0")


def reference_chunk(ref_bytes, ref, data, codec=1, dict_id=None):
    """A referencing chunk (transform 3, since 2.2): `data` coded against `ref_bytes`, the
    bytes of chunk `ref`; codec 0 stores it (to be refused); dict_id names a dictionary."""
    if codec == 1:
        d = zstandard.ZstdCompressionDict(ref_bytes, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        stored = zstandard.ZstdCompressor(level=9, dict_data=d).compress(data)
        if dict_id is not None:  # set Dictionary_ID_flag to 1 and insert the 1-byte field
            fhd = stored[4]
            assert fhd & 3 == 0
            at = 6 if fhd & 0x20 == 0 else 5  # after the Window_Descriptor, if any
            stored = stored[:4] + bytes([fhd | 1]) + stored[5:at] + bytes([dict_id]) + stored[at:]
    else:
        stored = data
    head = b"SGZC" + le(3, 1) + le(1, 1) + le(0, 2) + le(ref, 4) + le(len(data), 4) + \
        le(xxh3(data), 8)
    desc = le(codec, 1) + b"\0\0\0" + le(len(data), 4) + le(len(stored), 4)
    return head + desc + stored, (len(data), 3, 1, ref, xxh3(data))


def test_reference_chunks():
    x = bytes(range(256)) * 4 + b"the parent's metadata" * 20
    y = x[:300] + b"an inserted key" + x[300:]
    blobs = [make_chunk(x, zstd=True), make_chunk(b"t" * 50), reference_chunk(x, 0, y)]
    assert len(blobs[2][0]) < 24 + 12 + 100, "not coded against its reference"

    def archive(blobs, files=None, minor=2):
        files = files or [file_entry(b"a", x + b"t" * 50, [0, 1]), file_entry(b"b", y, [2])]
        return assemble(blobs, lambda p: chnk(p) + file_section(files) + memb(len(files)),
                        minor=minor)
    assert restore(archive(blobs), b"a") == x + b"t" * 50
    assert restore(archive(blobs), b"b") == y
    # A copy of a referencing chunk reads (its target, then the target's reference).
    assert restore(archive(blobs + [copy_chunk(2, y)], [
        file_entry(b"a", x, [0]), file_entry(b"b", y + y, [2, 3])]), b"b") == y + y
    # The reference precedes and decodes alone.
    refused(archive([blobs[0], blobs[1], reference_chunk(x, 3, y), make_chunk(x)],
                    [file_entry(b"a", x, [0]), file_entry(b"b", y + x, [2, 3])]),
            "Corruption", "which does not precede it")
    refused(archive([blobs[0], blobs[1], reference_chunk(y, 2, y)]), "Corruption",
            "which does not precede it")
    refused(archive(blobs + [reference_chunk(y, 2, x)], [
        file_entry(b"a", x, [0]), file_entry(b"b", y + x, [2, 3])]), "Corruption",
        "itself a copy or referencing chunk")
    refused(archive([blobs[0], blobs[1], copy_chunk(0, x), reference_chunk(x, 2, y)], [
        file_entry(b"a", x, [0]), file_entry(b"b", x + y, [2, 3])]), "Corruption",
        "itself a copy or referencing chunk")
    # Naming another chunk than the one it was coded against: it does not decode.
    try:
        restore(archive([blobs[0], blobs[1], reference_chunk(x, 1, y)]), b"b")
        raise AssertionError("a frame coded against other bytes decoded")
    except Reject as e:
        assert e.kind in ("Corruption", "ChecksumMismatch"), e
    # zstd only; no dictionary named; 2.2 only (a 2.1 reader meets an unknown transform
    # of a later minor: NotSupported naming 2.2).
    refused(archive([blobs[0], blobs[1], reference_chunk(x, 0, y, codec=0)]), "Corruption",
            "zstd only", b"b")
    refused(archive([blobs[0], blobs[1], reference_chunk(x, 0, y, dict_id=7)]), "Corruption",
            "names a dictionary", b"b")
    refused(archive(blobs, minor=1), "Corruption", "since 2.2")


def test_members_section():
    hello = make_chunk(b"hello")
    a, b = b"a" * 200, b"b" * 200  # names long enough to compress
    two = [file_entry(a, b"hello", [0]), file_entry(b, b"hello", [0])]

    def body(*parts, minor=1):
        return assemble([hello], lambda p: b"".join(x(p) if callable(x) else x for x in parts),
                        minor=minor)
    files = file_section(two)
    assert restore(body(chnk, files, memb(2)), b) == b"hello"
    assert restore(body(memb(2), chnk, files), a) == b"hello"
    assert restore(body(chnk, files, memb(2, extra=b"later")), b) == b"hello"  # skipped
    assert restore(body(lambda p: zsec(chnk(p) + files + memb(2))), b) == b"hello"
    assert restore(body(chnk, files, memb(2), minor=0), b) == b"hello"  # minor unchecked
    # One file: MEMB is not written, but accepted when its count is right.
    assert restore(body(chnk, file_section(two[:1]), memb(1))) == b"hello"
    refused(body(chnk, files), "Corruption", "'MEMB' is missing in an archive of 2 file entries")
    refused(body(lambda p: zsec(chnk(p) + files)), "Corruption", "'MEMB' is missing")
    refused(body(chnk, files, memb(3)), "Corruption", "member_count 3, the file table has 2")
    refused(body(chnk, files, memb(1)), "Corruption", "member_count 1, the file table has 2")
    refused(body(chnk, files, memb(2, count=3)), "Corruption", "cannot fit")
    refused(body(chnk, files, memb(2, count=1)), "Corruption", "trailing bytes")
    refused(body(chnk, files, memb(2), memb(2)), "Corruption", "'MEMB' appears twice")
    refused(body(lambda p: zsec(chnk(p) + files + memb(2)), memb(2)), "Corruption",
            "'MEMB' appears twice")
    refused(body(chnk, files, memb(2, extra=b"xy", cut=1)), "Corruption", "member entry 1")
    refused(body(chnk, files, memb(2, cut=6)), "Corruption", "member_count")


def test_gguf_summary():
    data = bytes(range(256)) * 4

    def tensor(name, type_id, offset, size, extra=b""):
        body = le(len(name), 2) + name + le(type_id, 4) + le(2, 4) + le(16, 8) + le(4, 8) + \
            le(offset, 8) + le(size, 8) + extra
        return le(len(body), 2) + body

    def archive(*tensors):
        summary = le(3, 4) + le(0, 1) + b"\0\0\0" + le(32, 8) + le(512, 8) + le(2, 8) + \
            le(len(tensors), 4) + b"".join(tensors)
        return assemble([make_chunk(data)], lambda p: chnk(p) + file_section(
            [file_entry(b"m.gguf", data, [0], kind=1, summary=summary)]))
    assert restore(archive(tensor(b"a", 200, 512, 64, b"new"), tensor(b"b", 12, 576, 448))) \
        == data
    refused(archive(tensor(b"a", 0, 512, 4), tensor(b"a", 0, 516, 4)), "Corruption",
            "duplicate")
    refused(archive(tensor(b"a", 0, 500, 4)), "Corruption", "below data_offset")
    refused(archive(tensor(b"a", 0, 1000, 100)), "Corruption", "not within")


def test_codecs_and_checksums():
    data = b"abc" * 1000
    frame = zstandard.ZstdCompressor().compress(data)
    refused(single(data, mangle_stream=lambda s: (1, frame + b"\0")),
            "Corruption", "unused data")
    refused(single(data, mangle_stream=lambda s: (1, frame + frame)), "Corruption", "zstd")
    skip = le(0x184D2A53, 4) + le(4, 4) + b"abcd"
    refused(single(data, mangle_stream=lambda s: (1, skip + frame)), "Corruption", "skippable")
    refused(single(b"abcdef", mangle_stream=lambda s: (1, s)), "Corruption", "not smaller")
    refused(single(b"abcdef", mangle_stream=lambda s: (0, s[:-1])), "Corruption", "")
    other = zstandard.ZstdCompressor().compress(data[:-1])
    refused(single(data, mangle_stream=lambda s: (1, other)), "Corruption", "declares")
    a = bytearray(single(b"hello"))
    a[16 + 24 + 12] ^= 1  # a stored byte of the chunk
    refused(bytes(a), "ChecksumMismatch", "chunk 0")
    a = bytearray(single(b"hello"))
    a[-40 - 5] ^= 1  # a manifest byte (a chunk reference)
    refused(bytes(a), "ChecksumMismatch", "manifest")
    wrong = assemble([make_chunk(b"hello")], lambda p: chnk(p) + file_section(
        [file_entry(b"", b"hellO", [0])]))
    refused(wrong, "ChecksumMismatch", "whole file")


run_tests("selftest_v2", globals())

