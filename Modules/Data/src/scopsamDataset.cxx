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
#include "scopsamDataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace scopsam
{

bool
HasImageExtension(const std::string & path)
{
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> known{ ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp",
                                            ".mha", ".mhd", ".nrrd", ".nhdr" };
  return known.count(extension) > 0;
}

std::vector<DatasetItem>
ListImages(const std::string & folder)
{
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    throw InputError("no such folder: " + folder);
  }
  std::vector<DatasetItem> items;
  for (const auto & entry : fs::directory_iterator(folder))
  {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name[0] != '.' && HasImageExtension(name))
    {
      items.push_back({ entry.path().stem().string(), entry.path().string(), "" });
    }
  }
  std::sort(items.begin(), items.end(),
            [](const auto & a, const auto & b) { return a.Name != b.Name ? a.Name < b.Name : a.ImagePath < b.ImagePath; });
  // Outputs, masks and reports are named after the stem: two images of one stem would write one file.
  for (std::size_t i = 1; i < items.size(); ++i)
  {
    if (items[i].Name == items[i - 1].Name)
    {
      throw InputError("two images in " + folder + " are named " + items[i].Name + " (" +
                       fs::path(items[i - 1].ImagePath).filename().string() + ", " +
                       fs::path(items[i].ImagePath).filename().string() +
                       "): their outputs would be one file; rename or move one");
    }
  }
  return items;
}

std::string
FindMask(const std::string & maskFolder, const std::string & name)
{
  std::error_code error;
  if (!fs::is_directory(maskFolder, error))
  {
    return "";
  }
  for (const std::string suffix : { "", "_mask", "_L" })
  {
    for (const auto & entry : fs::directory_iterator(maskFolder))
    {
      if (entry.path().stem().string() == name + suffix && HasImageExtension(entry.path().string()))
      {
        return entry.path().string();
      }
    }
  }
  return "";
}

std::vector<DatasetItem>
ReadDataset(const std::string & folder, const std::string & split)
{
  const fs::path root(folder);
  std::error_code error;
  fs::path        images = root / "images";
  fs::path        masks = root / "masks";
  if (!fs::is_directory(images, error))
  {
    images = root / "image";
    masks = root / "label";
  }
  if (!fs::is_directory(images, error))
  {
    throw InputError(folder + " is not a dataset: it has no images/ (or image/) folder");
  }
  std::vector<DatasetItem> items = ListImages(images.string());
  for (auto & item : items)
  {
    item.MaskPath = FindMask(masks.string(), item.Name);
  }
  if (split.empty())
  {
    return items;
  }
  const fs::path splitFile = root / "splits" / (split + ".txt");
  std::ifstream  in(splitFile);
  if (!in)
  {
    throw InputError("the dataset " + folder + " has no split file " + splitFile.string());
  }
  std::set<std::string> names;
  for (std::string line; std::getline(in, line);)
  {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    {
      line.pop_back();
    }
    if (!line.empty())
    {
      names.insert(line);
    }
  }
  std::vector<DatasetItem> selected;
  for (const auto & item : items)
  {
    if (names.count(item.Name))
    {
      selected.push_back(item);
      names.erase(item.Name);
    }
  }
  if (!names.empty())
  {
    throw InputError(splitFile.string() + " names " + *names.begin() + ", which has no image in the dataset");
  }
  return selected;
}

DatasetFold
ReadDatasetFold(const std::string & folder, int fold, int folds)
{
  // The pool: train and val together where the dataset has those splits, every item otherwise.
  std::vector<DatasetItem> pool;
  const fs::path           splits = fs::path(folder) / "splits";
  if (fs::exists(splits / "train.txt") && fs::exists(splits / "val.txt"))
  {
    pool = ReadDataset(folder, "train");
    for (auto & item : ReadDataset(folder, "val"))
    {
      pool.push_back(std::move(item));
    }
  }
  else
  {
    pool = ReadDataset(folder);
  }
  // Fields of view: the name up to its first '_'; in name order, dealt to the folds in turn.
  const auto field = [](const DatasetItem & item) { return item.Name.substr(0, item.Name.find('_')); };
  std::set<std::string> fields;
  for (const auto & item : pool)
  {
    fields.insert(field(item));
  }
  if (folds < 2 || folds > static_cast<int>(fields.size()) || fold < 0 || fold >= folds)
  {
    throw InputError("cross-validation of " + folder + ": a fold in [0, folds) and folds in [2, " +
                     std::to_string(fields.size()) + "] (its fields of view), got fold " + std::to_string(fold) +
                     " of " + std::to_string(folds));
  }
  std::set<std::string> inFold;
  int                   index = 0;
  for (const auto & name : fields)
  {
    if (index++ % folds == fold)
    {
      inFold.insert(name);
    }
  }
  std::sort(pool.begin(), pool.end(), [](const DatasetItem & a, const DatasetItem & b) { return a.Name < b.Name; });
  DatasetFold out;
  for (auto & item : pool)
  {
    (inFold.count(field(item)) > 0 ? out.HeldOut : out.Train).push_back(std::move(item));
  }
  return out;
}

} // namespace scopsam
