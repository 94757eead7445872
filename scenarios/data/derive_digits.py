#!/usr/bin/env python3
"""Derive digits-center.txt from the handwritten-digits data bundled with
scikit-learn (sklearn.datasets.load_digits: 1797 images of 8 x 8 pixels with
intensities 0..16; no download, the data ship inside the package).

Each image is binarised (a pixel is on, 1, when its intensity is at least 8,
i.e. at least half of its 4 x 4 block of the original 32 x 32 bitmap is
inked) and reduced to the central 4 x 4 patch (rows 2..5, columns 2..5).
Variable k = 4 r + c is the pixel in row 2 + r, column 2 + c. One sample a
line, in the order of load_digits, values 0/1 separated by spaces.

    pip install scikit-learn
    python3 scenarios/data/derive_digits.py          # rewrites digits-center.txt
    python3 scenarios/data/derive_digits.py --check  # compares instead

Prints the sample count and the frequency of 1 of every variable (the
numbers README.md and the tests quote).
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "digits-center.txt")
THRESHOLD = 8
ROWS = COLUMNS = slice(2, 6)


def derive():
    images = load_digits().images  # (1797, 8, 8), float 0..16
    bits = (images[:, ROWS, COLUMNS] >= THRESHOLD).astype(int).reshape(len(images), 16)
    header = [
        "# Central 4 x 4 pixels of the scikit-learn handwritten digits (load_digits, 1797 images),",
        "# binarised: 1 when the 0..16 intensity is >= 8. Variable k = 4 r + c is pixel (2 + r, 2 + c).",
        "# Derived by scenarios/data/derive_digits.py; provenance and licence in scenarios/data/README.md.",
    ]
    lines = [" ".join(str(v) for v in row) for row in bits]
    return bits, "\n".join(header + lines) + "\n"


def main():
    bits, text = derive()
    if "--check" in sys.argv:
        with open(OUT) as f:
            same = f.read() == text
        print("digits-center.txt is up to date" if same else "digits-center.txt differs")
        if not same:
            sys.exit(1)
    else:
        with open(OUT, "w") as f:
            f.write(text)
    print(f"samples: {len(bits)}")
    counts = bits.sum(axis=0)
    for k, c in enumerate(counts):
        print(f"variable {k:2d} (pixel {2 + k // 4},{2 + k % 4}): {c:4d} ones, frequency {c / len(bits):.6f}")


if __name__ == "__main__":
    main()
