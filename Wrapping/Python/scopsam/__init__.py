"""SCoP-SAM in Python: the intermediate phases of alloy micrographs, found and measured.

The SCoP-SAM ITK filters as functions in ITK's functional style, ``name(image, keyword=value)``, under the names
ITK's wrapping generator gives them, so code moves unchanged to an ITK build with this module wrapped:

=====================================  ====================================  ===========================================
ITK class                              function (ITK's name)                 readable alias
=====================================  ====================================  ===========================================
itk::GradientPriorFilter               gradient_prior_filter                 (the name is readable)
itk::GrayscalePriorFilter              grayscale_prior_filter                (the name is readable)
itk::SCoPSAMSegmentationFilter         s_co_psam_segmentation_filter         scopsam_segmentation_filter; segment (mask)
itk::PhaseQuantificationImageFilter    phase_quantification_image_filter     quantify (the report as a dict)
=====================================  ====================================  ===========================================

Images are numpy arrays in ITK Python's axis order, (row, column), of any numeric type; or ``itk.Image`` objects
when the ``itk`` package is importable, in which case results are ``itk.Image`` objects with the input's spacing,
origin and direction. Work runs in C++ without the GIL. Bad input raises ValueError with the C++ message.

    import numpy, scopsam
    image = scopsam.read_image("micrograph.tif")            # array (rows, columns), the file's type
    mask = scopsam.segment(image)                           # uint8, 255 = phase (the embedded default model)
    report = scopsam.quantify(mask, image, pixel_size=0.05) # micrometres per pixel
"""

import sys

try:
    import numpy
except ImportError as error:  # a Python without Debian's numpy: the package was built for /usr/bin/python3
    raise ImportError(
        f"scopsam needs numpy, which this Python ({sys.executable}) does not have: scopsam is built for Debian's "
        "Python, so run /usr/bin/python3 (it has python3-numpy), or install numpy for this one") from error

from . import _scopsam

__all__ = [
    "gradient_prior_filter",
    "grayscale_prior_filter",
    "s_co_psam_segmentation_filter",
    "scopsam_segmentation_filter",
    "segment",
    "Predictor",
    "phase_quantification_image_filter",
    "quantify",
    "read_image",
    "has_default_model",
    "model_threshold",
]

__version__ = _scopsam.__version__  # the CMake project's version

# The prior filters' defaults, from the one table of the prior parameters (scopsamPriorParameters.h).
_PRIOR = _scopsam.prior_parameter_defaults()


_INT32 = (-2 ** 31, 2 ** 31 - 1)
_BEYOND_ANY_IMAGE = _scopsam.BEYOND_ANY_IMAGE  # a pixel index further out lies beyond any image (scopsamPrompts.h)


def _whole(name, value, lowest=_INT32[0], highest=_INT32[1]):
    """``value`` as an int in [lowest, highest], else ValueError (not a TypeError or OverflowError from the
    binding: an absurd number is bad input like any other). The C++ filters check the real ranges."""
    try:
        number = int(round(value)) if isinstance(value, float) else int(value)
    except OverflowError:
        raise ValueError(f"{name} must be a finite number, got {value}") from None
    if not lowest <= number <= highest:
        raise ValueError(f"{name} must be in [{lowest}, {highest}], got {number}")
    return number


def _box(region_of_interest):
    """A region of interest (x0, y0, x1, y1) as four ints (the filter checks it against the image)."""
    if region_of_interest is None:
        return []
    return [_whole("region_of_interest", v, -_BEYOND_ANY_IMAGE, _BEYOND_ANY_IMAGE) for v in region_of_interest]


def _clicks(clicks):
    """Clicks (column, row, label) as ints (the filter checks them against the image, and their number)."""
    return [(_whole("a click's column", x, -_BEYOND_ANY_IMAGE, _BEYOND_ANY_IMAGE),
             _whole("a click's row", y, -_BEYOND_ANY_IMAGE, _BEYOND_ANY_IMAGE), _whole("a click's label", label))
            for x, y, label in clicks]


def _itk():
    """The ``itk`` package when it can be imported, else None (imported lazily: it is slow and optional)."""
    if "itk" in sys.modules:
        return sys.modules["itk"]
    try:
        import itk  # noqa: F401 pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return sys.modules["itk"]


class _Input:
    """An image argument as an array (row, column) with its geometry, and how to give a result back."""

    def __init__(self, image, what="image"):
        itk = _itk() if hasattr(image, "GetSpacing") else None
        if itk is not None:
            self.array = numpy.asarray(itk.array_view_from_image(image))
            self.spacing = tuple(float(s) for s in image.GetSpacing())
            self.image = image
        else:
            self.array = numpy.asarray(image)
            self.spacing = (1.0, 1.0)
            self.image = None
        if self.array.ndim == 3 and self.array.shape[2] in (3, 4) and self.image is None:
            # RGB(A) with equal colour channels, as tifffile and scikit-image return gray SEM TIFFs: read as gray,
            # as the file readers do; unequal channels are a colour image, not a micrograph's gray levels.
            colour = self.array[:, :, :3]
            if not (numpy.array_equal(colour[:, :, 0], colour[:, :, 1])
                    and numpy.array_equal(colour[:, :, 0], colour[:, :, 2])):
                raise ValueError(f"{what} is RGB with unequal channels (shape {self.array.shape}): convert it to gray "
                                 "first (a micrograph's gray levels are one channel)")
            self.array = colour[:, :, 0]
        if self.array.ndim != 2:
            raise ValueError(f"{what} must be 2-D (rows, columns), or RGB with equal channels, got shape "
                             f"{self.array.shape}")

    def give_back(self, array, is_vector=False):
        """The result as an itk.Image with this input's geometry when the input was one, else the array."""
        if self.image is None:
            return array
        itk = _itk()
        result = itk.image_view_from_array(numpy.ascontiguousarray(array), is_vector=is_vector)
        result.SetSpacing(self.image.GetSpacing())
        result.SetOrigin(self.image.GetOrigin())
        result.SetDirection(self.image.GetDirection())
        return result


def gradient_prior_filter(image, *, scales=_PRIOR["scales"], integration_scale=_PRIOR["integration_scale"],
                          magnitude_scale=_PRIOR["magnitude_scale"], number_of_work_units=0):
    """itk::GradientPriorFilter: gradient magnitude and structure-tensor coherence in [0, 1].

    Returns float32 (rows, columns, 2): channel 0 the multi-scale gradient magnitude, channel 1 the coherence.
    Scales are in pixels. Defaults and admissible ranges are those of scopsamPriorParameters.h; a value outside
    its range raises ValueError."""
    source = _Input(image)
    result = _scopsam.gradient_prior(source.array, source.spacing, [float(s) for s in scales],
                                     float(integration_scale), float(magnitude_scale),
                                     _whole("number_of_work_units", number_of_work_units))
    return source.give_back(result, is_vector=True)


def grayscale_prior_filter(image, *, window_radius=_PRIOR["window_radius"], epsilon=_PRIOR["epsilon"],
                           contrast_scale=_PRIOR["contrast_scale"], global_scale=_PRIOR["global_scale"],
                           polarity=_PRIOR["polarity"], number_of_work_units=0):
    """itk::GrayscalePriorFilter: local contrast and departure from the matrix gray level, in [0, 1].

    Returns float32 (rows, columns, 2). ``polarity``: "both", "bright" or "dark" (the phase against the matrix).
    Defaults and admissible ranges are those of scopsamPriorParameters.h; a value outside its range raises
    ValueError."""
    source = _Input(image)
    result = _scopsam.grayscale_prior(source.array, source.spacing, _whole("window_radius", window_radius, 0),
                                      float(epsilon),
                                      float(contrast_scale), float(global_scale), str(polarity),
                                      _whole("number_of_work_units", number_of_work_units))
    return source.give_back(result, is_vector=True)


def _tiling(tile_size, overlap, batch_size):
    """tile_size, overlap and batch_size as the filter takes them (it checks their ranges against the model)."""
    return (_whole("tile_size", tile_size, 0), _whole("overlap", overlap, -1), _whole("batch_size", batch_size, 0))


def _segmentation(image, model_file_name, clicks, region_of_interest, threshold, tile_size, overlap, batch_size,
                  device, number_of_work_units, scale, exclusion_mask):
    source = _Input(image)
    exclusion = None if exclusion_mask is None else (
        numpy.asarray(_Input(exclusion_mask, "exclusion_mask").array) != 0).astype(numpy.uint8)
    probability, mask = _scopsam.segment(source.array, source.spacing, str(model_file_name), _clicks(clicks),
                                         _box(region_of_interest), -1.0 if threshold is None else float(threshold),
                                         *_tiling(tile_size, overlap, batch_size), str(device),
                                         _whole("number_of_work_units", number_of_work_units), float(scale), exclusion)
    return source, probability, mask


def s_co_psam_segmentation_filter(image, *, model_file_name="", clicks=(), region_of_interest=None, threshold=None,
                                  tile_size=0, overlap=-1, batch_size=4, device="cpu", number_of_work_units=0,
                                  scale=1.0, exclusion_mask=None):
    """itk::SCoPSAMSegmentationFilter: the probability of the intermediate phase (the filter's output 0), float32.

    ``model_file_name`` "" is the default model embedded in SCoP-SAM. ``clicks``: (column, row, label) with label 1
    "this phase, everywhere" and 0 "not this phase". ``region_of_interest``: (x0, y0, x1, y1), inclusive; the phase
    is segmented inside it only. ``tile_size`` 0 and ``overlap`` -1 take the model's tiling. ``scale``: the network
    sees the image resampled by this factor (0.1 to 10) and the result comes back on the image's grid.
    ``exclusion_mask``: non-zero where the image is not specimen; probability and mask are 0 there. Calls from several
    threads at once are safe (the network runs one at a time)."""
    source, probability, _ = _segmentation(image, model_file_name, clicks, region_of_interest, threshold, tile_size,
                                           overlap, batch_size, device, number_of_work_units, scale, exclusion_mask)
    return source.give_back(probability)


scopsam_segmentation_filter = s_co_psam_segmentation_filter


class Predictor:
    """Encode once, prompt many times (Segment Anything's ``SamPredictor``): the network runs once, here, on
    ``image``; each ``predict`` fits the test-time adaptation to its prompts (a click or a scribble means "this
    phase, everywhere") and reruns only that. ``model`` None is the embedded default model; the other keywords are
    segment()'s. Calls release the GIL; calls on one predictor from several threads run one at a time."""

    def __init__(self, image, model=None, *, region_of_interest=None, threshold=None, tile_size=0, overlap=-1,
                 batch_size=4, device="cpu", number_of_work_units=0, scale=1.0, exclusion_mask=None):
        self._source = _Input(image)
        exclusion = None if exclusion_mask is None else (
            numpy.asarray(_Input(exclusion_mask, "exclusion_mask").array) != 0).astype(numpy.uint8)
        self._shape = self._source.array.shape
        self._core = _scopsam.Predictor(self._source.array, self._source.spacing, "" if model is None else str(model),
                                        _box(region_of_interest), -1.0 if threshold is None else float(threshold),
                                        *_tiling(tile_size, overlap, batch_size), str(device),
                                        _whole("number_of_work_units", number_of_work_units), float(scale), exclusion)

    def predict(self, points=None, labels=None, scribbles=None, adaptation=None, prompts_only=False,
                previous_mask=None, network_clicks=False):
        """The mask (uint8, 255 phase) and the probability (float32) for these prompts.

        ``points``: (column, row) pairs; ``labels``: one per point, 1 "this phase" or 0 "not this phase" (default
        all 1); ``scribbles``: a label image of the image's shape, 1 this phase, 2 not this phase, 0 unlabelled;
        ``adaptation``: a file saved by ``save_adaptation`` (or ``scopsam segment --save-adaptation``) to apply
        instead of prompts; ``prompts_only``: the prompts alone define the phase, the network's own mask does not
        teach beside them (a phase that is not the model's target; ``scopsam segment --prompts-only``);
        ``previous_mask``: the mask these prompts correct, as SAM's ``mask_input`` (pass each result back with the
        next prompts; non-zero = phase): they move it in the directions they ask for, near themselves as the head
        says and elsewhere only where it is sure (steadier clicks; without it, the head's own mask);
        ``network_clicks``: the points go to the network's own click path too, over the image embeddings kept since
        the first predict(): its answer is the head's prior, or with ``prompts_only`` and points only the result
        itself, with no head to save (``scopsam segment --network-clicks``; for a network trained to follow clicks,
        as the embedded one is since its fourth stage; see Documentation/results.md). No prompt: the automatic
        result."""
        points = [] if points is None else [tuple(p) for p in numpy.asarray(points).reshape(-1, 2).tolist()]
        labels = [1] * len(points) if labels is None else numpy.asarray(labels).reshape(-1).tolist()
        if len(labels) != len(points):
            raise ValueError(f"one label per point: {len(points)} points, {len(labels)} labels")
        clicks = _clicks((float(x), float(y), label) for (x, y), label in zip(points, labels))
        marks = None
        if scribbles is not None:
            marks = numpy.asarray(_Input(scribbles, "scribbles").array)
            if marks.shape != self._shape:
                raise ValueError(f"scribbles has shape {marks.shape}, the image {self._shape}")
            marks = marks.astype(numpy.uint8)
        if prompts_only and not clicks and marks is None:
            raise ValueError("prompts_only: the points or scribbles alone define the phase, give some")
        if network_clicks and not clicks:
            raise ValueError("network_clicks: the points go to the network as well, give some")
        previous = None
        if previous_mask is not None:
            previous = numpy.asarray(_Input(previous_mask, "previous_mask").array)
            if previous.shape != self._shape:
                raise ValueError(f"previous_mask has shape {previous.shape}, the image {self._shape}")
            if not clicks and marks is None:
                raise ValueError("previous_mask is the mask the points or scribbles correct: give some")
            previous = (previous != 0).astype(numpy.uint8)
        probability, mask = self._core.predict(clicks, marks, "" if adaptation is None else str(adaptation),
                                               bool(prompts_only), previous, bool(network_clicks))
        return self._source.give_back(mask), self._source.give_back(probability)

    def save_adaptation(self, path):
        """Writes what the last predict()'s prompts taught, with its provenance (JSON)."""
        self._core.save_adaptation(str(path))

    @property
    def warnings(self):
        """What the last predict()'s prompts were warned of, as ``scopsam segment`` prints it (scribble pixels on
        excluded pixels are ignored); empty after a prompt-free call."""
        return list(self._core.warnings())


def segment(image, *, model_file_name="", clicks=(), region_of_interest=None, threshold=None, tile_size=0,
            overlap=-1, batch_size=4, device="cpu", number_of_work_units=0, scale=1.0, exclusion_mask=None,
            scribbles=None, adaptation=None, prompts_only=False):
    """The phase mask (the segmentation filter's output 1): uint8, 255 where the probability is at least
    ``threshold`` (None: the model's stored threshold, chosen on validation images when it was trained), 0 elsewhere.
    Same keywords as s_co_psam_segmentation_filter, and those of ``scopsam segment``'s prompts: ``scribbles`` (a
    label image: 1 this phase, 2 not this phase, 0 unlabelled), ``adaptation`` (a file saved by
    ``Predictor.save_adaptation`` or ``segment --save-adaptation``) and ``prompts_only`` (the clicks and scribbles
    alone define the phase); these run through a one-shot Predictor."""
    if scribbles is not None or adaptation is not None or prompts_only:
        predictor = Predictor(image, model_file_name or None, region_of_interest=region_of_interest,
                              threshold=threshold, tile_size=tile_size, overlap=overlap, batch_size=batch_size,
                              device=device, number_of_work_units=number_of_work_units, scale=scale,
                              exclusion_mask=exclusion_mask)
        clicks = list(clicks)
        mask, _ = predictor.predict(points=[(x, y) for x, y, _ in clicks] or None,
                                    labels=[label for _, _, label in clicks] or None,
                                    scribbles=scribbles, adaptation=adaptation, prompts_only=prompts_only)
        return mask
    source, _, mask = _segmentation(image, model_file_name, clicks, region_of_interest, threshold, tile_size, overlap,
                                    batch_size, device, number_of_work_units, scale, exclusion_mask)
    return source.give_back(mask)


def _quantification(mask, feature_image, exclusion_mask, pixel_size, minimum_particle_pixels,
                    exclude_border_particles, separate_touching_particles):
    source = _Input(mask, "the mask")
    spacing, unit = source.spacing, "px"
    if pixel_size is not None:
        if not 0 < pixel_size <= _scopsam.MAXIMUM_PIXEL_SIZE:
            raise ValueError(f"pixel_size must be in (0, {_scopsam.MAXIMUM_PIXEL_SIZE:g}] micrometres per pixel, got "
                             f"{pixel_size}")
        spacing, unit = (float(pixel_size), float(pixel_size)), "um"
    elif source.image is not None:
        unit = "mm"  # ITK and 3D Slicer store spacing in millimetres
    binary = (numpy.asarray(source.array) != 0).astype(numpy.uint8)
    feature = None if feature_image is None else numpy.asarray(_Input(feature_image, "feature_image").array)
    exclusion = None if exclusion_mask is None else (
        numpy.asarray(_Input(exclusion_mask, "exclusion_mask").array) != 0).astype(numpy.uint8)
    for name, other in (("feature_image", feature), ("exclusion_mask", exclusion)):
        if other is not None and other.shape != binary.shape:
            raise ValueError(f"{name} has shape {other.shape}, the mask {binary.shape}")
    labels, report = _scopsam.quantify(binary, spacing, unit, feature, exclusion,
                                       _whole("minimum_particle_pixels", minimum_particle_pixels, 0),
                                       bool(exclude_border_particles), bool(separate_touching_particles))
    return source, labels, report


def phase_quantification_image_filter(mask, *, feature_image=None, exclusion_mask=None, pixel_size=None,
                                      minimum_particle_pixels=4, exclude_border_particles=False,
                                      separate_touching_particles=False):
    """itk::PhaseQuantificationImageFilter: the label image of the measured particles (uint32; 0 elsewhere).
    The measurements themselves: ``quantify``."""
    source, labels, _ = _quantification(mask, feature_image, exclusion_mask, pixel_size, minimum_particle_pixels,
                                        exclude_border_particles, separate_touching_particles)
    return source.give_back(labels)


def quantify(mask, image=None, *, exclusion_mask=None, pixel_size=None, minimum_particle_pixels=4,
             exclude_border_particles=False, separate_touching_particles=False):
    """The phase measurements of a mask (non-zero = phase) as a dict (the JSON report of ``scopsam quantify``):
    area fraction, particle count and density, per-particle statistics, nearest-neighbour distance, mean free path.
    ``image``: the micrograph, for mean intensities. ``pixel_size``: micrometres per pixel (else pixels, or the
    itk.Image's spacing in millimetres). ``separate_touching_particles``: split touching particles along the
    watershed of the distance map (the area fraction is unchanged)."""
    import json  # pylint: disable=import-outside-toplevel
    _, _, report = _quantification(mask, image, exclusion_mask, pixel_size, minimum_particle_pixels,
                                   exclude_border_particles, separate_touching_particles)
    return json.loads(report)


def read_image(path):
    """A micrograph or mask file (any format ITK reads; RGB with equal channels as gray) as an array (rows, columns)
    of the file's own type where it means something: uint8 and uint16 files keep it (an 8-bit mask stays 0/255
    uint8), every other type is float32."""
    return _scopsam.read_image(str(path))


def model_threshold(model_file_name=""):
    """The probability threshold a model stores (chosen on validation images when it was trained; "" is the
    embedded default model): what segment() uses when threshold is None."""
    return _scopsam.model_threshold(str(model_file_name))


def has_default_model():
    """Whether this build embeds the default model (used when model_file_name is "")."""
    return _scopsam.has_default_model()
