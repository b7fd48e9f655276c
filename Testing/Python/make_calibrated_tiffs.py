#!/usr/bin/python3
"""Writes small SEM-like TIFF micrographs carrying each vendor's pixel-size record, with Debian's tifffile (not the
project's writer), and checks that tifffile's own readers decode the records as written.

Usage: make_calibrated_tiffs.py OUT_DIR

Files (64 x 64, 8-bit, three dark discs; OUT_DIR/mask.tif is their binary mask without any calibration):
  fei_sfeg.tif      tag 34680 (FEI_SFEG), [Scan] PixelWidth=2.5e-08 m          -> 0.025 um
  fei_helios.tif    tag 34682 (FEI_HELIOS), [EScan] only, PixelWidth=1e-08 m   -> 0.01 um
  zeiss_nm.tif      tag 34118 (CZ_SEM), Image Pixel Size = 12.5 nm             -> 0.0125 um
  zeiss_um.tif      tag 34118, Image Pixel Size = 0.25 <micro sign, Latin-1>m   -> 0.25 um
  tescan.tif        tag 50431 (TESCAN), blocks with MAIN PixelSizeX=2e-08 m    -> 0.02 um
  resolution.tif    XResolution 20000 per centimetre                           -> 0.5 um
  screen_dpi.tif    XResolution 72 per inch (a picture program's default)     -> uncalibrated
  plain.tif         no calibration                                             -> uncalibrated
"""

import os
import struct
import sys

import numpy as np
import tifffile


def micrograph():
    yy, xx = np.mgrid[0:64, 0:64]
    mask = np.zeros((64, 64), bool)
    for cy, cx, r in [(16, 16, 6), (40, 44, 8), (50, 14, 5)]:
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return np.where(mask, 60, 180).astype(np.uint8), (mask * 255).astype(np.uint8)


def tescan_blocks(text):
    """TESCAN's tag: blocks of (uint32 size, uint16 type, size - 2 bytes), MAIN = 2, closed by a LAST block (0)."""
    main = text.encode("ascii")
    return struct.pack("<IH", len(main) + 2, 2) + main + struct.pack("<IH", 2, 0)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    image, mask = micrograph()
    tifffile.imwrite(os.path.join(out, "mask.tif"), mask)
    fei_sfeg = "[User]\r\nDate=12/02/2026\r\n[Scan]\r\nPixelWidth=2.5e-008\r\nPixelHeight=2.5e-008\r\n"
    fei_helios = "[System]\r\nType=SEM\r\n[EScan]\r\nPixelWidth=1e-008\r\nPixelHeight=1e-008\r\n"
    zeiss_nm = b"0\r\n0\r\nAP_PIXEL_SIZE\r\nImage Pixel Size = 12.5 nm\r\nAP_WD\r\nWD = 8.5 mm\r\n"
    zeiss_um = b"0\r\nAP_PIXEL_SIZE\r\nImage Pixel Size = 0.25 \xb5m\r\n"
    cases = {
        "fei_sfeg.tif": dict(extratags=[(34680, "s", 0, fei_sfeg, True)]),
        "fei_helios.tif": dict(extratags=[(34682, "s", 0, fei_helios, True)]),
        "zeiss_nm.tif": dict(extratags=[(34118, "B", len(zeiss_nm), zeiss_nm, True)]),
        "zeiss_um.tif": dict(extratags=[(34118, "B", len(zeiss_um), zeiss_um, True)]),
        "tescan.tif": dict(extratags=[(50431, "B", 0, tescan_blocks("Device=MIRA\r\nPixelSizeX=2e-08\r\nPixelSizeY=2e-08\r\n"), True)]),
        "resolution.tif": dict(resolution=(20000, 20000), resolutionunit="CENTIMETER"),
        "screen_dpi.tif": dict(resolution=(72, 72), resolutionunit="INCH"),
        "plain.tif": dict(),
    }
    for name, options in cases.items():
        tifffile.imwrite(os.path.join(out, name), image, **options)

    # tifffile's readers see what the project's reader must see.
    with tifffile.TiffFile(os.path.join(out, "fei_sfeg.tif")) as tif:
        assert tif.is_fei and tif.fei_metadata["Scan"]["PixelWidth"] == 2.5e-08, tif.fei_metadata
    with tifffile.TiffFile(os.path.join(out, "fei_helios.tif")) as tif:
        assert tif.is_fei and tif.fei_metadata["EScan"]["PixelWidth"] == 1e-08, tif.fei_metadata
    with tifffile.TiffFile(os.path.join(out, "zeiss_nm.tif")) as tif:
        assert tif.is_sem and tif.sem_metadata["ap_pixel_size"][1:] == (12.5, "nm"), tif.sem_metadata
    with tifffile.TiffFile(os.path.join(out, "zeiss_um.tif")) as tif:
        assert tif.sem_metadata["ap_pixel_size"][1] == 0.25, tif.sem_metadata
    with tifffile.TiffFile(os.path.join(out, "tescan.tif")) as tif:
        assert b"PixelSizeX=2e-08" in bytes(tif.pages[0].tags[50431].value)
    with tifffile.TiffFile(os.path.join(out, "resolution.tif")) as tif:
        assert tif.pages[0].tags["XResolution"].value == (20000, 1)
    print(f"wrote {len(cases) + 1} TIFF files to {out}")


if __name__ == "__main__":
    main()
