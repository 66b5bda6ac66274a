"""Files the jobspec carries (``attributes.system.files``), extracted into the job's tmpdir.

The job shell writes each entry ``NAME: {data, encoding, mode}`` to
``{{tmpdir}}/NAME`` before its tasks start, as flux-core 0.88's shell does for
``flux batch`` scripts and ``flux submit --add-file``: ``encoding`` is
``utf-8`` (the default) or ``base64``, ``mode`` the file's st_mode.
"""

import base64
import os
import stat

__all__ = ["stage"]


def _content(name, entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), str):
        raise ValueError(f"file {name}: no data")
    encoding = entry.get("encoding", "utf-8")
    if encoding == "base64":
        return base64.b64decode(entry["data"])
    if encoding == "utf-8":
        return entry["data"].encode()
    raise ValueError(f"file {name}: unknown encoding {encoding}")


def stage(files, directory):
    """Write ``files`` (the jobspec's table) into ``directory``; ValueError or
    OSError for an entry the shell cannot extract."""
    if not files:
        return
    if not isinstance(files, dict):
        raise ValueError("attributes.system.files must be an object")
    for name, entry in files.items():
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"invalid file name {name!r}")
        data = _content(name, entry)
        mode = entry.get("mode", 0o600)
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IMODE(mode) or 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(path, stat.S_IMODE(mode) or 0o600)
