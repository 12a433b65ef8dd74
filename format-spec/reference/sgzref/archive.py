"""Opening an archive (header, footer, manifest, member names and records) and
restoring one of its files, every checksum verified, to a binary stream."""

import os
import struct

import xxhash

from .chunks import HEADER_SIZE, decode_chunk, read_header
from .conventions import Cursor, Version, display, require, xxh3
from .manifest import (FOOTER_SIZE, MAX_NAME_BYTES, decode_manifest_v1, decode_manifest_v2,
                       read_footer)
from .transforms import COPY, REFERENCE

# ---------------------------------------------------------------------------------------
# Opening an archive and restoring a file.


class Archive:
    def __init__(self, path):
        self.f = open(path, "rb")
        size = os.fstat(self.f.fileno()).st_size
        require(size >= HEADER_SIZE + FOOTER_SIZE,
                f"archive of {size} bytes is shorter than header and footer (56)")
        major, minor = read_header(self.read(0, HEADER_SIZE))
        offset, msize, checksum, fmajor, fminor = read_footer(
            self.read(size - FOOTER_SIZE, FOOTER_SIZE), size)
        require(major == fmajor and (major == 1 or minor == fminor),
                f"header version {major}.{minor} differs from the footer's {fmajor}.{fminor}")
        self.version = Version(major, minor)
        self.sources = {}
        frame = self.read(offset, msize)
        require(xxh3(frame) == checksum, "manifest: checksum mismatch", "ChecksumMismatch")
        decode = decode_manifest_v2 if major == 2 else decode_manifest_v1
        self.chunks, self.files = decode(frame, offset, self.version)
        check_member_names(self.files)
        self.check_member_records()

    def check_member_records(self):
        """Member records (2.2) in the gap before a file's first chunk: a random-access
        reader needs none, but those there must be sound and agree with the manifest."""
        ends = {}
        end = HEADER_SIZE
        for entry in self.chunks:
            ends[entry["file_offset"]] = end
            end = entry["file_offset"] + entry["stored_size"]
        for f in self.files:
            if not f["chunk_refs"] or self.version.major != 2:
                continue
            first = self.chunks[f["chunk_refs"][0]]["file_offset"]
            at = ends[first]
            gap = self.read(at, first - at)
            pos = 0
            while pos + 20 <= len(gap):
                tag = gap[pos:pos + 4]
                if tag == b"SGZM":  # a manifest and footer superseded by an append
                    pos += 16 + struct.unpack_from("<Q", gap, pos + 8)[0] + FOOTER_SIZE
                    continue
                if tag != b"SGZR":
                    break
                kind, flags, size, checksum = struct.unpack_from("<HHIQ", gap, pos + 4)
                where = f"member record at offset {at + pos}"
                require(flags == 0, f"{where}: reserved flags are set")
                content = gap[pos + 20:pos + 20 + size]
                require(len(content) == size and xxh3(content) == checksum,
                        f"{where}: checksum mismatch", "ChecksumMismatch")
                pos += 20 + size
                if kind != 1:
                    continue
                c = Cursor(content, where)
                first_chunk = c.u32("first_chunk")
                name = c.string(MAX_NAME_BYTES, "name")
                require(pos == len(gap) and first_chunk == f["chunk_refs"][0]
                        and name == f["name"],
                        f"{where}: disagrees with file '{display(f['name'])}'")

    def read(self, offset, size):
        self.f.seek(offset)
        data = self.f.read(size)
        require(len(data) == size, f"short read at {offset}", "IOError")
        return data

    def decode(self, index, reference=None):
        """Chunk `index`, not a copy: its bytes, decoded (against `reference`, the decoded
        reference, when it is a referencing chunk; the chunk table proved that one
        decodes alone)."""
        entry = self.chunks[index]
        if entry["transform"] == REFERENCE and reference is None:
            reference = self.decode(entry["type"])
        return decode_chunk(self.read(entry["file_offset"], entry["stored_size"]), index, entry,
                            self.version, reference, self.chunks, self.decode_source)

    def decode_source(self, index):
        """A predicted chunk's parent or importance chunk (transform 0 or 1), decoded once
        for the chunks that follow it (the last few are kept)."""
        if index not in self.sources:
            if len(self.sources) >= 4:
                del self.sources[next(iter(self.sources))]
            self.sources[index] = self.decode(index)
        return self.sources[index]

    def restore(self, file_entry, out):
        """Writes the file's bytes to the binary stream `out`; verifies every checksum."""
        whole = xxhash.xxh3_64()
        for ref in file_entry["chunk_refs"]:
            entry = self.chunks[ref]
            if entry["transform"] == COPY:  # its header checked; the bytes of its target
                decode_chunk(self.read(entry["file_offset"], entry["stored_size"]), ref, entry,
                             self.version)
                ref = entry["type"]
            data = self.decode(ref)  # checked against its checksum
            whole.update(data)
            out.write(data)
        require(whole.intdigest() == file_entry["checksum"],
                f"file '{display(file_entry['name'])}': checksum mismatch of the whole file",
                "ChecksumMismatch")


def member_name_problem(name):
    """The rule of "Member names" that `name` (bytes) breaks, or None."""
    if name == b"":
        return "is empty"
    if b"\0" in name:
        return "holds a NUL byte"
    if name.startswith(b"/"):
        return "is an absolute path (starts with '/')"
    for part in name.split(b"/"):
        if part == b"":
            return "has an empty component"
        if part in (b".", b".."):
            return f"has a '{part.decode()}' component"
    return None  # any other byte, backslash included, is allowed


def check_member_names(files):
    if len(files) == 1 and files[0]["name"] == b"":
        return  # a one-file archive packed from standard input
    seen = set()
    for i, f in enumerate(files):
        problem = member_name_problem(f["name"])
        require(problem is None, f"file entry {i}: member name {f['name']!r} {problem}")
        require(f["name"] not in seen, f"file entry {i}: member name {f['name']!r} appears more "
                "than once")
        seen.add(f["name"])

