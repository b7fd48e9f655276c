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
// Tests of reading and writing micrographs, the dataset layout, and the synthetic generator.
#include "scopsamCalibration.h"
#include "scopsamDataset.h"
#include "scopsamImageFileChecks.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamRandom.h"
#include "scopsamSyntheticMicrograph.h"

#include "itkImageFileWriter.h"
#include "itkShiftScaleImageFilter.h"
#include "itkRGBPixel.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"
#include "scopsamTestScratch.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace
{
fs::path
Scratch(const std::string & name)
{
  return scopsam::TestScratchFolder(name);
}

std::size_t
FilesIn(const fs::path & folder)
{
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}
} // namespace

TEST(Random, SameSeedSameSequenceAndSaneMoments)
{
  scopsam::Random a(42), b(42), c(43);
  EXPECT_EQ(a.Next(), b.Next());
  EXPECT_NE(a.Next(), c.Next());
  scopsam::Random r(7);
  double          sum = 0, squares = 0;
  const int       n = 200000;
  for (int i = 0; i < n; ++i)
  {
    const double x = r.Normal();
    sum += x;
    squares += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(squares / n, 1.0, 0.01);
  // Forks do not depend on how far the parent has run.
  scopsam::Random fresh(9), used(9);
  used.Next();
  EXPECT_EQ(fresh.Fork(3).Next(), used.Fork(3).Next());
}

TEST(SyntheticMicrograph, SameSeedSameBytesAndOtherSeedOtherBytes)
{
  scopsam::SyntheticParameters p;
  p.Width = 160;
  p.Height = 120;
  p.Level = 2;
  p.Seed = 1234;
  const auto a = scopsam::GenerateSyntheticMicrograph(p);
  const auto b = scopsam::GenerateSyntheticMicrograph(p);
  EXPECT_EQ(cv::norm(a.Image, b.Image, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(a.Mask, b.Mask, cv::NORM_INF), 0.0);
  p.Seed = 1235;
  const auto other = scopsam::GenerateSyntheticMicrograph(p);
  EXPECT_GT(cv::norm(a.Image, other.Image, cv::NORM_L1), 0.0);
  EXPECT_EQ(a.Image.rows, 120);
  EXPECT_EQ(a.Image.cols, 160);
}

// The phase is where the mask says, with the polarity the generator reports: inside the mask the image departs
// from the ring of matrix around it in that direction, by about the drawn contrast.
TEST(SyntheticMicrograph, MaskAndImageAgreeAtEveryLevelAndBothPolarities)
{
  for (int level = 1; level <= 3; ++level)
  {
    for (int polarity : { 1, -1 })
    {
      for (int bits : { 8, 16 })
      {
        scopsam::SyntheticParameters p;
        p.Width = 256;
        p.Height = 256;
        p.Level = level;
        p.Polarity = polarity;
        p.BitDepth = bits;
        p.Seed = 100 + level;
        const auto m = scopsam::GenerateSyntheticMicrograph(p);
        ASSERT_EQ(m.Image.type(), bits == 8 ? CV_8U : CV_16U);
        ASSERT_EQ(m.Polarity, polarity);
        double lo, hi;
        cv::minMaxLoc(m.Mask, &lo, &hi);
        EXPECT_EQ(lo, 0.0);
        EXPECT_EQ(hi, 255.0);
        EXPECT_EQ(cv::countNonZero(m.Mask == 0) + cv::countNonZero(m.Mask == 255), 256 * 256);
        EXPECT_GT(m.PhaseFraction, 0.005);
        EXPECT_LT(m.PhaseFraction, 0.6);

        cv::Mat image;
        m.Image.convertTo(image, CV_64F);
        cv::Mat inner, dilated, ring;
        cv::erode(m.Mask, inner, cv::Mat::ones(3, 3, CV_8U));
        cv::dilate(m.Mask, dilated, cv::Mat::ones(7, 7, CV_8U));
        cv::subtract(dilated, m.Mask, ring);
        const double inside = cv::mean(image, cv::countNonZero(inner) > 50 ? inner : m.Mask)[0];
        const double around = cv::mean(image, ring)[0];
        const auto & d = scopsam::GetDifficultyLevel(level);
        EXPECT_GT(polarity * (inside - around), 0.0) << "level " << level << " polarity " << polarity;
        EXPECT_GE(m.MeasuredContrast, 0.8 * d.ContrastMin);
        EXPECT_LE(m.MeasuredContrast, 1.25 * d.ContrastMax);
        EXPECT_LE(m.MeasuredNoise, 1.25 * d.NoiseMax);
      }
    }
  }
}

// The coarse morphologies come on request only, from streams of their own: a seed that draws none gives the very
// micrograph it gives without the request (the fixed test sets do not move), and those that draw one hold a phase
// at the area fraction the morphology promises, with the contrast of the level.
TEST(SyntheticMicrograph, CoarsePhasesOnRequestLeaveTheFineMicrographsAlone)
{
  int cuboidal = 0, coarse = 0, fine = 0;
  for (std::uint64_t seed = 1; seed <= 24; ++seed)
  {
    scopsam::SyntheticParameters p;
    p.Width = p.Height = 192;
    p.Level = 1 + static_cast<int>(seed % 3);
    p.Seed = seed;
    const auto plain = scopsam::GenerateSyntheticMicrograph(p);
    p.CoarsePhases = true;
    const auto offered = scopsam::GenerateSyntheticMicrograph(p);
    const auto has = [&](scopsam::Morphology m) {
      return std::count(offered.Morphologies.begin(), offered.Morphologies.end(), m) > 0;
    };
    for (const auto m : plain.Morphologies)
    {
      EXPECT_LT(static_cast<unsigned int>(m), scopsam::NumberOfFineMorphologies);
    }
    if (has(scopsam::Morphology::CuboidalPrecipitates))
    {
      ++cuboidal;
      EXPECT_EQ(offered.Morphologies.size(), 1u);
      EXPECT_GT(offered.PhaseFraction, 0.2) << "seed " << seed;
      EXPECT_LT(offered.PhaseFraction, 0.8) << "seed " << seed;
    }
    else if (has(scopsam::Morphology::CoarseSecondPhase))
    {
      ++coarse;
      EXPECT_GT(offered.PhaseFraction, 0.08) << "seed " << seed;
      EXPECT_LT(offered.PhaseFraction, 0.6) << "seed " << seed;
    }
    else
    {
      ++fine;
      EXPECT_EQ(cv::norm(plain.Image, offered.Image, cv::NORM_INF), 0.0) << "seed " << seed;
      EXPECT_EQ(cv::norm(plain.Mask, offered.Mask, cv::NORM_INF), 0.0) << "seed " << seed;
    }
    if (offered.Morphologies != plain.Morphologies)
    {
      const auto & d = scopsam::GetDifficultyLevel(p.Level);
      EXPECT_GE(offered.MeasuredContrast, 0.8 * d.ContrastMin) << "seed " << seed;
      EXPECT_LE(offered.MeasuredContrast, 1.25 * d.ContrastMax) << "seed " << seed;
    }
  }
  EXPECT_GT(cuboidal, 0);
  EXPECT_GT(coarse, 0);
  EXPECT_GT(fine, 8);
}

// A second phase, on request, has the opposite polarity of the first and lies inside the mask; a seed that draws
// none gives the micrograph it gives without the request; a dataset's masks leave the second phase out.
TEST(SyntheticMicrograph, SecondPhaseHasTheOppositePolarityAndStaysOutOfDatasetMasks)
{
  int drawn = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed)
  {
    scopsam::SyntheticParameters p;
    p.Width = p.Height = 192;
    p.Level = 1;
    p.Seed = seed;
    const auto plain = scopsam::GenerateSyntheticMicrograph(p);
    p.SecondPhase = true;
    const auto m = scopsam::GenerateSyntheticMicrograph(p);
    if (m.SecondPhaseMask.empty())
    {
      EXPECT_EQ(cv::norm(plain.Image, m.Image, cv::NORM_INF), 0.0) << "seed " << seed;
      continue;
    }
    ++drawn;
    EXPECT_GT(cv::countNonZero(m.SecondPhaseMask), 20) << "seed " << seed;
    EXPECT_EQ(cv::countNonZero(m.SecondPhaseMask & ~m.Mask), 0) << "seed " << seed;
    cv::Mat first = m.Mask & ~m.SecondPhaseMask, image;
    m.Image.convertTo(image, CV_64F);
    const auto departure = [&](const cv::Mat & phase) {
      cv::Mat inner, ring;
      cv::erode(phase, inner, cv::Mat::ones(3, 3, CV_8U));
      cv::dilate(m.Mask, ring, cv::Mat::ones(7, 7, CV_8U));
      ring &= ~m.Mask;
      return cv::mean(image, cv::countNonZero(inner) > 30 ? inner : phase)[0] - cv::mean(image, ring)[0];
    };
    if (cv::countNonZero(first) > 30)
    {
      EXPECT_GT(m.Polarity * departure(first), 0.0) << "seed " << seed;
    }
    EXPECT_LT(m.Polarity * departure(m.SecondPhaseMask), 0.0) << "seed " << seed;
  }
  EXPECT_GT(drawn, 0);
  EXPECT_LT(drawn, 8);

  const fs::path folder = Scratch("second-phase");
  scopsam::SyntheticDatasetParameters d;
  d.Count = 4;
  d.Width = d.Height = 96;
  d.SecondPhase = true;
  scopsam::WriteSyntheticDataset(folder.string(), d);
  std::ifstream  in(folder / "manifest.json");
  const auto     manifest = nlohmann::json::parse(in);
  for (const auto & entry : manifest["images"])
  {
    const auto path = folder / "masks" / (entry["name"].get<std::string>() + ".png");
    const auto mask = scopsam::MatFromImage(scopsam::ReadMask(path.string()).GetPointer());
    EXPECT_NEAR(static_cast<double>(cv::countNonZero(mask)) / mask.total(), entry["phase_fraction"].get<double>(), 1e-9);
  }
  fs::remove_all(folder);
}

TEST(SyntheticMicrograph, AbsurdParametersAreInputErrors)
{
  scopsam::SyntheticParameters p;
  p.Level = 4;
  EXPECT_THROW(scopsam::GenerateSyntheticMicrograph(p), scopsam::InputError);
  p.Level = 1;
  p.Width = 0;
  EXPECT_THROW(scopsam::GenerateSyntheticMicrograph(p), scopsam::InputError);
  p.Width = 64;
  p.BitDepth = 12;
  EXPECT_THROW(scopsam::GenerateSyntheticMicrograph(p), scopsam::InputError);
}

TEST(SyntheticDataset, LayoutSplitsAndManifest)
{
  const fs::path                      folder = Scratch("dataset");
  scopsam::SyntheticDatasetParameters p;
  p.Count = 9;
  p.Width = 96;
  p.Height = 80;
  p.Level = 0;
  p.BitDepth = 0;
  p.Seed = 5;
  scopsam::WriteSyntheticDataset(folder.string(), p);
  const auto all = scopsam::ReadDataset(folder.string());
  ASSERT_EQ(all.size(), 9u);
  std::size_t splitTotal = 0;
  for (const char * split : { "train", "val", "test" })
  {
    splitTotal += scopsam::ReadDataset(folder.string(), split).size();
  }
  EXPECT_EQ(splitTotal, 9u);
  EXPECT_EQ(scopsam::ReadDataset(folder.string(), "train").size(), 6u);
  for (const auto & item : all)
  {
    ASSERT_FALSE(item.MaskPath.empty()) << item.Name;
    const auto info = scopsam::InspectImageFile(item.ImagePath);
    EXPECT_EQ(info.Size[0], 96u);
    EXPECT_EQ(info.Size[1], 80u);
  }
  EXPECT_EQ(scopsam::InspectImageFile(all[1].ImagePath).ComponentType, itk::IOComponentEnum::USHORT);
  std::ifstream manifestFile(folder / "manifest.json");
  const auto    manifest = nlohmann::json::parse(manifestFile);
  ASSERT_EQ(manifest["images"].size(), 9u);
  EXPECT_EQ(manifest["images"][2]["level"], 3);

  // The same parameters write the same bytes.
  const fs::path again = Scratch("dataset-again");
  scopsam::WriteSyntheticDataset(again.string(), p);
  for (const auto & item : all)
  {
    std::ifstream a(item.ImagePath, std::ios::binary), b(again / "images" / (item.Name + ".png"), std::ios::binary);
    EXPECT_TRUE(std::equal(std::istreambuf_iterator<char>(a), {}, std::istreambuf_iterator<char>(b))) << item.Name;
  }
}

TEST(Dataset, PublicLayoutWithSuffixedMasks)
{
  const fs::path folder = Scratch("public");
  fs::create_directories(folder / "image");
  fs::create_directories(folder / "label");
  auto image = scopsam::ImageFromMat<unsigned char>(cv::Mat(8, 8, CV_8U, cv::Scalar(3)));
  scopsam::WriteImage(image.GetPointer(), (folder / "image" / "a.tif").string());
  scopsam::WriteImage(image.GetPointer(), (folder / "image" / "b.png").string());
  scopsam::WriteImage(image.GetPointer(), (folder / "label" / "a_mask.png").string());
  scopsam::WriteImage(image.GetPointer(), (folder / "label" / "b_L.png").string());
  const auto items = scopsam::ReadDataset(folder.string());
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(fs::path(items[0].MaskPath).filename(), "a_mask.png");
  EXPECT_EQ(fs::path(items[1].MaskPath).filename(), "b_L.png");
  EXPECT_THROW(scopsam::ReadDataset((folder / "image").string()), scopsam::InputError);
  EXPECT_THROW(scopsam::ReadDataset(folder.string(), "train"), scopsam::InputError);
}

TEST(Dataset, CrossValidationFoldsHoldOutWholeFieldsOfView)
{
  // Seven fields of view of 1-3 images each (nasa_super1's layout: spotN_...), a train/val split and a test image
  // that the folds must not touch.
  const fs::path folder = Scratch("folds");
  fs::create_directories(folder / "image");
  fs::create_directories(folder / "label");
  fs::create_directories(folder / "splits");
  const auto image = scopsam::ImageFromMat<unsigned char>(cv::Mat(8, 8, CV_8U, cv::Scalar(3)));
  const std::vector<std::string> train = { "spot1_a", "spot1_b", "spot2_a", "spot3_a", "spot3_b", "spot4_a", "spot6_a" },
                                 val = { "spot5_a", "spot5_b", "spot5_c", "spot7_a" };
  std::ofstream trainFile(folder / "splits" / "train.txt"), valFile(folder / "splits" / "val.txt");
  for (const auto & name : train)
  {
    trainFile << name << "\n";
  }
  for (const auto & name : val)
  {
    valFile << name << "\n";
  }
  trainFile.close();
  valFile.close();
  for (const auto & name : { "spot1_a", "spot1_b", "spot2_a", "spot3_a", "spot3_b", "spot4_a", "spot5_a", "spot5_b",
                             "spot5_c", "spot6_a", "spot7_a", "spot8_test" })
  {
    scopsam::WriteImage(image.GetPointer(), (folder / "image" / (std::string(name) + ".png")).string());
    scopsam::WriteImage(image.GetPointer(), (folder / "label" / (std::string(name) + ".png")).string());
  }
  const auto field = [](const std::string & name) { return name.substr(0, name.find('_')); };
  for (const int folds : { 2, 3, 7 })
  {
    std::map<std::string, int> heldOutTimes;
    for (int fold = 0; fold < folds; ++fold)
    {
      const auto split = scopsam::ReadDatasetFold(folder.string(), fold, folds);
      const auto & held = split.HeldOut;
      const auto & rest = split.Train;
      EXPECT_EQ(held.size() + rest.size(), train.size() + val.size()) << "fold " << fold << " of " << folds;
      std::set<std::string> heldFields;
      for (const auto & item : held)
      {
        ++heldOutTimes[item.Name];
        heldFields.insert(field(item.Name));
        EXPECT_FALSE(item.MaskPath.empty());
      }
      for (const auto & item : rest)
      {
        EXPECT_EQ(heldFields.count(field(item.Name)), 0u) << item.Name << ": a field on both sides";
        EXPECT_NE(item.Name, "spot8_test") << "the test image stays out";
      }
      EXPECT_FALSE(held.empty());
    }
    EXPECT_EQ(heldOutTimes.size(), train.size() + val.size()) << folds << " folds";
    for (const auto & [name, times] : heldOutTimes)
    {
      EXPECT_EQ(times, 1) << name << " held out once in " << folds << " folds";
    }
  }
  // Seven folds of seven fields: leave one field out, in name order.
  const auto fifth = scopsam::ReadDatasetFold(folder.string(), 4, 7).HeldOut;
  ASSERT_EQ(fifth.size(), 3u);
  EXPECT_EQ(fifth[0].Name, "spot5_a");
  EXPECT_THROW(scopsam::ReadDatasetFold(folder.string(), 2, 2), scopsam::InputError);
  EXPECT_THROW(scopsam::ReadDatasetFold(folder.string(), 0, 1), scopsam::InputError);
  EXPECT_THROW(scopsam::ReadDatasetFold(folder.string(), 0, 8), scopsam::InputError) << "more folds than fields";
}

TEST(ImageIO, BadFilesAreOneLineInputErrors)
{
  const fs::path folder = Scratch("bad");
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "missing.png").string()), scopsam::InputError);
  std::ofstream(folder / "text.png") << "this is not a PNG";
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "text.png").string()), scopsam::InputError);
  std::ofstream(folder / "empty.tif");
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "empty.tif").string()), scopsam::InputError);
  EXPECT_THROW(scopsam::ReadGrayImage(folder.string()), scopsam::InputError);
  // A FIFO or a device as input: refused at once, not read for ever.
  ASSERT_EQ(::mkfifo((folder / "fifo.png").c_str(), 0600), 0);
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "fifo.png").string()), scopsam::InputError);
  EXPECT_THROW(scopsam::ReadGrayImage("/dev/zero"), scopsam::InputError);
  // A truncated PNG: the header reads, the pixels do not.
  auto big = scopsam::ImageFromMat<unsigned char>(cv::Mat(64, 64, CV_8U, cv::Scalar(9)));
  cv::randu(scopsam::MatView(big.GetPointer()), 0, 255);
  scopsam::WriteImage(big.GetPointer(), (folder / "whole.png").string());
  const auto bytes = fs::file_size(folder / "whole.png");
  fs::copy_file(folder / "whole.png", folder / "cut.png");
  fs::resize_file(folder / "cut.png", bytes / 2);
  try
  {
    scopsam::ReadGrayImage((folder / "cut.png").string());
    FAIL() << "a truncated file was read";
  }
  catch (const scopsam::InputError & e)
  {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cut.png"), std::string::npos) << e.what();
  }
  // A real 3-D volume is not a micrograph.
  auto volume = itk::Image<unsigned char, 3>::New();
  volume->SetRegions(itk::Image<unsigned char, 3>::SizeType{ { 4, 4, 3 } });
  volume->Allocate(true);
  scopsam::WriteImage(volume.GetPointer(), (folder / "volume.mha").string());
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "volume.mha").string()), scopsam::InputError);
}

namespace
{
std::vector<char>
FileBytes(const fs::path & path)
{
  std::ifstream in(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void
WriteBytes(const fs::path & path, const std::vector<char> & bytes)
{
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void
PutBigEndian32(std::vector<char> & bytes, std::size_t at, std::uint32_t value)
{
  for (int i = 0; i < 4; ++i)
  {
    bytes[at + i] = static_cast<char>((value >> (24 - 8 * i)) & 0xFFu);
  }
}

/** Rewrites the CRC of the PNG chunk whose data start at `data` (length `length`), as a forger would. */
void
ResealChunk(std::vector<char> & bytes, std::size_t data, std::size_t length)
{
  const auto * type = reinterpret_cast<const unsigned char *>(bytes.data() + data - 4);
  PutBigEndian32(bytes, data + length, scopsam::Crc32(type, length + 4));
}

/** Reading `path` either gives the image `expected` holds or one InputError line naming the file; anything else
 * (an abort inside a library, another exception, a wrong image) fails the test. */
void
ExpectReadOrInputError(const fs::path & path, const scopsam::GrayImage2D * expected, const std::string & what)
{
  try
  {
    const auto image = scopsam::ReadGrayImage(path.string());
    ASSERT_EQ(image->GetLargestPossibleRegion(), expected->GetLargestPossibleRegion()) << what;
    EXPECT_TRUE(std::equal(image->GetBufferPointer(),
                           image->GetBufferPointer() + image->GetLargestPossibleRegion().GetNumberOfPixels(),
                           expected->GetBufferPointer()))
      << what << " read as another image";
  }
  catch (const scopsam::InputError & e)
  {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << what << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(path.filename().string()), std::string::npos) << what << ": " << e.what();
  }
}
} // namespace

TEST(ImageIO, CorruptPNGHeadersAreInputErrorsNotAborts)
{
  const fs::path folder = Scratch("corrupt-png");
  auto           image = scopsam::ImageFromMat<unsigned char>(cv::Mat(12, 10, CV_8U, cv::Scalar(0)));
  cv::randu(scopsam::MatView(image.GetPointer()), 0, 255);
  scopsam::WriteImage(image.GetPointer(), (folder / "whole.png").string());
  const auto good = FileBytes(folder / "whole.png");
  const auto original = scopsam::ReadGrayImage((folder / "whole.png").string());
  const fs::path probe = folder / "probe.png";

  // Lying sizes, resealed with a valid CRC so that only the check of the fields can catch them.
  const std::size_t ihdr = 16; // IHDR data: width, height, bit depth, colour type, methods
  for (const std::uint32_t width : { 0u, scopsam::PNGMaximumSide + 1, 2000000000u, 0xFFFFFFFFu })
  {
    auto bytes = good;
    PutBigEndian32(bytes, ihdr, width);
    ResealChunk(bytes, ihdr, 13);
    WriteBytes(probe, bytes);
    EXPECT_THROW(scopsam::ReadGrayImage(probe.string()), scopsam::InputError) << "width " << width;
    PutBigEndian32(bytes, ihdr, 10);
    PutBigEndian32(bytes, ihdr + 4, width);
    ResealChunk(bytes, ihdr, 13);
    WriteBytes(probe, bytes);
    EXPECT_THROW(scopsam::ReadGrayImage(probe.string()), scopsam::InputError) << "height " << width;
  }
  for (const int bitDepth : { 0, 3, 5, 7, 9, 32 })
  {
    auto bytes = good;
    bytes[ihdr + 8] = static_cast<char>(bitDepth);
    ResealChunk(bytes, ihdr, 13);
    WriteBytes(probe, bytes);
    EXPECT_THROW(scopsam::ReadGrayImage(probe.string()), scopsam::InputError) << "bit depth " << bitDepth;
  }
  // Every byte of the header flipped, unsealed: a CRC error, or a signature that is no PNG's.
  for (std::size_t at = 0; at < 33; ++at)
  {
    auto bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x5A);
    WriteBytes(probe, bytes);
    EXPECT_THROW(scopsam::ReadGrayImage(probe.string()), scopsam::InputError) << "byte " << at << " flipped";
  }
  // Cut at every length: never an abort, never another image.
  for (std::size_t length = 0; length < good.size(); ++length)
  {
    WriteBytes(probe, std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length)));
    ExpectReadOrInputError(probe, original.GetPointer(), "cut at " + std::to_string(length) + " bytes");
  }
}

TEST(ImageIO, CorruptOrTruncatedJPEGAndBMPAreInputErrorsNotCrashes)
{
  const fs::path folder = Scratch("corrupt-jpeg-bmp");
  auto           image = scopsam::ImageFromMat<unsigned char>(cv::Mat(24, 20, CV_8U, cv::Scalar(0)));
  cv::randu(scopsam::MatView(image.GetPointer()), 0, 255);
  for (const std::string extension : { ".jpg", ".bmp" })
  {
    const fs::path whole = folder / ("whole" + extension), probe = folder / ("probe" + extension);
    scopsam::WriteImage(image.GetPointer(), whole.string());
    const auto good = FileBytes(whole);
    const auto original = scopsam::ReadGrayImage(whole.string());
    // Every cut: one InputError line or, where only trailing bytes went that no reader needs, the same image.
    for (std::size_t length = 0; length < good.size(); length += (length < 700 ? 1 : 97))
    {
      WriteBytes(probe, std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length)));
      ExpectReadOrInputError(probe, original.GetPointer(), extension + " cut at " + std::to_string(length));
    }
    // Every header byte flipped: never a crash (a flipped table entry may still be a valid, other image).
    for (std::size_t at = 0; at < 64; ++at)
    {
      auto bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ 0xFF);
      WriteBytes(probe, bytes);
      try
      {
        scopsam::ReadGrayImage(probe.string());
      }
      catch (const scopsam::InputError & e)
      {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      }
    }
  }
  // A BMP whose header claims more rows than the file holds: refused, not read as garbage.
  auto bytes = FileBytes(folder / "whole.bmp");
  bytes[22] = static_cast<char>(200); // biHeight, little-endian: 24 -> 200 rows
  WriteBytes(folder / "tall.bmp", bytes);
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "tall.bmp").string()), scopsam::InputError);
}

namespace
{
/** A minimal little-endian 8-bit gray TIFF with its directory first and its pixels after it, as SEM software
 * writes them (ITK writes the directory last, where a cut always hits it first). */
std::vector<char>
DirectoryFirstTIFF(std::uint32_t width, std::uint32_t height)
{
  std::vector<char> bytes = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
  const auto        put16 = [&bytes](std::uint32_t v) { bytes.push_back(char(v & 0xFF)); bytes.push_back(char(v >> 8)); };
  const auto        put32 = [&put16](std::uint32_t v) { put16(v & 0xFFFF); put16(v >> 16); };
  const std::uint32_t entries = 8, pixels = 8 + 2 + entries * 12 + 4;
  put16(entries);
  const auto entry = [&](std::uint32_t tag, std::uint32_t type, std::uint32_t value) {
    put16(tag);
    put16(type);
    put32(1);
    put32(value);
  };
  entry(256, 4, width);          // ImageWidth
  entry(257, 4, height);         // ImageLength
  entry(258, 3, 8);              // BitsPerSample
  entry(259, 3, 1);              // Compression: none
  entry(262, 3, 1);              // Photometric: black is zero
  entry(273, 4, pixels);         // StripOffsets
  entry(278, 4, height);         // RowsPerStrip
  entry(279, 4, width * height); // StripByteCounts
  put32(0);                      // no next directory
  for (std::uint32_t i = 0; i < width * height; ++i)
  {
    bytes.push_back(static_cast<char>(i * 7));
  }
  return bytes;
}
} // namespace

TEST(ImageIO, TIFFWhoseStripsRunPastTheEndOfTheFileIsAnInputError)
{
  const fs::path folder = Scratch("truncated-tiff");
  const auto     good = DirectoryFirstTIFF(16, 12);
  WriteBytes(folder / "whole.tif", good);
  const auto image = scopsam::ReadGrayImage((folder / "whole.tif").string());
  ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(), (scopsam::GrayImage2D::SizeType{ { 16, 12 } }));
  EXPECT_EQ(image->GetPixel({ { 3, 1 } }), static_cast<float>(static_cast<unsigned char>((16 + 3) * 7)));
  for (std::size_t length = 0; length < good.size(); ++length)
  {
    WriteBytes(folder / "cut.tif", std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length)));
    EXPECT_THROW(scopsam::ReadGrayImage((folder / "cut.tif").string()), scopsam::InputError) << "cut at " << length;
  }
  WriteBytes(folder / "empty.tif", DirectoryFirstTIFF(0, 12));
  EXPECT_THROW(scopsam::ReadGrayImage((folder / "empty.tif").string()), scopsam::InputError);
}

// ITK 5.2's MetaIO copies a header's string values into fixed 255-byte fields with strcpy and sizes arrays from
// NDims: a Comment, Name or ObjectSubType of 255 characters or more aborted (or corrupted the heap) inside it, found
// by fuzzing. Such headers are refused before MetaIO reads them; a line of 254 characters still reads.
TEST(ImageIO, MetaImageHeadersThatWouldOverflowMetaIOAreInputErrors)
{
  const fs::path folder = Scratch("metaio-overflow");
  const auto     header = [&](const std::string & name, const std::string & extra, const std::string & dims = "2") {
    const std::string path = (folder / name).string();
    std::ofstream(path, std::ios::binary) << "ObjectType = Image\nNDims = " << dims << "\n" << extra
                                          << "DimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n"
                                          << std::string(16, '\x40');
    return path;
  };
  for (const std::string field : { "Comment", "Name", "ObjectSubType", "AnatomicalOrientation", "TransformType" })
  {
    for (const std::size_t length : { 255, 300, 5000 })
    {
      const auto path = header(field + ".mha", field + " = " + std::string(length, 'x') + "\n");
      EXPECT_THROW(scopsam::InspectImageFile(path), scopsam::InputError) << field << " " << length;
    }
  }
  for (const std::string dims : { "0", "11", "300", "-2", "2.5", "1e9" })
  {
    EXPECT_THROW(scopsam::InspectImageFile(header("dims.mhd", "", dims)), scopsam::InputError) << dims;
  }
  const std::string comment = "Comment = ";
  EXPECT_NO_THROW(scopsam::ReadGrayImage(header("long-but-fits.mha", comment + std::string(254 - comment.size(), 'c') + "\n")));
}

TEST(ImageIO, HeadersThatClaimMorePixelsThanTheFileHoldsAreInputErrors)
{
  const fs::path folder = Scratch("lying-headers");
  auto           image = scopsam::ImageFromMat<unsigned short>(cv::Mat(40, 30, CV_16U, cv::Scalar(0)));
  cv::randu(scopsam::MatView(image.GetPointer()), 0, 65535);
  const auto original = [&] {
    scopsam::WriteImage(image.GetPointer(), (folder / "whole.nrrd").string());
    return scopsam::ReadGrayImage((folder / "whole.nrrd").string());
  }();
  // Uncompressed MetaImage, attached and detached, and NRRD: every cut of the pixel data is refused before reading.
  const auto writeUncompressed = [&](const fs::path & path) {
    auto writer = itk::ImageFileWriter<itk::Image<unsigned short, 2>>::New();
    writer->SetInput(image);
    writer->SetFileName(path.string());
    writer->SetUseCompression(false);
    writer->Update();
  };
  for (const std::string name : { "attached.mha", "detached.mhd", "attached.nrrd" })
  {
    writeUncompressed(folder / name);
    const fs::path data = name == "detached.mhd" ? folder / "detached.raw" : folder / name;
    const auto     size = fs::file_size(data);
    EXPECT_NO_THROW(scopsam::ReadGrayImage((folder / name).string())) << name;
    for (const std::uintmax_t cut : { std::uintmax_t{ 1 }, std::uintmax_t{ 2 }, std::uintmax_t{ 100 }, std::uintmax_t{ 1199 } })
    {
      writeUncompressed(folder / name);
      fs::resize_file(data, size - cut);
      EXPECT_THROW(scopsam::InspectImageFile((folder / name).string()), scopsam::InputError) << name << " cut by " << cut;
    }
  }
  // A header that claims 50000 x 50000 pixels over a few bytes: refused from the header, nothing allocated.
  std::ofstream(folder / "huge.mha") << "ObjectType = Image\nNDims = 2\nDimSize = 50000 50000\n"
                                        "ElementType = MET_USHORT\nElementDataFile = LOCAL\n"
                                     << std::string(64, '\0');
  EXPECT_THROW(scopsam::InspectImageFile((folder / "huge.mha").string()), scopsam::InputError);
  std::ofstream(folder / "huge-compressed.mha") << "ObjectType = Image\nNDims = 2\nDimSize = 50000 50000\n"
                                                   "ElementType = MET_UCHAR\nCompressedData = True\n"
                                                   "ElementDataFile = LOCAL\n"
                                                << std::string(64, 'x');
  EXPECT_THROW(scopsam::InspectImageFile((folder / "huge-compressed.mha").string()), scopsam::InputError);
  std::ofstream(folder / "huge.nrrd") << "NRRD0004\ntype: uint16\ndimension: 2\nsizes: 40000 40000\nencoding: raw\n\n"
                                      << std::string(64, '\0');
  EXPECT_THROW(scopsam::InspectImageFile((folder / "huge.nrrd").string()), scopsam::InputError);
  std::ofstream(folder / "overflow.mha") << "ObjectType = Image\nNDims = 3\nDimSize = 4294967295 4294967295 4294967295\n"
                                            "ElementType = MET_DOUBLE\nElementDataFile = LOCAL\n";
  EXPECT_THROW(scopsam::InspectImageFile((folder / "overflow.mha").string()), scopsam::InputError);
  // Compressed files written by ITK still read, and give the same pixels.
  scopsam::WriteImage(image.GetPointer(), (folder / "compressed.mha").string());
  ExpectReadOrInputError(folder / "compressed.mha", original.GetPointer(), "compressed MetaImage");
  EXPECT_NO_THROW(scopsam::ReadGrayImage((folder / "compressed.mha").string()));
}

TEST(ImageIO, RgbWithEqualChannelsAndSingleSliceVolumesReadAsGray)
{
  const fs::path folder = Scratch("rgb");
  using RGBImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto rgb = RGBImage::New();
  rgb->SetRegions(RGBImage::SizeType{ { 5, 4 } });
  rgb->Allocate();
  for (int i = 0; i < 20; ++i)
  {
    itk::RGBPixel<unsigned char> p;
    p.Fill(static_cast<unsigned char>(10 * i));
    rgb->GetBufferPointer()[i] = p;
  }
  scopsam::WriteImage(rgb.GetPointer(), (folder / "rgb.png").string());
  const auto gray = scopsam::ReadGrayImage((folder / "rgb.png").string());
  EXPECT_EQ(gray->GetPixel({ { 3, 2 } }), 130.0f);

  auto slice = itk::Image<unsigned short, 3>::New();
  slice->SetRegions(itk::Image<unsigned short, 3>::SizeType{ { 6, 5, 1 } });
  slice->Allocate(true);
  const double origin[3] = { 1.0, 2.0, 3.0 };
  const double spacing[3] = { 0.5, 0.5, 2.0 };
  slice->SetOrigin(origin);
  slice->SetSpacing(spacing);
  slice->GetBufferPointer()[7] = 1000;
  scopsam::WriteImage(slice.GetPointer(), (folder / "slice.nrrd").string());
  scopsam::SliceGeometry geometry;
  const auto             planar = scopsam::ReadGrayImage((folder / "slice.nrrd").string(), &geometry);
  EXPECT_EQ(planar->GetPixel({ { 1, 1 } }), 1000.0f);
  EXPECT_EQ(geometry.FileDimension, 3u);
  scopsam::WriteImageLike(planar.GetPointer(), geometry, (folder / "back.nrrd").string());
  const auto info = scopsam::InspectImageFile((folder / "back.nrrd").string());
  EXPECT_EQ(info.Dimension, 3u);
  EXPECT_EQ(info.Size[2], 1u);
}

TEST(ImageIO, WritesAreAtomicAndNeverOverwriteInputs)
{
  const fs::path folder = Scratch("atomic");
  auto           image = scopsam::ImageFromMat<unsigned char>(cv::Mat(8, 8, CV_8U, cv::Scalar(1)));
  EXPECT_THROW(scopsam::WriteImage(image.GetPointer(), (folder / "no" / "such" / "x.png").string()),
               scopsam::InputError);
  EXPECT_THROW(scopsam::WriteImage(image.GetPointer(), (folder / "x.unknownformat").string()), scopsam::InputError);
  EXPECT_THROW(scopsam::WriteAtomically((folder / "y.png").string(),
                                        [](const std::string & temporary) {
                                          std::ofstream(temporary) << "half";
                                          throw std::runtime_error("failed half way");
                                        }),
               std::runtime_error);
  EXPECT_EQ(FilesIn(folder), 0u) << "a failed write left a file behind";
  scopsam::WriteImage(image.GetPointer(), (folder / "in.png").string());
  EXPECT_THROW(scopsam::RefuseToOverwriteInputs((folder / "in.png").string(), { (folder / "." / "in.png").string() }),
               scopsam::InputError);
  EXPECT_NO_THROW(scopsam::RefuseToOverwriteInputs((folder / "out.png").string(), { (folder / "in.png").string() }));
}

TEST(ImageIO, StreamedWritesGiveTheSamePixelsInAnyNumberOfPieces)
{
  const fs::path folder = Scratch("streamed");
  cv::Mat        source(97, 61, CV_32F);
  cv::randu(source, 0.0, 1.0);
  auto image = scopsam::ImageFromMat<float>(source);
  // Two pipeline outputs: a float image (MetaImage: written piece by piece) and an 8-bit one (PNG: assembled).
  auto scaled = itk::ShiftScaleImageFilter<scopsam::GrayImage2D, scopsam::GrayImage2D>::New();
  scaled->SetInput(image);
  scaled->SetScale(2.0);
  auto bytes = itk::ShiftScaleImageFilter<scopsam::GrayImage2D, scopsam::UInt8Image2D>::New();
  bytes->SetInput(image);
  bytes->SetScale(250.0);
  unsigned int runs = 0;
  scaled->AddObserver(itk::StartEvent(), [&runs](const itk::EventObject &) { ++runs; });
  for (const unsigned int divisions : { 1u, 5u })
  {
    const std::size_t rows = (97 + divisions - 1) / divisions; // 97 rows in `divisions` pieces
    const auto name = std::to_string(divisions);
    runs = 0;
    scaled->Modified(); // recomputed, not taken from the last write's buffer
    scopsam::UInt8Image2D::Pointer kept;
    scopsam::WriteStreamed({ scopsam::StreamTo(scaled->GetOutput(), (folder / (name + ".mha")).string()),
                             scopsam::StreamTo(bytes->GetOutput(), (folder / (name + ".png")).string()),
                             scopsam::KeepWhole(bytes->GetOutput(), kept) },
                           rows);
    EXPECT_EQ(runs, divisions) << "one update per piece";
    const auto read = scopsam::ReadGrayImage((folder / (name + ".mha")).string());
    const auto png = scopsam::ReadGrayImage((folder / (name + ".png")).string());
    ASSERT_EQ(read->GetLargestPossibleRegion(), image->GetLargestPossibleRegion());
    ASSERT_TRUE(kept);
    for (std::size_t i = 0; i < 97 * 61; ++i)
    {
      ASSERT_EQ(read->GetBufferPointer()[i], 2.0f * image->GetBufferPointer()[i]) << divisions << " " << i;
      ASSERT_EQ(png->GetBufferPointer()[i], static_cast<float>(kept->GetBufferPointer()[i])) << divisions << " " << i;
      ASSERT_EQ(kept->GetBufferPointer()[i], static_cast<unsigned char>(250.0f * image->GetBufferPointer()[i]));
    }
    std::ifstream header(folder / (name + ".mha"));
    const std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(divisions == 1 ? "CompressedData = True" : "CompressedData = False"), std::string::npos)
      << "one piece: compressed as before; several: uncompressed, which MetaImage writes in pieces";
  }
  EXPECT_EQ(FilesIn(folder), 4u) << "no temporary file left";
  EXPECT_TRUE(scopsam::CanWriteInPieces((folder / "x.mha").string()));
  EXPECT_FALSE(scopsam::CanWriteInPieces((folder / "x.png").string()));
  EXPECT_FALSE(scopsam::CanWriteInPieces((folder / "x.nrrd").string()));
}

// Both directions for every pixel type micrographs come in: ITK -> OpenCV as a view (no copy: writes show through)
// and as a copy; OpenCV -> ITK as a copy, also from a non-contiguous cv::Mat (a region of interest).
template <typename TPixel>
class OpenCVBridgeTyped : public testing::Test
{};
using BridgePixelTypes = testing::Types<unsigned char, unsigned short, float>;
TYPED_TEST_SUITE(OpenCVBridgeTyped, BridgePixelTypes);

TYPED_TEST(OpenCVBridgeTyped, BothDirections)
{
  using Pixel = TypeParam;
  cv::Mat source(9, 13, scopsam::OpenCVType<Pixel>());
  cv::randu(source, 0, std::is_same_v<Pixel, float> ? 1.0 : 200.0);
  // OpenCV -> ITK: pixel (x, y) of ITK is at(y, x) of OpenCV.
  auto image = scopsam::ImageFromMat<Pixel>(source);
  EXPECT_EQ(image->GetLargestPossibleRegion().GetSize()[0], 13u);
  EXPECT_EQ(image->GetLargestPossibleRegion().GetSize()[1], 9u);
  EXPECT_EQ(image->GetPixel({ { 12, 8 } }), source.at<Pixel>(8, 12));
  // ITK -> OpenCV, a copy: equal, and independent of the image.
  cv::Mat copy = scopsam::MatFromImage(image.GetPointer());
  EXPECT_EQ(copy.type(), scopsam::OpenCVType<Pixel>());
  EXPECT_EQ(cv::norm(copy, source, cv::NORM_INF), 0.0);
  copy.at<Pixel>(0, 0) = Pixel(7);
  EXPECT_EQ(image->GetPixel({ { 0, 0 } }), source.at<Pixel>(0, 0));
  // ITK -> OpenCV, a view: the same memory.
  cv::Mat view = scopsam::MatView(image.GetPointer());
  EXPECT_EQ(view.data, reinterpret_cast<uchar *>(image->GetBufferPointer()));
  view.at<Pixel>(3, 5) = Pixel(42);
  EXPECT_EQ(image->GetPixel({ { 5, 3 } }), Pixel(42));
  // A region of a larger cv::Mat is not contiguous: copied row by row.
  const cv::Mat region = source(cv::Rect(2, 1, 6, 4));
  ASSERT_FALSE(region.isContinuous());
  auto part = scopsam::ImageFromMat<Pixel>(region);
  EXPECT_EQ(part->GetPixel({ { 0, 0 } }), source.at<Pixel>(1, 2));
  EXPECT_EQ(part->GetPixel({ { 5, 3 } }), source.at<Pixel>(4, 7));
  // The wrong type is refused.
  EXPECT_THROW(scopsam::ImageFromMat<Pixel>(cv::Mat(3, 3, CV_64F)), std::invalid_argument);
}

TEST(OpenCVBridge, RoundTripsAndViews)
{
  cv::Mat source(7, 5, CV_16U);
  cv::randu(source, 0, 65535);
  auto image = scopsam::ImageFromMat<unsigned short>(source);
  EXPECT_EQ(image->GetPixel({ { 4, 6 } }), source.at<unsigned short>(6, 4));
  EXPECT_EQ(cv::norm(scopsam::MatFromImage(image.GetPointer()), source, cv::NORM_INF), 0.0);
  cv::Mat view = scopsam::MatView(image.GetPointer());
  view.at<unsigned short>(1, 2) = 77;
  EXPECT_EQ(image->GetPixel({ { 2, 1 } }), 77);
  EXPECT_THROW(scopsam::ImageFromMat<float>(source), std::invalid_argument);
}

TEST(ImageIO, DetachedHeadersNameTheirDataFileAfterTheTarget)
{
  // A .mhd or .nhdr is written under a temporary name, so ITK names its data file after that name: the write must
  // leave exactly the header and its data file under the target's name, the header pointing at it.
  const fs::path folder = Scratch("detached");
  auto           image = scopsam::ImageFromMat<float>(cv::Mat(6, 9, CV_32F, cv::Scalar(0.25f)));
  for (const std::string name : { "probability.mhd", "probability.nhdr" })
  {
    fs::remove_all(folder);
    fs::create_directories(folder);
    scopsam::WriteImage(image.GetPointer(), (folder / name).string());
    std::vector<std::string> files;
    for (const auto & entry : fs::directory_iterator(folder))
    {
      files.push_back(entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    ASSERT_EQ(files.size(), 2u) << name;
    EXPECT_EQ(files[0].find("probability."), 0u) << files[0];
    EXPECT_EQ(files[1].find("probability."), 0u) << files[1];
    std::ifstream in(folder / name);
    std::string   header((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(header.find("partial"), std::string::npos) << header;
    const auto back = scopsam::ReadGrayImage((folder / name).string());
    ASSERT_EQ(back->GetLargestPossibleRegion().GetNumberOfPixels(), 54u);
    EXPECT_FLOAT_EQ(back->GetBufferPointer()[53], 0.25f) << name;
  }
}

TEST(ImageIO, WritesRefuseFIFOsAndDevicesAndLeaveThemAlone)
{
  const fs::path folder = Scratch("special-outputs");
  fs::remove_all(folder);
  fs::create_directories(folder);
  auto image = scopsam::ImageFromMat<unsigned char>(cv::Mat(4, 4, CV_8U, cv::Scalar(1)));
  const fs::path fifo = folder / "mask.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THROW(scopsam::WriteImage(image.GetPointer(), fifo.string()), scopsam::InputError);
  EXPECT_TRUE(fs::is_fifo(fifo)) << "the FIFO is still there, not replaced by a file";
  fs::create_symlink("/dev/null", folder / "null.png");
  EXPECT_THROW(scopsam::WriteImage(image.GetPointer(), (folder / "null.png").string()), scopsam::InputError);
  EXPECT_TRUE(fs::is_symlink(folder / "null.png"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto & entry : fs::directory_iterator(folder))
  {
    ++entries;
  }
  EXPECT_EQ(entries, 2u) << "no temporary file left";
}

namespace
{
/** SEM-like TIFFs with each vendor's pixel-size record, written by Debian's tifffile (Testing/Python). */
fs::path
CalibratedTIFFs()
{
  static const fs::path folder = [] {
    const fs::path out = Scratch("calibrated-tiffs");
    const std::string command = "/usr/bin/python3 " SCoPSAM_SOURCE_DIR "/Testing/Python/make_calibrated_tiffs.py " +
                                out.string() + " > /dev/null";
    if (std::system(command.c_str()) != 0)
    {
      ADD_FAILURE() << "cannot write the test TIFFs: " << command << " (needs python3-tifffile; Utilities/setup.sh installs it)";
    }
    return out;
  }();
  return folder;
}
} // namespace

TEST(Calibration, EachVendorsTIFFRecordIsReadInMicrometres)
{
  const struct
  {
    const char * File;
    double       Micrometres;
    const char * SourceMentions;
  } cases[] = { { "fei_sfeg.tif", 0.025, "FEI_SFEG tag 34680" },     { "fei_helios.tif", 0.01, "[EScan] PixelWidth" },
                { "zeiss_nm.tif", 0.0125, "CZ_SEM (Zeiss) tag 34118" }, { "zeiss_um.tif", 0.25, "0.25 um" },
                { "tescan.tif", 0.02, "TESCAN tag 50431" },          { "resolution.tif", 0.5, "per centimetre" } };
  for (const auto & c : cases)
  {
    const auto calibration = scopsam::ReadTIFFCalibration((CalibratedTIFFs() / c.File).string());
    ASSERT_TRUE(calibration.has_value()) << c.File;
    EXPECT_NEAR(calibration->MicrometresPerPixel, c.Micrometres, c.Micrometres * 1e-9) << c.File;
    EXPECT_NE(calibration->Source.find(c.SourceMentions), std::string::npos) << c.File << ": " << calibration->Source;
  }
  // A screen resolution (72 dpi) and no record at all say nothing of the specimen; nor does a file that is not TIFF.
  EXPECT_FALSE(scopsam::ReadTIFFCalibration((CalibratedTIFFs() / "screen_dpi.tif").string()).has_value());
  EXPECT_FALSE(scopsam::ReadTIFFCalibration((CalibratedTIFFs() / "plain.tif").string()).has_value());
  EXPECT_FALSE(scopsam::ReadTIFFCalibration(SCoPSAM_SOURCE_DIR "/Testing/Data/sample.png").has_value());
}

TEST(Calibration, NonsenseRecordsAndCorruptDirectoriesAreNotCalibrations)
{
  const fs::path out = Scratch("calibration-nonsense");
  // The FEI file with its PixelWidth turned into nonsense (same length): no calibration, not a crash.
  std::ifstream in(CalibratedTIFFs() / "fei_sfeg.tif", std::ios::binary);
  std::string   bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char * replacement : { "PixelWidth=-2.5e-008", "PixelWidth=nan000000", "PixelWidth=2.5e+008" })
  {
    std::string changed = bytes;
    const auto  at = changed.find("PixelWidth=2.5e-008");
    ASSERT_NE(at, std::string::npos);
    changed.replace(at, std::strlen(replacement), replacement);
    std::ofstream(out / "changed.tif", std::ios::binary) << changed;
    EXPECT_FALSE(scopsam::ReadTIFFCalibration((out / "changed.tif").string()).has_value()) << replacement;
  }
  // A directory pointing past the end of the file is a corrupt TIFF: an InputError, as for reading its pixels.
  std::string cut = bytes;
  cut[4] = '\xff';
  cut[5] = '\xff';
  std::ofstream(out / "cut.tif", std::ios::binary) << cut;
  EXPECT_THROW(scopsam::ReadTIFFCalibration((out / "cut.tif").string()), scopsam::InputError);
}

namespace
{
/** The image as z-scores (zero mean, unit variance), CV_32F. */
cv::Mat
ZScores(const cv::Mat & image)
{
  cv::Mat z;
  image.convertTo(z, CV_32F);
  cv::Scalar mean, sd;
  cv::meanStdDev(z, mean, sd);
  return (z - mean[0]) / std::max(1e-9, sd[0]);
}
double
Variance(const cv::Mat & values)
{
  cv::Scalar mean, sd;
  cv::meanStdDev(values, mean, sd);
  return sd[0] * sd[0];
}
/** Mean of |values| where `where` is set (CV_8U), or where it is not. */
double
MeanAbs(const cv::Mat & values, const cv::Mat & where, bool set = true)
{
  cv::Mat mask = set ? where : (where == 0);
  return cv::mean(cv::abs(values), mask)[0];
}
/** Boundary pixels of a mask: on either side of it (CV_8U, 0/255). */
cv::Mat
Boundary(const cv::Mat & mask)
{
  cv::Mat dilated, eroded;
  cv::dilate(mask, dilated, cv::Mat());
  cv::erode(mask, eroded, cv::Mat());
  return dilated - eroded;
}
} // namespace

// Each instrument effect of issue 14 item 2 is a seeded option that changes the image in its own way, leaves the mask
// alone (but for CT air, which holds no phase) and moves no other draw.
TEST(SyntheticMicrograph, InstrumentEffectsDoWhatTheySayAndMoveNothingElse)
{
  using scopsam::InstrumentEffect;
  using scopsam::InstrumentEffects;
  EXPECT_EQ(InstrumentEffects::Parse("sem").ToString(), "se-edges,topography,charging,curtaining,scan-jitter");
  EXPECT_EQ(InstrumentEffects::Parse("ct").ToString(), "ct-sample,ct-rings,ct-texture,ct-partial-volume");
  EXPECT_EQ(InstrumentEffects::Parse("ct-rings,se-edges").ToString(), "se-edges,ct-rings");
  EXPECT_FALSE(InstrumentEffects::Parse("none").Any());
  EXPECT_FALSE(InstrumentEffects::Parse("").Any());
  EXPECT_THROW(InstrumentEffects::Parse("sem,,ct"), scopsam::InputError);
  EXPECT_THROW(InstrumentEffects::Parse("edges"), scopsam::InputError);

  for (const std::uint64_t seed : { 11u, 12u, 13u })
  {
    scopsam::SyntheticParameters p;
    p.Width = p.Height = 256;
    p.Level = 1;
    p.Polarity = -1;
    p.Seed = seed;
    const auto    plain = scopsam::GenerateSyntheticMicrograph(p);
    const cv::Mat z0 = ZScores(plain.Image);
    const cv::Mat boundary = Boundary(plain.Mask);
    const auto    with = [&](InstrumentEffect effect) {
      scopsam::SyntheticParameters q = p;
      q.Effects.Add(effect);
      const auto one = scopsam::GenerateSyntheticMicrograph(q), again = scopsam::GenerateSyntheticMicrograph(q);
      EXPECT_EQ(cv::norm(one.Image, again.Image, cv::NORM_INF), 0.0) << "same seed, same bytes";
      EXPECT_GT(cv::norm(one.Image, plain.Image, cv::NORM_L1), 0.0) << scopsam::InstrumentEffectName(effect);
      if (effect != InstrumentEffect::SampleBoundary)
      {
        EXPECT_EQ(cv::norm(one.Mask, plain.Mask, cv::NORM_INF), 0.0) << scopsam::InstrumentEffectName(effect);
      }
      return one;
    };
    const auto rimContrast = [&](const cv::Mat & z) { return cv::mean(z, boundary)[0] - cv::mean(z, boundary == 0)[0]; };
    const auto change = [&](InstrumentEffect effect) { return cv::Mat(ZScores(with(effect).Image) - z0); };
    const auto correlation = [](const cv::Mat & d, int lag) { // along the rows
      const cv::Mat a = d(cv::Rect(0, 0, d.cols - lag, d.rows)), b = d(cv::Rect(lag, 0, d.cols - lag, d.rows));
      return cv::mean(a.mul(b))[0] / std::sqrt(cv::mean(a.mul(a))[0] * cv::mean(b.mul(b))[0]);
    };
    // Secondary-electron rims: the boundaries of a dark phase turn bright.
    EXPECT_GT(rimContrast(ZScores(with(InstrumentEffect::EdgeBrightening).Image)), rimContrast(z0) + 0.25);
    // Relief: the change lies on the phases' slopes.
    {
      const cv::Mat d = change(InstrumentEffect::TopographicShading);
      EXPECT_GT(MeanAbs(d, boundary), 3.0 * MeanAbs(d, boundary, false));
    }
    // Charging runs along the scan lines, curtains across them.
    for (const auto effect : { InstrumentEffect::ChargingStreaks, InstrumentEffect::Curtaining })
    {
      const cv::Mat d = change(effect);
      cv::Mat       rows, columns;
      cv::reduce(d, rows, 1, cv::REDUCE_AVG);
      cv::reduce(d, columns, 0, cv::REDUCE_AVG);
      if (effect == InstrumentEffect::ChargingStreaks)
      {
        EXPECT_GT(Variance(rows), 5.0 * Variance(columns)) << "charging, seed " << seed;
      }
      else
      {
        EXPECT_GT(Variance(columns), 5.0 * Variance(rows)) << "curtaining, seed " << seed;
      }
    }
    // A line displaced sideways changes the image where it is steep across the line, not where it is flat.
    {
      const cv::Mat d = change(InstrumentEffect::ScanJitter);
      cv::Mat       gx;
      cv::Sobel(z0, gx, CV_32F, 1, 0);
      const cv::Mat steep = cv::abs(gx) > 2.0;
      EXPECT_GT(MeanAbs(d, steep), 5.0 * MeanAbs(d, steep, false));
    }
    // Air round a CT sample holds no phase; nothing becomes phase.
    {
      const auto ct = with(InstrumentEffect::SampleBoundary);
      EXPECT_GT(cv::countNonZero(plain.Mask & ~ct.Mask), 0);
      EXPECT_EQ(cv::countNonZero(ct.Mask & ~plain.Mask), 0);
    }
    // Rings about the axis (the image's centre without a sample): the change is mostly a function of the radius.
    {
      const cv::Mat       d = change(InstrumentEffect::RingArtefacts);
      const auto          radius = [](int x, int y) { return static_cast<int>(std::hypot(x + 0.5 - 128, y + 0.5 - 128)); };
      std::vector<double> sum(200, 0.0), count(200, 0.0);
      for (int y = 0; y < d.rows; ++y)
      {
        for (int x = 0; x < d.cols; ++x)
        {
          sum[radius(x, y)] += d.at<float>(y, x);
          count[radius(x, y)] += 1;
        }
      }
      cv::Mat profile(d.size(), CV_32F);
      for (int y = 0; y < d.rows; ++y)
      {
        for (int x = 0; x < d.cols; ++x)
        {
          profile.at<float>(y, x) = static_cast<float>(sum[radius(x, y)] / count[radius(x, y)]);
        }
      }
      EXPECT_GT(Variance(profile), 0.5 * Variance(d));
    }
    // Reconstruction noise is band-pass: neighbours alike, pixels a few apart not.
    {
      const cv::Mat d = change(InstrumentEffect::ReconstructionNoise);
      EXPECT_GT(correlation(d, 1), 0.25);
      EXPECT_LT(correlation(d, 4), correlation(d, 1) - 0.25);
    }
    // Partial volume: boundaries averaged over a voxel are less steep.
    {
      const auto gradient = [&](const cv::Mat & z) {
        cv::Mat gx, gy, magnitude;
        cv::Sobel(z, gx, CV_32F, 1, 0);
        cv::Sobel(z, gy, CV_32F, 0, 1);
        cv::magnitude(gx, gy, magnitude);
        return cv::mean(magnitude, boundary)[0];
      };
      EXPECT_LT(gradient(ZScores(with(InstrumentEffect::PartialVolume).Image)), 0.85 * gradient(z0));
    }
  }
}
