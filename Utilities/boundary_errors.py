#!/usr/bin/env python3
"""Where a mask's errors lie: how much of the true phase lies within 1 pixel of its boundary, how many of the mask's
wrong pixels (false or missed) are within 1 and 2 pixels of that boundary, and the IoU left when a band of 2 pixels
either side of it is not counted; then whether the mask is biased at the boundary (how much of the truth's inner and
outer one-pixel rings it holds, and its IoU when eroded or dilated by one pixel).

    PYTHONPATH=build/Wrapping/Python /usr/bin/python3 Utilities/boundary_errors.py PREDICTIONS DATASET SPLIT

PREDICTIONS holds one mask per image of DATASET's SPLIT, named as its truth (NAME_mask.png; non-zero = phase), as
`scopsam segment` writes them. Reads images through the scopsam module (ITK IO). Documentation/results.md, "Where
uhcs_cementite loses", is its output for the shipped default on the val split.
"""
import os
import sys

import numpy
import scopsam


def dilate(mask, radius):
    """Binary dilation by a (2 radius + 1)-pixel square."""
    padded = numpy.pad(mask, radius)
    out = numpy.zeros_like(mask)
    height, width = mask.shape
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[dy:dy + height, dx:dx + width]
    return out


def erode(mask, radius):
    return ~dilate(~mask, radius)


def jaccard(mask, truth):
    return (mask & truth).sum() / max((mask | truth).sum(), 1)


def main(predictions, dataset, split):
    names = open(os.path.join(dataset, "splits", split + ".txt")).read().split()
    print("| image | IoU | true phase within 1 px of its boundary | wrong pixels within 1 px of the true boundary "
          "| within 2 px | IoU outside a 2-px band |")
    print("|---|---|---|---|---|---|")
    rows, shifts = [], []
    for name in names:
        truth = numpy.asarray(scopsam.read_image(os.path.join(dataset, "label", name + "_mask.png"))) != 0
        mask = numpy.asarray(scopsam.read_image(os.path.join(predictions, name + "_mask.png"))) != 0
        if mask.shape != truth.shape:
            sys.exit(f"{name}: the mask's size {mask.shape} is not the truth's {truth.shape}")
        wrong = mask ^ truth
        band1 = dilate(truth, 1) & dilate(~truth, 1)
        band2 = dilate(truth, 2) & dilate(~truth, 2)
        row = (jaccard(mask, truth), (truth & band1).sum() / max(truth.sum(), 1), (wrong & band1).sum() / max(wrong.sum(), 1),
               (wrong & band2).sum() / max(wrong.sum(), 1), jaccard(mask & ~band2, truth & ~band2))
        rows.append(row)
        inner, outer = truth & ~erode(truth, 1), dilate(truth, 1) & ~truth
        shifts.append((mask[inner].mean(), mask[outer].mean(), jaccard(erode(mask, 1), truth),
                       jaccard(dilate(mask, 1), truth)))
        print(f"| {name} | {row[0]:.3f} | {100 * row[1]:.0f} % | {100 * row[2]:.0f} % | {100 * row[3]:.0f} % | {row[4]:.3f} |")
    mean = numpy.mean(rows, axis=0)
    print(f"| mean | {mean[0]:.3f} | {100 * mean[1]:.0f} % | {100 * mean[2]:.0f} % | {100 * mean[3]:.0f} % | {mean[4]:.3f} |")

    print()
    print("| image | mask in the truth's inner 1-px ring | in its outer ring | IoU, mask eroded by 1 px | dilated by 1 px |")
    print("|---|---|---|---|---|")
    for name, (in_inner, in_outer, eroded, dilated) in zip(names, shifts):
        print(f"| {name} | {100 * in_inner:.0f} % | {100 * in_outer:.0f} % | {eroded:.3f} | {dilated:.3f} |")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
