"""Archives assembled by hand from the spec's tables (chunk header, descriptor, chunk and
file entries, sections, footer), and the reader run on them: the means of
selftest_v2.py, which holds the tests."""

import atexit
import io
import os
import shutil
import sys
import tempfile

import zstandard

from sgzref.archive import Archive
from sgzref.chunks import HEADER_MAGIC
from sgzref.conventions import Reject, xxh3
from sgzref.manifest import FOOTER_MAGIC
from sgzref.transforms import GGML_TYPES, PLAIN, PLANES


def le(value, size):
    return value.to_bytes(size, "little")


# ---- assembling archives (spec tables: chunk header, descriptor, entries, sections, footer)

def spec_split(type_id, data):
    """The split as the Implementation notes write it, one byte at a time."""
    _, block_bytes, fields, _ = GGML_TYPES[type_id]
    n = len(data) // block_bytes
    out = bytearray(len(data))
    sizes, pos, field_off = [], 0, 0
    for _, nbytes, layout in fields:
        for b in range(n):
            for j in range(nbytes):
                src = b * block_bytes + field_off + j
                if layout == PLAIN:
                    out[pos + b * nbytes + j] = data[src]
                else:
                    out[pos + j * n + b] = data[src]
        sizes += [n] * nbytes if layout == PLANES else [n * nbytes]
        pos += n * nbytes
        field_off += nbytes
    out[pos:] = data[n * block_bytes:]
    sizes.append(len(data) - n * block_bytes)
    streams, at = [], 0
    for s in sizes:
        streams.append(bytes(out[at:at + s]))
        at += s
    return streams


def make_chunk(data, transform=0, type_id=0, zstd=False, mangle_stream=None):
    """A chunk (header, descriptors, streams) and the fields its table entry repeats."""
    known = transform == 1 and type_id in GGML_TYPES  # else: one stream, to be refused
    streams = spec_split(type_id, data) if known else [data]
    descriptors = payload = b""
    for k, s in enumerate(streams):
        codec, stored = 0, s
        if zstd and s:
            frame = zstandard.ZstdCompressor(level=3).compress(s)
            if len(frame) < len(s):
                codec, stored = 1, frame
        if mangle_stream and k == 0:
            codec, stored = mangle_stream(s)
        descriptors += le(codec, 1) + b"\0\0\0" + le(len(s), 4) + le(len(stored), 4)
        payload += stored
    meta = (len(data), transform, len(streams), type_id, xxh3(data))
    head = b"SGZC" + le(transform, 1) + le(len(streams), 1) + le(0, 2) + le(type_id, 4) + \
        le(len(data), 4) + le(meta[4], 8)
    return head + descriptors + payload, meta


def chunk_entry(offset, blob, meta, extra=b""):
    original_size, transform, stream_count, type_id, checksum = meta
    return le(offset, 8) + le(len(blob), 4) + le(original_size, 4) + le(transform, 1) + \
        le(stream_count, 1) + le(0, 2) + le(type_id, 4) + le(checksum, 8) + extra


def section(tag, content, flags=1, since_minor=0):
    return tag + le(flags, 2) + le(since_minor, 2) + le(len(content), 8) + content


def chnk(placed, extra=b""):
    entries = b"".join(chunk_entry(o, b, m, extra) for o, b, m in placed)
    return section(b"CHNK", le(len(placed), 4) + le(32 + len(extra), 2) + le(0, 2) + entries)


def file_entry(name, data, refs, kind=0, note=b"", summary=b"", extra=b""):
    body = le(len(name), 2) + name + le(len(data), 8) + le(xxh3(data), 8) + le(kind, 1) + \
        b"\0" + le(len(note), 2) + note + le(len(refs), 4) + \
        b"".join(le(x, 4) for x in refs) + summary + extra
    return le(len(body), 4) + body


def file_section(entries):
    return section(b"FILE", le(len(entries), 4) + b"".join(entries))


def memb(n, extra=b"", count=None, cut=0):
    """Section MEMB (2.1): member_count, then n entries of `extra` with their u32 size;
    the content less its last `cut` bytes."""
    entries = b"".join(le(len(extra), 4) + extra for _ in range(n))
    content = le(n if count is None else count, 4) + entries
    return section(b"MEMB", content[:len(content) - cut], since_minor=1)


def assemble(blobs, sections, major=2, minor=0, footer_minor=None):
    """blobs: [(chunk bytes, meta)] placed from offset 16; sections(placed) -> body."""
    placed, pos = [], 16
    for blob, meta in blobs:
        placed.append((pos, blob, meta))
        pos += len(blob)
    body = sections(placed)
    frame = b"SGZM" + le(0, 4) + le(len(body), 8) + body
    footer = le(pos, 8) + le(len(frame), 8) + le(xxh3(frame), 8) + le(major, 2) + \
        le(minor if footer_minor is None else footer_minor, 2) + le(0, 4) + FOOTER_MAGIC
    header = HEADER_MAGIC + le(major, 2) + le(minor, 2) + le(0, 4)
    return header + b"".join(b for b, _ in blobs) + frame + footer


def single(data, name=b"", **chunk_options):
    """A 2.0 archive of one file in one chunk, as the 2.0 writer lays it out."""
    blobs = [make_chunk(data, **chunk_options)] if data else []
    return assemble(blobs, lambda p: chnk(p) + file_section(
        [file_entry(name, data, list(range(len(p))))]))


# ---- running the reader

TMP = tempfile.mkdtemp(prefix="sgz_selftest.")
atexit.register(shutil.rmtree, TMP)


def restore(archive, member=None):
    path = os.path.join(TMP, "a.sgz")
    with open(path, "wb") as f:
        f.write(archive)
    a = Archive(path)
    try:
        files = [f for f in a.files if member is None or f["name"] == member]
        assert len(files) == 1, files
        out = io.BytesIO()
        a.restore(files[0], out)
        return out.getvalue()
    finally:
        a.f.close()


def refused(archive, kind, text, member=None):
    try:
        restore(archive, member)
    except Reject as e:
        assert e.kind == kind and text in str(e), f"wanted {kind} '{text}', got: {e}"
        return
    raise AssertionError(f"accepted; wanted {kind} '{text}'")


def check(group, fn):
    fn()
    print(f"ok {group}")


def run_tests(name, tests):
    """Runs, in order, every function test_GROUP of tests (a self-test's globals()), as
    check(GROUP); exits 1 at the first that fails, with a FAIL line naming it."""
    for test_name, fn in list(tests.items()):
        if test_name.startswith("test_"):
            try:
                check(test_name[5:], fn)
            except (AssertionError, Reject) as e:
                print(f"FAIL {test_name[5:]}: {e!r}")
                sys.exit(1)
    print(f"{name}: all passed")

