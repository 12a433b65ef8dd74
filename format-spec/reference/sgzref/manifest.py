"""The manifest (format 2: its frame and the sections CHNK and FILE, with 2.1's MEMB for
several files and ZSEC holding others compressed), the footer that locates it, and the
appendix's format 1.0 manifest."""

import zstandard

from . import conventions
from .chunks import (CHUNK_HEADER_SIZE, DESCRIPTOR_SIZE, HEADER_SIZE, check_chunk_fields,
                     decode_stream)
from .conventions import Cursor, Reject, require
from .transforms import COPY, GGML_TYPES, REFERENCE

# ---------------------------------------------------------------------------------------
# Manifest (format 2): frame, sections CHNK and FILE, and (2.1) MEMB for several files and
# ZSEC holding others compressed.

MANIFEST_TAG = b"SGZM"
MAX_FILES = 1 << 16
MAX_NAME_BYTES = 4096
MAX_NOTE_BYTES = 4096
MAX_TENSOR_NAME = 63
MAX_DIMS = 4
MAX_GGUF_COUNT = 1 << 24
MAX_MANIFEST_SIZE = 1 << 30
KINDS = {0: "opaque", 1: "gguf"}


def read_manifest_frame(frame):
    c = Cursor(frame, "manifest")
    require(c.take(4, "tag") == MANIFEST_TAG, "manifest: bad tag")
    flags = c.u32("flags")
    require(flags == 0, f"manifest: reserved flags 0x{flags:08x} are not zero")
    body_size = c.u64("body_size")
    require(body_size == len(frame) - 16,
            f"manifest: body_size {body_size}, the frame holds {len(frame) - 16}")
    return Cursor(frame[16:], "manifest body")


ZSEC_MAX_WINDOW = 1 << 23


def decode_compressed_sections(c):
    """Section ZSEC (2.1): decoded_size, then one zstd frame of exactly that many bytes."""
    require(c.left() >= 8, "manifest section 'ZSEC': shorter than its 8-byte decoded_size")
    decoded_size = c.u64("decoded_size")
    require(decoded_size <= MAX_MANIFEST_SIZE, f"manifest section 'ZSEC': decoded_size "
            f"{decoded_size} exceeds 2^30", "ResourceExhausted")
    frame = c.take(c.left(), "frame")
    where = "manifest section 'ZSEC'"
    try:
        window = zstandard.get_frame_parameters(frame).window_size
    except zstandard.ZstdError as e:
        raise Reject("Corruption", f"{where}: zstd: {e}") from None
    require(window <= ZSEC_MAX_WINDOW, f"{where}: zstd window of {window} bytes exceeds 2^23")
    # The rules of a zstd stream with decoded_size as raw_size. decode_stream bounds
    # what it allocates by the declared content size or max_output_size, both checked
    # against decoded_size; a reader meant to be fast would grow its buffer instead.
    return decode_stream(where, 1, frame, decoded_size)


def decode_manifest_v2(frame, manifest_offset, version):
    body = read_manifest_frame(frame)
    known = {b"CHNK": None, b"FILE": None, b"MEMB": None, b"ZSEC": None}
    if conventions.READER_MINOR >= 5:
        known[b"ESTM"] = None  # 2.5: predicted chunks may carry ESTIMATE (empty section)
    state = {"known": known, "chunks": None, "files": None, "members": None}
    walk_sections(body, state, manifest_offset, version, nested=False)
    require(state["chunks"] is not None, "manifest: section 'CHNK' is missing")
    require(state["files"] is not None, "manifest: section 'FILE' is missing")
    files, members = state["files"], state["members"]
    # Without MEMB a reader that does not know members would show only the first.
    require(len(files) <= 1 or members is not None,
            f"manifest: section 'MEMB' is missing in an archive of {len(files)} file entries")
    require(members is None or members == len(files), f"manifest section 'MEMB': "
            f"member_count {members}, the file table has {len(files)} file entries")
    return state["chunks"], files


def read_members(c):
    """Section MEMB (2.1): member_count, then per member a u32 entry_size and its bytes
    (fields of a later minor version: 2.1 defines none). Returns member_count."""
    count = c.u32("member_count")
    require(count * 4 <= c.left(), f"{c.what}: member_count {count} entries cannot fit in "
            f"{c.left()} bytes")
    for i in range(count):
        c.sub(c.u32(f"member entry {i} entry_size"), f"member entry {i}", f"member entry {i}")
    return count


def walk_sections(body, state, manifest_offset, version, nested):
    """The sections of body (the manifest body, or ZSEC's decoded bytes when nested)."""
    known = state["known"]
    while body.left() > 0:
        tag = body.take(4, "section tag")
        name = tag.decode("ascii", "backslashreplace")
        flags, since_minor = body.u16("section flags"), body.u16("section since_minor")
        size = body.u64("section size")
        require(flags & ~1 == 0, f"manifest section '{name}': reserved flags 0x{flags:04x}")
        required = flags & 1
        require(size <= body.left(), f"manifest section '{name}': size {size} exceeds the "
                f"{body.left()} bytes left in the body")
        content = body.sub(size, "section", f"manifest section '{name}'")
        if tag not in known:
            if not required:
                continue  # optional section of a later minor version: skip it
            reader_minor = conventions.READER_MINOR
            require(since_minor > reader_minor, f"manifest section '{name}' is required and "
                    f"unknown, yet claims format 2.{since_minor}, which this reader reads")
            raise Reject("NotSupported", f"manifest section '{name}' needs a reader of format "
                         f"2.{since_minor} or later; this reader reads 2.{reader_minor}")
        require(not (nested and tag == b"ZSEC"), "manifest: section 'ZSEC' inside 'ZSEC'")
        require(known[tag] is None, f"manifest section '{name}' appears twice")
        # A known tag's `required` and `since_minor` are not checked (the spec says so),
        # nor the archive's minor for ZSEC.
        known[tag] = True
        if tag == b"CHNK":
            state["chunks"] = read_chunk_table(content, manifest_offset, version)
        elif tag == b"FILE":
            require(state["chunks"] is not None, "manifest: section 'FILE' precedes 'CHNK'")
            state["files"] = read_file_table(content, state["chunks"], version)
        elif tag == b"MEMB":
            state["members"] = read_members(content)
        elif tag == b"ESTM":
            require(size == 0, f"manifest section 'ESTM': size {size}, not 0")
        else:
            decoded = decode_compressed_sections(content)
            walk_sections(Cursor(decoded, "manifest section 'ZSEC' content"), state,
                          manifest_offset, version, nested=True)
        content.finish()


CHUNK_ENTRY_SIZE = 32


def read_chunk_table(c, manifest_offset, version):
    count, entry_size = c.u32("chunk_count"), c.u16("entry_size")
    require(c.u16("reserved") == 0, f"{c.what}: reserved field is not zero")
    require(entry_size >= CHUNK_ENTRY_SIZE, f"{c.what}: entry_size {entry_size} is below 32")
    require(count * entry_size == c.left(), f"{c.what}: {count} entries of {entry_size} bytes "
            f"do not fill the {c.left()} bytes after the table header")
    return read_chunk_entries(c, count, entry_size, manifest_offset, version)


def read_chunk_entries(c, count, entry_size, manifest_offset, version):
    entries, previous_end = [], HEADER_SIZE
    for i in range(count):
        where = f"chunk entry {i}"
        e = c.sub(entry_size, "chunk entry", where)  # bytes past the first 32 are ignored
        entry = {"file_offset": e.u64("file_offset"), "stored_size": e.u32("stored_size"),
                 "original_size": e.u32("original_size"), "transform": e.u8("transform"),
                 "stream_count": e.u8("stream_count"), "flags": e.u16("flags"),
                 "type": e.u32("type"), "checksum": e.u64("checksum")}
        require(entry["flags"] == 0, f"{where}: reserved flags are not zero")
        check_chunk_fields(where, entry["transform"], entry["type"], entry["original_size"],
                           entry["stream_count"], version)
        start, size = entry["file_offset"], entry["stored_size"]
        least = CHUNK_HEADER_SIZE + DESCRIPTOR_SIZE * entry["stream_count"]
        require(size >= least, f"{where}: stored_size {size} is below the header's {least}")
        if version.major == 2:
            most = least + entry["original_size"]
            require(size <= most, f"{where}: stored_size {size} exceeds {most}")
        require(start >= previous_end, f"{where}: file_offset {start} is before {previous_end}"
                " (the end of the header or of the previous chunk)")
        require(start + size <= manifest_offset, f"{where}: [{start}, +{size}) runs past the "
                f"manifest at {manifest_offset}")
        previous_end = start + size
        if entry["transform"] == COPY:
            # Backwards (a stream reader has met the target), one level, the same bytes.
            target = entry["type"]
            require(target < i, f"{where}: copy of chunk {target}, which does not precede it")
            t = entries[target]
            require(t["transform"] != COPY, f"{where}: copy of chunk {target}, itself a copy")
            require((t["original_size"], t["checksum"]) == (entry["original_size"], entry["checksum"]),
                    f"{where}: copy of chunk {target}, whose original_size or checksum differs")
        if entry["transform"] == REFERENCE:
            # Backwards, to a chunk that decodes alone: one level.
            ref = entry["type"]
            require(ref < i, f"{where}: coded against chunk {ref}, which does not precede it")
            require(entries[ref]["transform"] not in (COPY, REFERENCE),
                    f"{where}: coded against chunk {ref}, itself a copy or referencing chunk")
        entries.append(entry)
    return entries


def read_file_table(c, chunks, version):
    count = c.u32("file_count")
    require(1 <= count <= MAX_FILES, f"{c.what}: file_count {count} is not in [1, {MAX_FILES}]")
    require(count * 30 <= len(c.data), f"{c.what}: file_count {count} entries cannot fit in "
            f"{len(c.data)} bytes")
    files = []
    for i in range(count):
        size = c.u32(f"file entry {i} entry_size")
        entry = c.sub(size, f"file entry {i}", f"file entry {i}")
        files.append(read_file_entry(entry, chunks, version))  # trailing bytes: later fields
    return files


def read_file_entry(c, chunks, version):
    """One file entry, formats 2 and 1 (a 1.0 entry is not wrapped in an entry_size)."""
    f = {"name": c.string(MAX_NAME_BYTES, "name"), "original_size": c.u64("original_size"),
         "checksum": c.u64("checksum"), "kind": c.u8("kind")}
    if f["kind"] not in KINDS:
        version.unknown_id(c.what, "file kind", f["kind"])
    require(c.u8("flags") == 0, f"{c.what}: reserved flags are not zero")
    f["note"] = c.string(MAX_NOTE_BYTES, "note")
    ref_count = c.u32("chunk_ref_count")
    require(ref_count * 4 <= c.left(), f"{c.what}: chunk_ref_count {ref_count} exceeds the "
            f"{c.left()} bytes remaining")
    refs = [c.u32("chunk_ref") for _ in range(ref_count)]
    for k, ref in enumerate(refs):
        require(ref < len(chunks), f"{c.what}: chunk_refs[{k}] {ref} >= chunk_count {len(chunks)}")
        require(k == 0 or ref > refs[k - 1], f"{c.what}: chunk_refs[{k}] {ref} is not greater "
                f"than the one before it")
    total = sum(chunks[ref]["original_size"] for ref in refs)
    require(total == f["original_size"], f"{c.what}: chunks add up to {total} bytes, the file "
            f"is {f['original_size']}")
    f["chunk_refs"] = refs
    if f["kind"] == 1:
        require(f["note"] == b"", f"{c.what}: a GGUF entry has a note")
        read_gguf_summary(c, f["original_size"], version)
    f["mode"] = f["mtime"] = None
    # Appended in 2.1: read from archives of 2.1 or later when bytes are left; a 2.0
    # reader (READER_MINOR 0) skips them with the rest of the entry.
    if version.major == 2 and min(version.minor, conventions.READER_MINOR) >= 1 \
            and c.left() > 0:
        read_file_attributes(c, f)
    return f


def read_file_attributes(c, f):
    """Sets f["mode"] (permission bits) and f["mtime"] ((seconds, nanoseconds)), or None."""
    where = c.what + ": file attributes"
    flags, mode = c.u16("attr_flags"), c.u16("mode")
    sec = int.from_bytes(c.take(8, "mtime_sec"), "little", signed=True)
    nsec = c.u32("mtime_nsec")
    require(flags & ~3 == 0, f"{where}: reserved attr_flags bits are set")
    require(mode <= 0o7777 and (flags & 1 or mode == 0), f"{where}: mode {mode:o} is invalid")
    require(nsec <= 999_999_999 and (flags & 2 or (sec == 0 and nsec == 0)),
            f"{where}: mtime {sec}.{nsec} is invalid")
    f["mode"] = mode if flags & 1 else None
    f["mtime"] = (sec, nsec) if flags & 2 else None


def read_gguf_summary(c, original_size, version):
    """Checked and discarded: restoring a file does not need it."""
    where = c.what + ": GGUF summary"
    gguf_version = c.u32("gguf_version")
    require(gguf_version in (2, 3), f"{where}: gguf_version {gguf_version} is not 2 or 3")
    big_endian = c.u8("big_endian")
    require(big_endian in (0, 1), f"{where}: big_endian {big_endian} is not 0 or 1")
    require(c.take(3, "reserved") == b"\0\0\0", f"{where}: reserved bytes are not zero")
    alignment, data_offset = c.u64("alignment"), c.u64("data_offset")
    require(0 < alignment < 1 << 32 and alignment & (alignment - 1) == 0,
            f"{where}: alignment {alignment} is not a power of two below 2^32")
    require(data_offset <= original_size,
            f"{where}: data_offset {data_offset} exceeds the file's {original_size} bytes")
    kv_count = c.u64("kv_count")
    require(kv_count <= MAX_GGUF_COUNT, f"{where}: kv_count {kv_count} exceeds 2^24")
    tensor_count = c.u32("tensor_count")
    smallest = 28 if version.major == 2 else 26
    require(tensor_count <= MAX_GGUF_COUNT and tensor_count * smallest <= c.left(),
            f"{where}: tensor_count {tensor_count} exceeds 2^24 or the {c.left()} bytes left")
    names = set()
    for t in range(tensor_count):
        e = c.sub(c.u16("tensor entry_size"), "tensor entry", f"{where}: tensor {t}") \
            if version.major == 2 else c
        name = e.string(MAX_TENSOR_NAME, "tensor name")
        require(name not in names, f"{where}: tensor {t}: duplicate name {name!r}")
        names.add(name)
        type_id = e.u32("type")
        if version.major == 1:  # 2.0: the type is descriptive and may be any id
            require(type_id in GGML_TYPES, f"{where}: tensor {t}: unknown ggml type {type_id}")
        n_dims = e.u32("n_dims")
        require(n_dims <= MAX_DIMS, f"{where}: tensor {t}: n_dims {n_dims} exceeds 4")
        e.take(8 * n_dims, "ne")
        offset, size = e.u64("offset"), e.u64("size")
        require(offset >= data_offset, f"{where}: tensor {t}: offset {offset} is below "
                f"data_offset {data_offset}")
        require(offset + size <= original_size, f"{where}: tensor {t}: [{offset}, +{size}) is "
                f"not within the file's {original_size} bytes")


# ---------------------------------------------------------------------------------------
# Footer: 40 bytes at archive_size - 40.

FOOTER_MAGIC = b"\x89SGZEND\n"
FOOTER_SIZE = 40


def read_footer(data, archive_size):
    c = Cursor(data, "footer")
    offset, size, checksum = c.u64("manifest_offset"), c.u64("manifest_size"), c.u64("checksum")
    major, minor, flags = c.u16("major"), c.u16("minor"), c.u32("flags")
    require(c.take(8, "magic") == FOOTER_MAGIC, "footer: bad magic (truncated, or not an archive)")
    require(major in (1, 2), f"footer: format major version {major} is not supported "
            f"(this reader reads 1 and 2)", "NotSupported")
    require(flags == 0, f"footer: reserved flags 0x{flags:08x} are not zero")
    footer_pos = archive_size - FOOTER_SIZE
    require(HEADER_SIZE <= offset <= footer_pos,
            f"footer: manifest_offset {offset} is not in [16, {footer_pos}]")
    require(size == footer_pos - offset, f"footer: manifest [{offset}, +{size}) does not end "
            f"at the footer ({footer_pos})")
    require(size <= MAX_MANIFEST_SIZE, f"footer: manifest_size {size} exceeds 2^30",
            "ResourceExhausted")
    return offset, size, checksum, major, minor


# ---------------------------------------------------------------------------------------
# Appendix: the format 1.0 manifest (no sections, no entry sizes; unknown ids Corruption).


def decode_manifest_v1(frame, manifest_offset, version):
    body = read_manifest_frame(frame)
    chunk_count, file_count = body.u32("chunk_count"), body.u32("file_count")
    require(1 <= file_count <= MAX_FILES,
            f"manifest: file_count {file_count} is not in [1, {MAX_FILES}]")
    require(chunk_count * CHUNK_ENTRY_SIZE <= body.left(),
            f"manifest: chunk_count {chunk_count} exceeds the {body.left()} bytes remaining")
    chunks = read_chunk_entries(body, chunk_count, CHUNK_ENTRY_SIZE, manifest_offset, version)
    require(file_count * 26 <= body.left(),
            f"manifest: file_count {file_count} exceeds the {body.left()} bytes remaining")
    files = []
    for i in range(file_count):
        body.what = f"file entry {i}"
        files.append(read_file_entry(body, chunks, version))
    body.what = "manifest body"
    body.finish()
    return chunks, files
