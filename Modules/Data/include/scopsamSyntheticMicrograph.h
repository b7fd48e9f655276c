/*=========================================================================
 *
 *  Copyright SCoP-SAM contributors
 *
 *  Licensed under the Apache License, Version 2.0 (the "License");
 *  you may not use this file except in compliance with the License.
 *  You may obtain a copy of the License at
 *
 *         http://www.apache.org/licenses/LICENSE-2.0.txt
 *
 *  Unless required by applicable law or agreed to in writing, software
 *  distributed under the License is distributed on an "AS IS" BASIS,
 *  WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 *  See the License for the specific language governing permissions and
 *  limitations under the License.
 *
 *=========================================================================*/
#ifndef scopsamSyntheticMicrograph_h
#define scopsamSyntheticMicrograph_h

#include "SCoPSAMDataExport.h"
#include "scopsamErrors.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

/** \file scopsamSyntheticMicrograph.h
 * \brief Seeded zinc-alloy-like micrographs with exact phase masks (DESIGN section 4).
 *
 * A micrograph is built on a float canvas: a grain structure (jittered-grid Voronoi grains with channelling
 * contrast and grooved boundaries), intermediate phases drawn into the mask and onto the canvas with the chosen
 * polarity (round particles, needles and rods, grain-boundary networks, lamellar eutectic colonies, blocky
 * particles; on request also the coarse phases: dense cuboidal precipitates and a coarse connected second phase at
 * high area fractions), distractors drawn onto the canvas only (scratches, pores, etch pits, dust), then uneven illumination,
 * blur, Poisson-Gaussian noise and scan lines, on request what an SEM or a CT scanner adds (InstrumentEffects), and
 * finally quantisation to 8 or 16 bits.
 *
 * Contrast and noise are in units of the image's normalised range (its 0.5 % and 99.5 % percentiles mapped to 0
 * and 1, as SCoP-SAM normalises): the canvas is generated twice with the same draws, the second time with its
 * amplitudes scaled by the first canvas's range, so that the measured normalised contrast lands on the drawn one.
 * Both are measured on the result and reported.
 *
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** Phase morphologies the generator draws. */
enum class Morphology : unsigned int
{
  RoundParticles = 0,
  Needles = 1,
  GrainBoundaryNetwork = 2,
  LamellarEutectic = 3,
  BlockyParticles = 4,
  CuboidalPrecipitates = 5, ///< dense rounded cuboids on a lattice, 30-65 % of the field (gamma-prime-like)
  CoarseSecondPhase = 6     ///< smooth connected blobs 10-45 % of the field (coarse eutectic, CT-scale phase)
};
/** The morphologies of DESIGN section 4's test sets; the coarse ones follow them. */
constexpr unsigned int NumberOfFineMorphologies = 5;
constexpr unsigned int NumberOfMorphologies = 7;
SCoPSAMData_EXPORT const char *
MorphologyName(Morphology morphology);

/** The difficulty levels of DESIGN section 4. */
struct DifficultyLevel
{
  int    Level;
  double ContrastMin, ContrastMax;
  double NoiseMin, NoiseMax;
  int    SmallestParticle;      // pixels (diameter or needle width)
  double DistractorDensity;     // relative count of scratches, pits, dust
  double IlluminationAmplitude; // relative gain change across the field
  double BlurMin, BlurMax;      // Gaussian sigma, pixels
};
/** Level 1, 2 or 3; throws InputError otherwise. */
SCoPSAMData_EXPORT const DifficultyLevel &
GetDifficultyLevel(int level);

/** What an instrument adds to a micrograph, beyond the illumination, blur, noise and scan lines every micrograph
 * gets. Each effect is a seeded option with a random stream of its own: turning one on leaves every other draw of
 * the micrograph as it was, and with none on a seed gives the micrograph it always gave. The SEM effects follow
 * what the `nasa_super1` and `uhcs_cementite` train fields show; the CT effects follow what is known of CT
 * reconstructions (no CT data exists here to check them against). */
enum class InstrumentEffect : unsigned int
{
  EdgeBrightening = 1u << 0,     ///< SEM, secondary electrons: bright rims at phase boundaries, whatever the polarity
  TopographicShading = 1u << 1,  ///< SEM: the phases' relief (proud or recessed) lit from the detector's side
  ChargingStreaks = 1u << 2,     ///< SEM: bright bands along the scan lines that fade to the right
  Curtaining = 1u << 3,          ///< FIB-SEM: vertical stripes that run down from the top edge and fade
  ScanJitter = 1u << 4,          ///< SEM: each scan line displaced by a fraction of a pixel, correlated line to line
  SampleBoundary = 1u << 5,      ///< CT: a round sample with air outside, a bright rim and beam-hardening cupping
  RingArtefacts = 1u << 6,       ///< CT: rings about the rotation axis, at the noise's scale
  ReconstructionNoise = 1u << 7, ///< CT: the band-pass noise texture of filtered back-projection
  PartialVolume = 1u << 8        ///< CT: boundaries averaged over a voxel
};
constexpr unsigned int NumberOfInstrumentEffects = 9;

/** A set of instrument effects. Written and parsed as a comma-separated list of names ("se-edges", "topography",
 * "charging", "curtaining", "scan-jitter", "ct-sample", "ct-rings", "ct-texture", "ct-partial-volume"); "sem" and
 * "ct" name the five SEM and the four CT effects, "none" (or an empty list) none. */
struct SCoPSAMData_EXPORT InstrumentEffects
{
  unsigned int Bits{ 0 };

  bool
  Has(InstrumentEffect effect) const
  {
    return (Bits & static_cast<unsigned int>(effect)) != 0;
  }
  bool
  Any() const
  {
    return Bits != 0;
  }
  InstrumentEffects &
  Add(InstrumentEffect effect)
  {
    Bits |= static_cast<unsigned int>(effect);
    return *this;
  }
  /** The names, comma-separated, in the order of the enumeration; "none" for none. */
  std::string
  ToString() const;
  /** Throws InputError naming an unknown name and the known ones. */
  static InstrumentEffects
  Parse(const std::string & list);
};
SCoPSAMData_EXPORT const char *
InstrumentEffectName(InstrumentEffect effect);

/** What to generate. Polarity: +1 bright phase, -1 dark phase, 0 drawn at random. CoarsePhases: a third of the
 * micrographs then hold one coarse morphology (cuboidal precipitates or a coarse second phase, with or without fine
 * particles) instead of the fine ones; off, the seeds give exactly the micrographs they always gave, so that the
 * fixed test sets of DESIGN section 4 do not move. */
struct SyntheticParameters
{
  int           Width{ 512 };
  int           Height{ 512 };
  int           Level{ 1 };
  int           BitDepth{ 8 };
  int           Polarity{ 0 };
  std::uint64_t Seed{ 1 };
  bool          CoarsePhases{ false };
  /** Half of the micrographs then also hold a second phase of the opposite polarity (round or blocky particles),
   * drawn from streams of their own like the coarse phases: the case where only a click can tell which phase is
   * wanted. */
  bool          SecondPhase{ false };
  /** What the instrument adds (none by default). */
  InstrumentEffects Effects;
};

/** A generated micrograph, its mask and what was drawn. */
struct SyntheticMicrograph
{
  cv::Mat                 Image; // CV_8UC1 or CV_16UC1
  cv::Mat                 Mask;  // CV_8UC1, 0 or 255: the phase (both phases where a second one was drawn)
  cv::Mat                 SecondPhaseMask; // CV_8UC1, 0 or 255, inside Mask; empty where no second phase was drawn
  int                     Polarity{ 1 };
  double                  Contrast{ 0.0 };      // drawn, normalised units
  double                  Noise{ 0.0 };         // drawn, normalised units
  double                  MeasuredContrast{ 0.0 };
  double                  MeasuredNoise{ 0.0 };
  double                  PhaseFraction{ 0.0 };
  std::vector<Morphology> Morphologies;
};

/** InputError unless a synthetic micrograph of `width` x `height` is at least 16 x 16 and at most 2^26 pixels
 * (the generator holds about 52 bytes per pixel). */
SCoPSAMData_EXPORT void
CheckSyntheticSize(int width, int height);

/** Generates one micrograph. Same parameters, same pixels. Throws InputError on absurd parameters. */
SCoPSAMData_EXPORT SyntheticMicrograph
GenerateSyntheticMicrograph(const SyntheticParameters & parameters);

/** What a synthetic dataset holds. Level 0 mixes levels 1-3; BitDepth 0 mixes 8 and 16. */
struct SyntheticDatasetParameters
{
  int           Count{ 20 };
  int           Width{ 512 };
  int           Height{ 512 };
  int           Level{ 1 };
  int           BitDepth{ 8 };
  int           Polarity{ 0 };
  std::uint64_t Seed{ 1 };
  bool          CoarsePhases{ false };
  bool          SecondPhase{ false }; // masks/ then hold the first phase only: the second is the one not asked for
  InstrumentEffects Effects;          // SyntheticParameters::Effects, for every image
  double        TrainFraction{ 0.7 };
  double        ValidationFraction{ 0.15 };
};

/** Writes a dataset in the layout of DESIGN section 4 (images/, masks/, splits/) plus manifest.json with what
 * each image holds. The folder is created; existing files of the same names are replaced. */
SCoPSAMData_EXPORT void
WriteSyntheticDataset(const std::string & folder, const SyntheticDatasetParameters & parameters);

} // namespace scopsam

#endif
