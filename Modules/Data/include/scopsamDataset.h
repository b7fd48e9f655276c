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
#ifndef scopsamDataset_h
#define scopsamDataset_h

#include "SCoPSAMDataExport.h"
#include "scopsamErrors.h"

#include <string>
#include <vector>

/** \file scopsamDataset.h
 * \brief The dataset layout (DESIGN section 4).
 *
 * A dataset is a folder with `images/<name>.<ext>` and `masks/<name>.png` (0 = rest, non-zero = phase), and
 * optionally `splits/{train,val,test}.txt` (one name per line). The layout of the public sets (`image/` and
 * `label/`, mask names with a `_mask` or `_L` suffix) is read too.
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** One annotated micrograph of a dataset. The mask path is empty for an image without a mask. */
struct DatasetItem
{
  std::string Name;
  std::string ImagePath;
  std::string MaskPath;
};

/** Whether `path` names an image by its extension (png, tif, tiff, jpg, jpeg, bmp, mha, mhd, nrrd, nhdr). */
SCoPSAMData_EXPORT bool
HasImageExtension(const std::string & path);

/** Items of a dataset folder in name order. `split` ("train", "val", "test") restricts them to the names of
 * splits/<split>.txt; an empty split takes every item. Throws InputError when the folder has no images/ (or
 * image/) folder or the split file is missing. */
SCoPSAMData_EXPORT std::vector<DatasetItem>
ReadDataset(const std::string & folder, const std::string & split = "");

/** One cross-validation fold of a dataset: the items it trains on and those it holds out, each in name order. */
struct DatasetFold
{
  std::vector<DatasetItem> Train;
  std::vector<DatasetItem> HeldOut;
};

/** Grouped cross-validation of a dataset (issue 14: decisions on held-out fields of view rather than on 4 val
 * images): the items of its train and val splits together (every item where it has no such split files), grouped by
 * field of view - the name up to its first '_' (nasa_super1's spot, "spot3"; uhcs_cementite's whole name) - and the
 * fields in name order dealt to `folds` folds in turn. Fold `fold` is held out, every other item trains; a field is
 * never on both sides. Throws InputError for a fold outside [0, folds) or folds outside [2, number of fields]. */
SCoPSAMData_EXPORT DatasetFold
ReadDatasetFold(const std::string & folder, int fold, int folds);

/** Image files of a plain folder (not a dataset), in name order, each as an item without mask. */
SCoPSAMData_EXPORT std::vector<DatasetItem>
ListImages(const std::string & folder);

/** The mask file that belongs to an image name in a masks folder: <name>.png, <name>_mask.png or <name>_L.png
 * (any image extension); empty when there is none. */
SCoPSAMData_EXPORT std::string
FindMask(const std::string & maskFolder, const std::string & name);

} // namespace scopsam

#endif
