"""The SCoP-SAM pipeline in Python on numpy arrays: micrograph -> priors -> segmentation -> measurements.

    /usr/bin/python3 Examples/SegmentationPipeline.py MICROGRAPH [PIXEL_SIZE_UM]

The same steps as Examples/SegmentationPipeline.cxx, with the functions ITK's wrapping would give the filters
(gradient_prior_filter, grayscale_prior_filter, s_co_psam_segmentation_filter, phase_quantification_image_filter).
Prints the figures a metallographer reports; ctest runs it on the bundled sample."""
import sys

import numpy

import scopsam


def main(arguments):
    if len(arguments) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    pixel_size = float(arguments[2]) if len(arguments) == 3 else None
    try:
        image = scopsam.read_image(arguments[1])  # the file's type (uint8, uint16, else float32), (rows, columns)
    except ValueError as error:
        print(f"SegmentationPipeline.py: {error}", file=sys.stderr)
        return 2

    # The two priors (two channels each): where boundaries are, and where the gray level departs from the matrix.
    gradient = scopsam.gradient_prior_filter(image, scales=(1.0, 2.0, 4.0))
    grayscale = scopsam.grayscale_prior_filter(image, polarity="both")
    print(f"priors: gradient magnitude mean {gradient[..., 0].mean():.3f}, "
          f"local contrast mean {grayscale[..., 0].mean():.3f}")

    # The phase: probability from the embedded default model, then the mask at 0.5.
    probability = scopsam.s_co_psam_segmentation_filter(image, threshold=0.5)
    mask = (probability >= 0.5).astype(numpy.uint8)

    # Interactive: the network runs once (the predictor), each prompt refits only the adaptation. A "not this phase"
    # click where the probability is lowest, and a "this phase" click where it is highest.
    predictor = scopsam.Predictor(image)
    low = numpy.unravel_index(numpy.argmin(probability), probability.shape)
    high = numpy.unravel_index(numpy.argmax(probability), probability.shape)
    prompted, _ = predictor.predict(points=[(low[1], low[0]), (high[1], high[0])], labels=[0, 1])
    print(f"two clicks: phase fraction {(prompted > 0).mean():.4f} (automatic {(predictor.predict()[0] > 0).mean():.4f})")

    # Label-map statistics of the mask.
    labels = scopsam.phase_quantification_image_filter(mask, pixel_size=pixel_size)
    report = scopsam.quantify(mask, image, pixel_size=pixel_size)
    field = report["fields"][0]
    unit = report["units"]["length"]
    print(f"phase: area fraction {field['area_fraction']:.4f}, {field['particle_count']} particles "
          f"(label image up to {labels.max()}), mean equivalent diameter "
          f"{field['particles']['equivalent_diameter']['mean']:.3f} {unit}, "
          f"mean free path {field['mean_free_path']:.3f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
