#!/usr/bin/env python3
"""Test-time augmentation measured, not shipped: the default model's probability averaged over the four turns (and
the eight turns and mirror images) of each val image of nasa_super1 and uhcs_cementite, thresholded at the model's
stored threshold, against the single pass. Prints IoU per image and the means.

    PYTHONPATH=build/Wrapping/Python /usr/bin/python3 Utilities/flip_averaging.py [REAL_DATA]

Documentation/results.md, "Where uhcs_cementite loses", gives its output.
"""
import glob
import os
import sys

import numpy
import scopsam


def iou(mask, truth):
    return (mask & truth).sum() / max((mask | truth).sum(), 1)


def main(real):
    threshold = scopsam.model_threshold()
    print(f"threshold {threshold}; IoU: one pass, mean of 4 turns, mean of 8 turns and mirrors")
    for name in ("nasa_super1", "uhcs_cementite"):
        folder = os.path.join(real, name)
        rows = []
        for field in open(os.path.join(folder, "splits", "val.txt")).read().split():
            image = numpy.asarray(scopsam.read_image(glob.glob(os.path.join(folder, "image", field + ".*"))[0]))
            truth = numpy.asarray(scopsam.read_image(os.path.join(folder, "label", field + "_mask.png"))) != 0
            probabilities = []
            for k in range(8):
                view = numpy.rot90(image, k % 4)
                view = view[:, ::-1] if k >= 4 else view
                p = numpy.asarray(scopsam.s_co_psam_segmentation_filter(numpy.ascontiguousarray(view)))
                p = p[:, ::-1] if k >= 4 else p
                probabilities.append(numpy.rot90(p, -(k % 4)))
            rows.append((iou(probabilities[0] >= threshold, truth),
                         iou(numpy.mean(probabilities[:4], axis=0) >= threshold, truth),
                         iou(numpy.mean(probabilities, axis=0) >= threshold, truth)))
            print(name, field, " ".join(f"{v:.3f}" for v in rows[-1]), flush=True)
        print(name, "mean", " ".join(f"{v:.3f}" for v in numpy.mean(rows, axis=0)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real")
