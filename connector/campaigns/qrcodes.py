"""QR code files for invites: one SVG and one PNG per account, made in parallel.

segno encodes the link; the two images are serialised here from segno's module
matrix, because segno's own PNG writer is pure Python and made a campaign of tens of
thousands of accounts take minutes. Two shortcuts keep a code under 3 ms:

- the data mask is fixed (`QR_MASK`) instead of choosing the best of eight by
  segno's penalty score, which is most of the encoding time. Any mask is valid and
  decodes; a fixed one may now and then leave a pattern that is harder for a
  worn-out printer or camera, which is why the error correction level is M.
- the PNG is 1 bit per pixel, packed with numpy and compressed once with zlib.

Files are written to a temporary name and renamed, so a file that exists is whole;
a rerun after an interruption skips those (same link, same image).
"""

from __future__ import annotations

import asyncio
import os
import re
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import segno

QR_MASK = 3
QR_ERROR_LEVEL = "m"
SCALE_PX = 4
QUIET_ZONE = 4
CHUNK = 250
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_DARK_RUN = re.compile(b"\x01+")


def qr_file_stem(account_number: str) -> str:
    """The file name (without suffix) of an account's code: safe on any system."""
    return _UNSAFE.sub("_", account_number) or "_"


async def write_qr_codes(
    folder: Path,
    codes: Sequence[tuple[str, str]],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Write `<stem>.svg` and `<stem>.png` for each (account number, link).

    The codes are made in worker processes while the caller's event loop goes on
    (`invites create` stores the contacts' invites meanwhile).

    Args:
        folder: where the files go (created if missing).
        codes: account number and the link its code carries.
        workers: processes to use; None uses every CPU, 1 stays in this process.
        progress: called with the number of codes finished since the last call.

    Returns:
        How many codes were newly written (the others existed already).
    """
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    chunks = [list(codes[i : i + CHUNK]) for i in range(0, len(codes), CHUNK)]
    if workers == 1 or len(chunks) <= 1:
        written = 0
        for chunk in chunks:
            written += await asyncio.to_thread(_write_chunk, folder, chunk)
            progress(len(chunk))
        return written

    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            loop.run_in_executor(pool, _write_chunk, folder, chunk): chunk
            for chunk in chunks
        }
        written, remaining = 0, len(codes)
        for future in asyncio.as_completed(futures):
            written += await future
            progress(min(CHUNK, remaining))
            remaining -= CHUNK
    return written


def _write_chunk(folder: Path, chunk: list[tuple[str, str]]) -> int:
    written = 0
    for account, link in chunk:
        stem = folder / qr_file_stem(account)
        svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
        if svg.exists() and png.exists():
            continue
        modules = _modules(link)
        _atomic_write(svg, svg_image(modules).encode("ascii"))
        _atomic_write(png, png_image(modules))
        written += 1
    return written


def _modules(link: str) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    """The code's dark (1) and light (0) modules, quiet zone included."""
    code = segno.make(link, error=QR_ERROR_LEVEL, mask=QR_MASK, boost_error=False)
    matrix = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    return np.pad(matrix & 1, QUIET_ZONE)


def png_image(modules: np.ndarray[tuple[int, int], np.dtype[np.uint8]]) -> bytes:
    """A 1-bit grayscale PNG of the modules, `SCALE_PX` pixels per module."""
    pixels = np.kron(1 - modules, np.ones((SCALE_PX, SCALE_PX), dtype=np.uint8))
    height, width = pixels.shape
    rows = np.packbits(pixels, axis=1)
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(raw, 6)),
            _png_chunk(b"IEND", b""),
        )
    )


def svg_image(modules: np.ndarray[tuple[int, int], np.dtype[np.uint8]]) -> str:
    """An SVG of the modules: one path of horizontal runs of dark modules."""
    size = modules.shape[0]
    runs = " ".join(f"M{x} {y + 0.5}h{n}" for y, x, n in _dark_runs(modules))
    pixels = size * SCALE_PX

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" '
        f'height="{pixels}" viewBox="0 0 {size} {size}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" d="{runs}"/></svg>\n'
    )


def _dark_runs(
    modules: np.ndarray[tuple[int, int], np.dtype[np.uint8]],
) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules."""
    for y, row in enumerate(modules):
        for run in _DARK_RUN.finditer(row.tobytes()):
            yield y, run.start(), run.end() - run.start()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
