"""The Python package scopsam: ITK's functional names, numpy in and out in (row, column) order, the GIL released,
C++ errors as Python exceptions, and the default model segmenting the bundled sample. Run by ctest with
/usr/bin/python3 (Debian's numpy)."""
import os
import pathlib
import threading
import time
import unittest

import numpy

import scopsam

SOURCE = pathlib.Path(os.environ.get("SCOPSAM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
SAMPLE = SOURCE / "Testing" / "Data" / "sample.png"
SAMPLE_MASK = SOURCE / "Testing" / "Data" / "sample_mask.png"


def disc_image(rows=96, columns=128, radius=10, centre=(40, 70)):
    """A bright disc on a dark, slightly noisy background."""
    y, x = numpy.mgrid[0:rows, 0:columns]
    image = 60.0 + 5.0 * numpy.sin(x / 3.0)
    image[(y - centre[0]) ** 2 + (x - centre[1]) ** 2 <= radius ** 2] = 200.0
    return image


class Names(unittest.TestCase):
    def test_itk_generator_names_and_aliases(self):
        for name in ("gradient_prior_filter", "grayscale_prior_filter", "s_co_psam_segmentation_filter",
                     "phase_quantification_image_filter"):
            self.assertTrue(callable(getattr(scopsam, name)), name)
        self.assertIs(scopsam.scopsam_segmentation_filter, scopsam.s_co_psam_segmentation_filter)
        self.assertTrue(callable(scopsam.segment))
        self.assertTrue(callable(scopsam.quantify))


class Version(unittest.TestCase):
    def test_version_is_the_cmake_project_version(self):
        expected = os.environ.get("SCOPSAM_VERSION")
        if not expected:
            self.skipTest("SCOPSAM_VERSION is not set (ctest sets it to the CMake project's version)")
        self.assertEqual(scopsam.__version__, expected)


class Priors(unittest.TestCase):
    def test_defaults_are_those_of_the_filters(self):
        # The signatures' defaults come from the parameter table: the same prior as the filters' own defaults.
        image = disc_image()
        defaults = scopsam.gradient_prior_filter.__kwdefaults__
        self.assertEqual(tuple(defaults["scales"]), (1.0, 2.0, 4.0))
        self.assertEqual(scopsam.grayscale_prior_filter.__kwdefaults__["polarity"], "both")
        numpy.testing.assert_array_equal(scopsam.grayscale_prior_filter(image),
                                         scopsam.grayscale_prior_filter(image, window_radius=15, polarity="both"))

    def test_gradient_prior_is_row_column_with_two_channels(self):
        image = disc_image()
        prior = scopsam.gradient_prior_filter(image, scales=[1.0, 2.0])
        self.assertEqual(prior.shape, (96, 128, 2))
        self.assertEqual(prior.dtype, numpy.float32)
        self.assertGreaterEqual(prior.min(), 0.0)
        self.assertLessEqual(prior.max(), 1.0)
        # Strongest on the disc's edge (row 40, column 60 is on it), weak at its centre.
        self.assertGreater(prior[40, 60, 0], 0.5)
        self.assertLess(prior[40, 70, 0], 0.1)

    def test_pixel_types_give_the_same_prior(self):
        image = disc_image().astype(numpy.uint8)
        as_uint8 = scopsam.grayscale_prior_filter(image, polarity="bright")
        as_float = scopsam.grayscale_prior_filter(image.astype(numpy.float32), polarity="bright")
        as_uint16 = scopsam.grayscale_prior_filter(image.astype(numpy.uint16), polarity="bright")
        numpy.testing.assert_array_equal(as_uint8, as_float)
        numpy.testing.assert_array_equal(as_uint8, as_uint16)
        # The bright disc departs from the matrix gray level; the matrix does not.
        self.assertGreater(as_uint8[40, 70, 1], 0.5)
        self.assertLess(as_uint8[80, 10, 1], 0.1)

    def test_rgb_with_equal_channels_is_gray_and_unequal_is_an_error(self):
        image = disc_image().astype(numpy.uint8)
        gray = scopsam.grayscale_prior_filter(image, polarity="bright")
        for channels in (3, 4):
            rgb = numpy.repeat(image[:, :, None], channels, axis=2)
            numpy.testing.assert_array_equal(scopsam.grayscale_prior_filter(rgb, polarity="bright"), gray)
        colour = numpy.repeat(image[:, :, None], 3, axis=2)
        colour[0, 0, 1] += 1
        with self.assertRaisesRegex(ValueError, "unequal channels"):
            scopsam.grayscale_prior_filter(colour)

    def test_errors_carry_the_cpp_message(self):
        with self.assertRaisesRegex(ValueError, "2-D"):
            scopsam.gradient_prior_filter(numpy.zeros((4, 5, 6)))
        with self.assertRaisesRegex(ValueError, "polarity"):
            scopsam.grayscale_prior_filter(disc_image(), polarity="sideways")
        with self.assertRaisesRegex(ValueError, "window_radius must be"):
            scopsam.grayscale_prior_filter(disc_image(), window_radius=0)
        with self.assertRaisesRegex(ValueError, "empty"):
            scopsam.gradient_prior_filter(numpy.zeros((0, 5)))

    def test_the_gil_is_released_while_filters_work(self):
        self._assert_releases_the_gil(lambda image: scopsam.gradient_prior_filter(image, number_of_work_units=1))

    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_the_gil_is_released_while_the_predictor_works(self):
        def prompted(image):
            predictor = scopsam.Predictor(image[:512, :512])
            predictor.predict(points=[(10, 10), (300, 300)], labels=[0, 1])
        self._assert_releases_the_gil(prompted)

    def _assert_releases_the_gil(self, run):
        image = numpy.random.default_rng(1).random((1536, 1536), dtype=numpy.float32)
        done = threading.Event()

        def work():
            run(image)
            done.set()

        worker = threading.Thread(target=work)
        ticks = 0
        worker.start()
        start = time.perf_counter()
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)
        elapsed = time.perf_counter() - start
        worker.join()
        # Holding the GIL, the filter would starve this loop: a handful of ticks at most over its whole run.
        self.assertGreater(elapsed, 0.05, "the filter ran too fast to tell")
        self.assertGreater(ticks, elapsed / 0.001 / 10)


class Segmentation(unittest.TestCase):
    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_default_model_segments_the_bundled_sample(self):
        image = scopsam.read_image(SAMPLE)
        truth = scopsam.read_image(SAMPLE_MASK) > 0
        self.assertEqual(scopsam.read_image(SAMPLE_MASK).dtype, numpy.uint8)  # the file's type: an 8-bit mask
        self.assertEqual(image.shape, (512, 512))
        mask = scopsam.segment(image)
        self.assertEqual(mask.dtype, numpy.uint8)
        self.assertEqual(mask.shape, image.shape)
        self.assertEqual(set(numpy.unique(mask)) - {0, 255}, set())
        phase = mask > 0
        iou = (phase & truth).sum() / max(1, (phase | truth).sum())
        self.assertGreater(iou, 0.3)
        probability = scopsam.s_co_psam_segmentation_filter(image)
        self.assertEqual(probability.dtype, numpy.float32)
        # The mask is the probability at the model's stored threshold; an explicit threshold overrides it.
        threshold = scopsam.model_threshold()
        self.assertGreaterEqual(threshold, 0.0)
        self.assertLessEqual(threshold, 1.0)
        numpy.testing.assert_array_equal(probability >= threshold, phase)
        numpy.testing.assert_array_equal(scopsam.segment(image, threshold=0.9) > 0, probability >= 0.9)

    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_region_of_interest_and_bad_prompts(self):
        image = scopsam.read_image(SAMPLE)
        mask = scopsam.segment(image, region_of_interest=(100, 120, 299, 259), clicks=[(200, 200, 1)])
        self.assertEqual(mask[:120].max(), 0)
        self.assertEqual(mask[:, 300:].max(), 0)
        with self.assertRaisesRegex(ValueError, "click"):
            scopsam.segment(image, clicks=[(600, 10, 1)])
        with self.assertRaisesRegex(ValueError, "region of interest"):
            scopsam.segment(image, region_of_interest=(10, 10, 600, 20))
        with self.assertRaisesRegex(ValueError, "box"):
            scopsam.segment(image, region_of_interest=(10, 10, 5, 5))

    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_scale_and_exclusion(self):
        image = scopsam.read_image(SAMPLE)[:200, :240]
        plain = scopsam.s_co_psam_segmentation_filter(image)
        scaled = scopsam.s_co_psam_segmentation_filter(image, scale=0.5)
        self.assertEqual(scaled.shape, image.shape)
        self.assertGreater(numpy.abs(scaled - plain).max(), 1e-4)
        excluded = numpy.zeros(image.shape, dtype=bool)
        excluded[150:] = True
        probability = scopsam.s_co_psam_segmentation_filter(image, exclusion_mask=excluded)
        self.assertEqual(probability[150:].max(), 0.0)
        numpy.testing.assert_array_equal(probability[:150], plain[:150])
        with self.assertRaisesRegex(ValueError, "^scale must be"):
            scopsam.segment(image, scale=0.0)

    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_predictor_encodes_once_and_its_prompts_act(self):
        import tempfile  # pylint: disable=import-outside-toplevel
        image = scopsam.read_image(SAMPLE)
        truth = scopsam.read_image(SAMPLE_MASK) > 0
        predictor = scopsam.Predictor(image)
        automatic, _ = predictor.predict()
        numpy.testing.assert_array_equal(automatic, scopsam.segment(image))  # no prompt: the automatic result
        # A negative click on a false pixel lowers the false positives around it.
        false = (automatic > 0) & ~truth
        self.assertTrue(false.any(), "the sample's automatic mask has false pixels")
        rows, columns = numpy.nonzero(false)
        row, column = int(rows[len(rows) // 2]), int(columns[len(columns) // 2])
        window = numpy.s_[max(0, row - 20):row + 21, max(0, column - 20):column + 21]
        mask, probability = predictor.predict(points=[(column, row)], labels=[0])
        self.assertEqual(probability.dtype, numpy.float32)
        self.assertLess(((mask > 0) & ~truth)[window].sum(), false[window].sum())
        self.assertEqual(mask[row, column], 0)
        # The same click through segment() gives the same mask: one pipeline (the predictor's speed is measured in
        # scopsamInteractiveBenchmark, not here).
        numpy.testing.assert_array_equal(scopsam.segment(image, clicks=[(column, row, 0)]), mask)
        # Scribbles; an adaptation saved and applied gives the same mask.
        scribbles = numpy.zeros(image.shape, dtype=numpy.uint8)
        scribbles[row, max(0, column - 3):column + 4] = 2
        scribbled, _ = predictor.predict(scribbles=scribbles)
        self.assertEqual(scribbled[row, column], 0)
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "adaptation.json"
            predictor.save_adaptation(path)
            again, _ = scopsam.Predictor(image).predict(adaptation=path)
            numpy.testing.assert_array_equal(again, scribbled)
            numpy.testing.assert_array_equal(scopsam.segment(image, adaptation=path), scribbled)
        numpy.testing.assert_array_equal(scopsam.segment(image, scribbles=scribbles), scribbled)
        self.assertEqual(predictor.warnings, [])
        # Scribble pixels on excluded pixels are ignored, and the predictor says so; a prompt-free call has nothing
        # to say.
        excluded = numpy.zeros(image.shape, dtype=numpy.uint8)
        excluded[row, max(0, column - 3):column] = 1
        fenced = scopsam.Predictor(image, exclusion_mask=excluded)
        fenced.predict(scribbles=scribbles)
        self.assertEqual(len(fenced.warnings), 1)
        self.assertIn("scribble pixels on excluded pixels are ignored", fenced.warnings[0])
        fenced.predict()
        self.assertEqual(fenced.warnings, [])
        # The prompts alone (prompts_only): one "not this" click and nothing else labelled is an empty mask, said in
        # a warning; the network's mask no longer teaches beside the click.
        alone, _ = predictor.predict(points=[(column, row)], labels=[0], prompts_only=True)
        self.assertEqual(alone.max(), 0)
        self.assertEqual(len(predictor.warnings), 1)
        self.assertIn("the prompts alone label only", predictor.warnings[0])
        numpy.testing.assert_array_equal(scopsam.segment(image, clicks=[(column, row, 0)], prompts_only=True), alone)
        with self.assertRaisesRegex(ValueError, "prompts_only"):
            predictor.predict(prompts_only=True)
        with self.assertRaisesRegex(ValueError, "outside"):
            predictor.predict(points=[(600, 5)])
        with self.assertRaisesRegex(ValueError, "one label per point"):
            predictor.predict(points=[(5, 5), (6, 6)], labels=[1])
        with self.assertRaisesRegex(ValueError, "scribble"):
            predictor.predict(scribbles=numpy.full(image.shape, 3, dtype=numpy.uint8))
        # The previous mask (SAM's mask_input): a negative click given on the last result only removes from it.
        stepped, _ = predictor.predict(points=[(column, row)], labels=[0], previous_mask=automatic)
        self.assertFalse(((stepped > 0) & (automatic == 0)).any())
        self.assertEqual(stepped[row, column], 0)
        self.assertLessEqual(((stepped > 0) & ~truth)[window].sum(), ((automatic > 0) & ~truth)[window].sum())
        with self.assertRaisesRegex(ValueError, "previous_mask has shape"):
            predictor.predict(points=[(column, row)], labels=[0], previous_mask=automatic[1:])
        with self.assertRaisesRegex(ValueError, "previous_mask"):
            predictor.predict(previous_mask=automatic)
        # The network's own clicks (network_clicks): its answer to the click is the head's prior, so the probability
        # moves; asked again on the kept embeddings, or from a fresh predictor, the same.
        networked, networked_probability = predictor.predict(points=[(column, row)], labels=[0], network_clicks=True)
        self.assertFalse(numpy.array_equal(networked_probability, probability))
        numpy.testing.assert_array_equal(
            predictor.predict(points=[(column, row)], labels=[0], network_clicks=True)[0], networked)
        numpy.testing.assert_array_equal(
            scopsam.Predictor(image).predict(points=[(column, row)], labels=[0], network_clicks=True)[0], networked)
        with self.assertRaisesRegex(ValueError, "network_clicks"):
            predictor.predict(network_clicks=True)
        # With prompts_only the network alone answers the points: a mask, and no head to save.
        alone, _ = predictor.predict(points=[(column, row)], labels=[1], prompts_only=True, network_clicks=True)
        self.assertEqual(alone.shape, image.shape)
        self.assertEqual(predictor.warnings, [])
        with self.assertRaisesRegex(ValueError, "network alone"):
            predictor.save_adaptation("/tmp/never-written.json")

    def test_a_missing_model_is_a_value_error(self):
        with self.assertRaisesRegex(ValueError, "no-such-model.pt"):
            scopsam.segment(disc_image(), model_file_name="/no/such/dir/no-such-model.pt")

    def test_errors_name_the_python_argument_not_a_command_line_flag(self):
        try:
            scopsam.segment(disc_image(), device="cuda")
        except ValueError as error:  # a LibTorch without CUDA (Debian's): the message speaks of `device`
            self.assertIn("device 'cuda'", str(error))
            self.assertNotIn("--device", str(error))
        with self.assertRaisesRegex(ValueError, "^batch_size must be in"):
            scopsam.segment(disc_image(), batch_size=0)
        with self.assertRaisesRegex(ValueError, "integration_scale must be in"):
            scopsam.gradient_prior_filter(disc_image(), integration_scale=0)
        with self.assertRaisesRegex(ValueError, "minimum_particle_pixels"):
            scopsam.quantify(disc_image() > 0, minimum_particle_pixels=-3)


class HostileInput(unittest.TestCase):
    """Absurd numbers raise ValueError with one message (never TypeError, OverflowError or a crash), before work."""

    def assert_value_error(self, call, pattern):
        with self.assertRaisesRegex(ValueError, pattern):
            call()

    @unittest.skipUnless(scopsam.has_default_model(), "this build embeds no default model")
    def test_runaway_settings_are_refused(self):
        image = disc_image()
        for keywords, pattern in (
                ({"number_of_work_units": 10000}, "number_of_work_units must be in \\[0, 1024\\]"),
                ({"number_of_work_units": -1}, "number_of_work_units"),
                ({"tile_size": -1}, "tile_size must be in"),
                ({"tile_size": 4096}, "tile_size must be"),
                ({"batch_size": -3}, "batch_size must be in"),
                ({"batch_size": 2 ** 40}, "batch_size must be in"),
                ({"overlap": -5}, "overlap must be in"),
                ({"region_of_interest": (0, 0, 2 ** 62, 10)}, "region_of_interest must be in"),
                ({"region_of_interest": (0, 0, float("inf"), 10)}, "finite"),
                ({"clicks": [(float("inf"), 5, 1)]}, "finite"),
                ({"clicks": [(5, 2 ** 63, 1)]}, "row must be in"),
                ({"clicks": [(i % 128, i // 128, 1) for i in range(257)]}, "at most 256 clicks")):
            self.assert_value_error(lambda: scopsam.segment(image, **keywords), pattern)
        self.assert_value_error(lambda: scopsam.gradient_prior_filter(image, number_of_work_units=10000),
                                "number_of_work_units")
        self.assert_value_error(lambda: scopsam.grayscale_prior_filter(image, window_radius=-2), "window_radius")
        predictor = scopsam.Predictor(image)
        self.assert_value_error(lambda: predictor.predict(points=[(i % 128, i // 128) for i in range(257)]),
                                "at most 256 clicks")
        self.assert_value_error(lambda: predictor.predict(points=[(float("nan"), 3)]), "NaN|finite")

    def test_pixel_sizes_beyond_their_range_are_refused(self):
        mask = disc_image() > 100
        for size in (0, -1, float("inf"), float("nan"), 1e300, 2e6):
            self.assert_value_error(lambda: scopsam.quantify(mask, pixel_size=size), "pixel_size must be in")
        self.assertEqual(scopsam.quantify(mask, pixel_size=1e6)["fields"][0]["particle_count"], 1)
        self.assert_value_error(lambda: scopsam.quantify(mask, minimum_particle_pixels=2 ** 70), "minimum_particle")


class Quantification(unittest.TestCase):
    def test_a_disc_on_a_known_pixel_size(self):
        mask = numpy.zeros((100, 120), numpy.uint8)
        y, x = numpy.mgrid[0:100, 0:120]
        mask[(y - 50) ** 2 + (x - 60) ** 2 <= 20 ** 2] = 1
        report = scopsam.quantify(mask, pixel_size=0.5)
        self.assertEqual(report["units"]["length"], "um")
        field = report["fields"][0]
        self.assertEqual(field["particle_count"], 1)
        self.assertAlmostEqual(field["area_fraction"], mask.mean())
        diameter = field["particles"]["equivalent_diameter"]["mean"]
        self.assertAlmostEqual(diameter, 2 * 20 * 0.5, delta=0.02 * 20)
        labels = scopsam.phase_quantification_image_filter(mask)
        self.assertEqual(labels.dtype, numpy.uint32)
        self.assertEqual(labels[50, 60], 1)
        self.assertEqual(labels[0, 0], 0)
        with self.assertRaisesRegex(ValueError, "pixel_size"):
            scopsam.quantify(mask, pixel_size=-1)
        with self.assertRaisesRegex(ValueError, "shape"):
            scopsam.quantify(mask, numpy.zeros((3, 3)))

    def test_touching_discs_are_separated_on_request(self):
        mask = numpy.zeros((60, 100), numpy.uint8)
        y, x = numpy.mgrid[0:60, 0:100]
        for cx in (30, 47, 64):  # a chain of three discs, radius 10, centres 17 apart
            mask[(y - 30) ** 2 + (x - cx) ** 2 <= 10 ** 2] = 1
        joined = scopsam.quantify(mask)["fields"][0]
        separated = scopsam.quantify(mask, separate_touching_particles=True)
        self.assertEqual(joined["particle_count"], 1)
        self.assertEqual(separated["fields"][0]["particle_count"], 3)
        self.assertTrue(separated["settings"]["separate_touching_particles"])
        self.assertEqual(separated["fields"][0]["area_fraction"], joined["area_fraction"])


class ITKImages(unittest.TestCase):
    def test_itk_images_keep_their_geometry(self):
        try:
            import itk  # pylint: disable=import-outside-toplevel
        except ImportError:
            self.skipTest("the itk package is not installed (Debian's ITK has no Python wrapping)")
        image = itk.image_from_array(disc_image().astype(numpy.float32))
        image.SetSpacing((0.5, 0.25))
        image.SetOrigin((3.0, -2.0))
        prior = scopsam.gradient_prior_filter(image)
        self.assertEqual(tuple(prior.GetSpacing()), (0.5, 0.25))
        self.assertEqual(tuple(prior.GetOrigin()), (3.0, -2.0))


if __name__ == "__main__":
    unittest.main()
