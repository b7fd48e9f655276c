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
#include "scopsamCalibration.h"
#include "scopsamTIFFDirectory.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace scopsam
{
namespace
{

/** A positive, finite pixel size below 1 mm, in micrometres; else empty. */
std::optional<double>
Plausible(double micrometres)
{
  if (std::isfinite(micrometres) && micrometres > 0.0 && micrometres < 1000.0)
  {
    return micrometres;
  }
  return std::nullopt;
}

/** The number that starts `text` (strtod's rule); empty when there is none. */
std::optional<double>
LeadingNumber(const std::string & text, std::size_t * used = nullptr)
{
  const char * begin = text.c_str();
  char *       end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin)
  {
    return std::nullopt;
  }
  if (used)
  {
    *used = static_cast<std::size_t>(end - begin);
  }
  return value;
}

std::string
Trim(const std::string & text)
{
  const auto first = text.find_first_not_of(std::string(" \t\r\n\0", 5));
  if (first == std::string::npos)
  {
    return "";
  }
  return text.substr(first, text.find_last_not_of(std::string(" \t\r\n\0", 5)) - first + 1);
}

/** FEI / Thermo Fisher: `key=value` lines under `[Section]` headers; PixelWidth of [Scan], else [EScan], metres. */
std::optional<FileCalibration>
FEICalibration(const std::string & text, const std::string & where)
{
  for (const char * wanted : { "Scan", "EScan" })
  {
    std::istringstream lines(text);
    std::string        section;
    for (std::string line; std::getline(lines, line);)
    {
      line = Trim(line);
      if (!line.empty() && line.front() == '[')
      {
        section = line.substr(1, line.find(']') - 1);
        continue;
      }
      const auto equals = line.find('=');
      if (section != wanted || equals == std::string::npos || Trim(line.substr(0, equals)) != "PixelWidth")
      {
        continue;
      }
      const auto metres = LeadingNumber(Trim(line.substr(equals + 1)));
      if (const auto um = metres ? Plausible(*metres * 1e6) : std::nullopt)
      {
        std::ostringstream source;
        source << where << ": [" << wanted << "] PixelWidth = " << *metres << " m";
        return FileCalibration{ *um, source.str() };
      }
    }
  }
  return std::nullopt;
}

/** Zeiss SmartSEM: a line `Image Pixel Size = 2.791 nm` (or with ':'), the unit written after the number. */
std::optional<FileCalibration>
ZeissCalibration(const std::string & text, const std::string & where)
{
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
  {
    const auto name = line.find("Image Pixel Size");
    if (name == std::string::npos)
    {
      continue;
    }
    const auto separator = line.find_first_of("=:", name);
    if (separator == std::string::npos)
    {
      continue;
    }
    const std::string value = Trim(line.substr(separator + 1));
    std::size_t       used = 0;
    const auto        number = LeadingNumber(value, &used);
    if (!number)
    {
      continue;
    }
    const std::string unit = Trim(value.substr(used));
    double            perUnit = 0.0; // micrometres per unit
    if (unit == "pm")
    {
      perUnit = 1e-6;
    }
    else if (unit == "nm")
    {
      perUnit = 1e-3;
    }
    else if (unit == "um" || unit == "\xC2\xB5m" || unit == "\xB5m" || unit == "\xCE\xBCm") // micro sign or mu
    {
      perUnit = 1.0;
    }
    else if (unit == "mm")
    {
      perUnit = 1e3;
    }
    if (const auto um = perUnit > 0 ? Plausible(*number * perUnit) : std::nullopt)
    {
      std::ostringstream source;
      source << where << ": Image Pixel Size = " << *number << " " << (perUnit == 1.0 ? "um" : unit);
      return FileCalibration{ *um, source.str() };
    }
  }
  return std::nullopt;
}

/** TESCAN: `PixelSizeX=` followed by metres, wherever it lies in the tag's blocks. */
std::optional<FileCalibration>
TESCANCalibration(const std::string & text, const std::string & where)
{
  const std::string key = "PixelSizeX=";
  const auto        at = text.find(key);
  if (at == std::string::npos)
  {
    return std::nullopt;
  }
  const auto metres = LeadingNumber(text.substr(at + key.size(), 64));
  if (const auto um = metres ? Plausible(*metres * 1e6) : std::nullopt)
  {
    std::ostringstream source;
    source << where << ": PixelSizeX = " << *metres << " m";
    return FileCalibration{ *um, source.str() };
  }
  return std::nullopt;
}

} // namespace

std::optional<FileCalibration>
ReadTIFFCalibration(const std::string & path)
{
  const auto tiff = TIFFFirstDirectory::Open(
    path, [&path](const std::string & what) { return InputError(path + " is a corrupt TIFF file: " + what); });
  if (!tiff)
  {
    return std::nullopt;
  }
  const std::string file = std::filesystem::path(path).filename().string();
  struct VendorTag
  {
    std::uint64_t Tag;
    const char *  Name;
    std::optional<FileCalibration> (*Parse)(const std::string &, const std::string &);
  };
  for (const VendorTag & vendor : { VendorTag{ 34680, "FEI_SFEG", &FEICalibration },
                                    VendorTag{ 34682, "FEI_HELIOS", &FEICalibration },
                                    VendorTag{ 34118, "CZ_SEM (Zeiss)", &ZeissCalibration },
                                    VendorTag{ 50431, "TESCAN", &TESCANCalibration } })
  {
    if (const auto * field = tiff->Find(vendor.Tag))
    {
      const std::string where = std::string(vendor.Name) + " tag " + std::to_string(vendor.Tag) + " of " + file;
      if (auto calibration = vendor.Parse(tiff->Bytes(*field), where))
      {
        return calibration;
      }
    }
  }
  // The standard resolution tags: pixels per inch (ResolutionUnit 2, the default) or per centimetre (3).
  const auto * resolution = tiff->Find(282);
  if (!resolution || resolution->Type != 5)
  {
    return std::nullopt;
  }
  const auto *        unitField = tiff->Find(296);
  const std::uint64_t unit = unitField ? tiff->First(*unitField) : 2;
  const double        perUnit = tiff->Rational(*resolution);
  if ((unit != 2 && unit != 3) || !(perUnit > 0))
  {
    return std::nullopt;
  }
  const double dotsPerInch = unit == 2 ? perUnit : perUnit * 2.54;
  for (const double screen : { 72.0, 96.0 })
  {
    if (std::abs(dotsPerInch - screen) < 0.01)
    {
      return std::nullopt; // what a picture program writes: nothing about the specimen
    }
  }
  if (const auto um = Plausible((unit == 2 ? 25400.0 : 10000.0) / perUnit))
  {
    std::ostringstream source;
    source << "XResolution of " << file << ": " << perUnit << " pixels per " << (unit == 2 ? "inch" : "centimetre");
    return FileCalibration{ *um, source.str() };
  }
  return std::nullopt;
}

} // namespace scopsam
