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
// The 3D Slicer CLI module "SCoP-SAM Segmentation": `SCoPSAMSegmentationCLI --xml` describes it; see scopsamSlicerModules.cxx.
#include "scopsamImageIO.h"
#include "scopsamSlicerModule.h"

int
main(int argc, char * argv[])
{
  scopsam::RemoveTemporaryFilesOnInterrupt(); // Slicer's Cancel ends the process: no partial output
  return scopsam::SegmentationSlicerModule(argc, argv);
}
