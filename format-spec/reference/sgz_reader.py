#!/usr/bin/env python3
"""Reference reader for the sgz archive format, written from format-spec/sgz-format.md
alone (not from the C++ code), to show that the document is enough to read an archive.

    python3 sgz_reader.py ARCHIVE -o OUT           restore the archive's only file
    python3 sgz_reader.py ARCHIVE MEMBER -o OUT    restore the file named MEMBER
    python3 sgz_reader.py ARCHIVE --list           print each file's name, size, kind, mode, mtime
    python3 sgz_reader.py ARCHIVE [MEMBER...] -C DIR   restore every file (or those named) under DIR

The code follows the spec's order, one module of sgzref/ a part:
  conventions.py  conventions: little-endian fields, rejection, the rule for unknown ids
  chunks.py       the file header, chunks and the codecs of their streams
  transforms.py   the transforms, with the GGML type table as data
  predict.py      transform 4, predict (2.3): its parameters, rules and decoding, with
                  f32.py (float32 arithmetic, exact), quant_search.py, quant_legacy.py,
                  quant_k.py and quant.py: the quantizers of format-spec/quantizers.md
  manifest.py     the manifest 2.2 (sections CHNK, FILE, MEMB, ZSEC), the footer, and the
                  appendix's manifest 1.0
  archive.py      opening an archive (member names and records) and restoring a file
and this file, the command line: writing files and the arguments.
It is meant to be read, not to be fast: whole chunks in memory, no streaming, no threads.
Every checksum is verified; OUT is written (through a temporary file renamed into place)
only when everything verified, with the recorded file attributes (2.1: the rwx bits of the
mode, the modification time) when the archive has them. Errors: one line
`sgz_reader: ...` on stderr, exit status 1 for a corrupt, damaged or unsupported archive
(or an I/O error), 2 for usage. Needs Debian's python3-zstandard and python3-xxhash.
"""

import os
import sys
import tempfile

from sgzref.archive import Archive, member_name_problem
from sgzref.conventions import Reject, display, require
from sgzref.manifest import KINDS

# ---------------------------------------------------------------------------------------
# Command line.

USAGE = ("usage: sgz_reader.py ARCHIVE [MEMBER] -o OUT | sgz_reader.py ARCHIVE --list | "
         "sgz_reader.py ARCHIVE [MEMBER...] -C DIR")


class Usage(Exception):
    pass


def restore_members(archive, directory, wanted):
    """Restores the members named in `wanted` (all when empty) below `directory`, making
    sub-directories, following no symbolic link on the way (the names were checked when
    the archive was opened, and are checked again here)."""
    chosen = [f for f in archive.files if not wanted or display(f["name"]) in wanted]
    missing = set(wanted) - {display(f["name"]) for f in chosen}
    if missing:
        raise Usage(f"no member named '{sorted(missing)[0]}' in the archive (--list)")
    for f in chosen:
        problem = member_name_problem(f["name"])
        require(problem is None, f"member name {f['name']!r} {problem}")
        parts = f["name"].split(b"/")
        here = os.fsencode(directory)
        for part in parts[:-1]:
            here = os.path.join(here, part)
            if not os.path.lexists(here):
                os.mkdir(here)
            require(os.path.isdir(here) and not os.path.islink(here),
                    f"{display(here)}: not a directory (or a symbolic link)", "IOError")
        path = os.path.join(here, parts[-1])
        require(not os.path.lexists(path), f"{display(path)}: already exists", "IOError")
        write_verified(archive, f, display(path))


def write_verified(archive, file_entry, path):
    """The output appears under `path` only once every check has passed."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".sgz_reader.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            archive.restore(file_entry, out)
        umask = os.umask(0)
        os.umask(umask)
        # As sgz does: the rwx bits exactly (no setuid, setgid, sticky: no owner is
        # restored), the time after the last write.
        mode = file_entry["mode"]
        os.chmod(temp, mode & 0o777 if mode is not None else 0o666 & ~umask)
        if file_entry["mtime"] is not None:
            sec, nsec = file_entry["mtime"]
            os.utime(temp, ns=(os.stat(temp).st_atime_ns, sec * 1_000_000_000 + nsec))
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def parse_args(argv):
    positional, out, listing, directory = [], None, False, None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-o", "-C"):
            if i + 1 == len(argv):
                raise Usage(f"{arg} needs a name")
            if arg == "-o":
                out = argv[i + 1]
            else:
                directory = argv[i + 1]
            i += 2
            continue
        if arg == "--list":
            listing = True
        elif arg in ("-h", "--help"):
            raise Usage(USAGE)
        elif arg.startswith("-") and arg != "-":
            raise Usage(f"unknown option {arg}; {USAGE}")
        else:
            positional.append(arg)
        i += 1
    if directory is not None:
        if out is not None or listing or not positional:
            raise Usage(USAGE)
        return positional[0], positional[1:], None, False, directory
    if not 1 <= len(positional) <= 2 or listing == (out is not None) or \
            (listing and len(positional) != 1):
        raise Usage(USAGE)
    return positional[0], positional[1] if len(positional) == 2 else None, out, listing, None


def main(argv):
    try:
        path, member, out, listing, directory = parse_args(argv)
        archive = Archive(path)
        if directory is not None:
            restore_members(archive, directory, member)
            return 0
        if listing:
            for f in archive.files:
                mode = "-" if f["mode"] is None else f"{f['mode']:04o}"
                mtime = "-" if f["mtime"] is None else "%d.%09d" % f["mtime"]
                print(f"{display(f['name'])}\t{f['original_size']}\t{KINDS[f['kind']]}\t"
                      f"{mode}\t{mtime}")
            return 0
        if member is None:
            if len(archive.files) != 1:
                raise Usage(f"the archive holds {len(archive.files)} files; name one (--list)")
            chosen = archive.files[0]
        else:
            matches = [f for f in archive.files if f["name"] == os.fsencode(member)]
            if len(matches) != 1:
                raise Usage(f"{len(matches)} files named '{member}' in the archive; need one")
            chosen = matches[0]
        write_verified(archive, chosen, out)
        return 0
    except Usage as e:
        print(f"sgz_reader: {e}", file=sys.stderr)
        return 2
    except Reject as e:
        print(f"sgz_reader: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"sgz_reader: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
