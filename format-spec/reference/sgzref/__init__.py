"""The sgz reference reader, a module a part of the spec: see ../sgz_reader.py."""
