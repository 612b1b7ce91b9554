"""QR code files: the images carry exactly segno's modules; reruns skip whole files."""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import segno

from connector.campaigns.qrcodes import (
    QR_MASK,
    QUIET_ZONE,
    SCALE_PX,
    qr_file_stem,
    write_qr_codes,
)

LINK = "https://shop.example.com/register?invite=abc.def"


def expected_modules(link: str) -> np.ndarray:
    code = segno.make(link, error="m", mask=QR_MASK, boost_error=False)
    return np.pad(np.array([list(r) for r in code.matrix]) & 1, QUIET_ZONE)


def png_modules(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth = struct.unpack(">IIB", data[16:25])
    assert depth == 1
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    raw = zlib.decompress(data[idat + 4 : idat + 4 + length])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, -1)
    assert set(rows[:, 0]) == {0}  # filter type None on every row
    pixels = np.unpackbits(rows[:, 1:], axis=1)[:, :width]
    return 1 - pixels[::SCALE_PX, ::SCALE_PX]


def svg_modules(text: str, size: int) -> np.ndarray:
    modules = np.zeros((size, size), dtype=np.uint8)
    for x, y, n in re.findall(r"M(\d+) (\d+)\.5h(\d+)", text):
        modules[int(y), int(x) : int(x) + int(n)] = 1
    return modules


async def test_png_and_svg_show_the_modules_segno_encodes(tmp_path: Path) -> None:
    written = await write_qr_codes(tmp_path, [("0004711", LINK)], workers=1)

    expected = expected_modules(LINK)
    assert written == 1
    png = png_modules((tmp_path / "0004711.png").read_bytes())
    svg = svg_modules((tmp_path / "0004711.svg").read_text(), expected.shape[0])
    assert np.array_equal(png, expected)
    assert np.array_equal(svg, expected)


async def test_codes_made_in_processes_equal_those_made_here(tmp_path: Path) -> None:
    codes = [(f"{n:05d}", f"{LINK}{n}") for n in range(300)]

    written = await write_qr_codes(tmp_path / "pool", codes, workers=2)
    await write_qr_codes(tmp_path / "here", codes[-3:], workers=1)

    assert written == 300
    for name in ("00297.png", "00298.svg", "00299.png"):
        pooled = (tmp_path / "pool" / name).read_bytes()
        assert pooled == (tmp_path / "here" / name).read_bytes()


async def test_a_rerun_skips_whole_files_and_redoes_missing_ones(
    tmp_path: Path,
) -> None:
    codes = [("1", LINK + "1"), ("2", LINK + "2")]
    await write_qr_codes(tmp_path, codes, workers=1)
    (tmp_path / "2.png").unlink()
    steps: list[int] = []

    written = await write_qr_codes(tmp_path, codes, workers=1, progress=steps.append)

    assert written == 1
    assert sum(steps) == 2
    assert sorted(os.listdir(tmp_path)) == [
        "1.png",
        "1.svg",
        "2.png",
        "2.svg",
    ]


def test_account_numbers_become_safe_file_names() -> None:
    assert qr_file_stem("../10 00/x") == ".._10_00_x"
    assert qr_file_stem("0004711") == "0004711"
    assert qr_file_stem("") == "_"
