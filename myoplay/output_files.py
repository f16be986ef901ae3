"""Where a command may write, and writing there without ever harming what it did not create.

An output path can name the command's own input (``replay --events-out rec.myoplay`` once left
the recording at 0 bytes), a device or a FIFO (``/dev/null``, where "write aside, then rename"
would replace the device node), or a folder that does not exist. Each is refused in one line
before anything is opened. The output is written to a fresh temporary file beside it (created
exclusively, so no existing file is ever truncated) and renamed over the target only once
complete; a failed command deletes only that temporary file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from engine.errors import ConfigError
from engine.printable import escape_controls

#: Permissions of a written output (what a plain ``open`` gives under the usual umask 022).
_ORDINARY_MODE = 0o644


def check_output_path(output: Path, inputs: Sequence[Path], *, option: str) -> None:
    """Refuse ``output`` (given with ``option``) when it is one of ``inputs``, anything but a
    regular file, or in a folder that does not exist."""
    shown = escape_controls(str(output))
    try:
        status = output.stat()
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise ConfigError(f"{option} {shown}: {error.strerror}") from None
    if status is not None:
        if not stat.S_ISREG(status.st_mode):
            raise ConfigError(f"{option} {shown} is not a regular file",
                              hint="give the path of a file to write")
        for source in inputs:
            with contextlib.suppress(OSError):
                if output.samefile(source):
                    raise ConfigError(f"{option} {shown} is the input file itself",
                                      hint="give another output path")
    folder = output.parent
    if not folder.is_dir():
        raise ConfigError(f"{option} {shown}: the folder {escape_controls(str(folder))} does "
                          f"not exist", hint="create it first or give another path")


@contextlib.contextmanager
def replaced_on_success(output: Path) -> Iterator[TextIO]:
    """A text file to write ``output``'s content to; it becomes ``output`` only if the block
    finishes without an exception, and is deleted otherwise."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial",
                                             dir=output.parent)
    except OSError as error:
        raise ConfigError(f"cannot write in {escape_controls(str(output.parent))}: "
                          f"{error.strerror}") from None
    done = False
    try:
        # mkstemp makes the file private (0600); an output is an ordinary file like any other.
        os.chmod(handle, _ORDINARY_MODE)
        with open(handle, "w", newline="", encoding="utf-8") as out:
            yield out
        os.replace(temporary, output)
        done = True
    except OSError as error:
        raise ConfigError(f"cannot write {escape_controls(str(output))}: "
                          f"{error.strerror}") from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
