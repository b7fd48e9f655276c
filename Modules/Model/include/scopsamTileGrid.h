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
#ifndef scopsamTileGrid_h
#define scopsamTileGrid_h

#include "SCoPSAMModelExport.h"
#include "scopsamPrompts.h"

#include <cstddef>
#include <cstdint>
#include <vector>

/** \file scopsamTileGrid.h
 * \brief Where the tiles of one image fall: placed once per image and passed down, so that the filter, the engine,
 * the front ends and provenance read the same tiles.
 *
 * Tiles are placed on the whole image (the last tile of a row or column ends at the image border; only an image
 * smaller than a tile is padded, by reflection). Where they fall depends only on the image size, the tile size and
 * the overlap, so the probabilities of a region do not depend on how a caller splits the image (ITK streaming).
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** An index mirrored into [0, n): reflection without repeating the border pixel (-1 -> 1, n -> n - 2). How tiles
 * and training crops read beyond an image. */
inline std::int64_t
ReflectIndex(std::int64_t i, std::int64_t n)
{
  if (n == 1)
  {
    return 0;
  }
  const std::int64_t period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

/** A rectangle of pixel indices. */
struct PixelRegion
{
  std::int64_t X{ 0 }, Y{ 0 }, Width{ 0 }, Height{ 0 };
  std::int64_t
  Pixels() const
  {
    return Width * Height;
  }
  bool
  operator==(const PixelRegion & o) const
  {
    return X == o.X && Y == o.Y && Width == o.Width && Height == o.Height;
  }
  bool
  Intersects(const PixelRegion & o) const
  {
    return X < o.X + o.Width && o.X < X + Width && Y < o.Y + o.Height && o.Y < Y + Height;
  }
  /** The part inside a width x height image. */
  PixelRegion
  ClippedTo(std::int64_t width, std::int64_t height) const
  {
    const std::int64_t x0 = X < 0 ? 0 : X, y0 = Y < 0 ? 0 : Y;
    const std::int64_t x1 = X + Width < width ? X + Width : width, y1 = Y + Height < height ? Y + Height : height;
    return { x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0 };
  }
};

enum class BlendingWindow
{
  Cosine,   // sin^2 across the tile
  Gaussian, // exp(-d^2 / (2 (T/4)^2)) from the tile centre
  Flat      // plain averaging of overlaps
};

/** What a caller asks for; SegmentationEngine::MakeTileGrid() resolves it against the model. */
/** The largest tile: the encoder's global attention grows with the square of a tile's tokens, so peak memory with
 * the tile's area squared (measured on one 1024 x 1024 micrograph, batch 1, one thread, the default model: 0.28 GB
 * at tile 256, 0.33 GB at 512, 0.98 GB at 1024, 10.1 GB at 2048). 1024 is SAM's own input size. */
constexpr int MaximumTileSize = 1024;
/** The most pixels one network call takes (batch x tile^2): 64 tiles of 256, 4 of 1024. With MaximumTileSize it
 * bounds a run's peak memory by the options' worst case, whatever the image. */
constexpr std::int64_t MaximumBatchPixels = std::int64_t{ 1 } << 22;

/** The largest batch for tiles of `tileSize` pixels (MaximumBatchPixels). */
constexpr int
MaximumBatchSize(int tileSize)
{
  return static_cast<int>(MaximumBatchPixels / (static_cast<std::int64_t>(tileSize) * tileSize));
}

struct TilingOptions
{
  int            TileSize{ 0 }; // 0: the model's
  int            Overlap{ -1 }; // -1: a quarter of the tile
  int            BatchSize{ 4 };
  BlendingWindow Window{ BlendingWindow::Cosine };
};

/** The tiles of one image, resolved once from the model and the options and passed down. */
struct SCoPSAMModel_EXPORT TileGrid
{
  std::int64_t             ImageWidth{ 0 }, ImageHeight{ 0 };
  int                      TileSize{ 0 }, Overlap{ 0 }, BatchSize{ 1 };
  BlendingWindow           Window{ BlendingWindow::Cosine };
  std::vector<PixelRegion> Tiles; // placed once, whole image, row by row

  /** Number of tiles that touch `output` (for progress bars). */
  std::size_t
  CountTiles(const PixelRegion & output) const;

  /** The rectangle of the image that SegmentationEngine::Predict() reads to compute `output`: the tiles that touch
   * it and the tiles centred on the clicks, clipped to the image. */
  PixelRegion
  InputRegion(const PixelRegion & output, const Prompts & prompts) const;
};

/** Tiles of tileSize pixels overlapping by `overlap` on a width x height image, row by row: the last tile of a row
 * or column ends at the border. What SegmentationEngine::MakeTileGrid() places. */
SCoPSAMModel_EXPORT std::vector<PixelRegion>
PlaceTiles(std::int64_t width, std::int64_t height, int tileSize, int overlap);

/** The tile a click is seen in (its appearance token): centred on the click, moved inside the image. */
SCoPSAMModel_EXPORT PixelRegion
ClickTile(const TileGrid & grid, const Click & click);

} // namespace scopsam

#endif
