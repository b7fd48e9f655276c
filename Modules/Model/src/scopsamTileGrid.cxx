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
#include "scopsamTileGrid.h"

#include <algorithm>
#include <cmath>

namespace scopsam
{
namespace
{

std::vector<std::int64_t>
PlaceAxis(std::int64_t n, int tile, int overlap)
{
  if (n <= tile)
  {
    return { 0 };
  }
  const std::int64_t        stride = tile - overlap;
  const std::int64_t        count = (n - tile + stride - 1) / stride + 1;
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < count; ++i)
  {
    positions.push_back(std::min(i * stride, n - tile));
  }
  return positions;
}

PixelRegion
Union(const PixelRegion & a, const PixelRegion & b)
{
  if (a.Pixels() == 0)
  {
    return b;
  }
  const std::int64_t x0 = std::min(a.X, b.X), y0 = std::min(a.Y, b.Y);
  const std::int64_t x1 = std::max(a.X + a.Width, b.X + b.Width), y1 = std::max(a.Y + a.Height, b.Y + b.Height);
  return { x0, y0, x1 - x0, y1 - y0 };
}

} // namespace

std::vector<PixelRegion>
PlaceTiles(std::int64_t width, std::int64_t height, int tileSize, int overlap)
{
  std::vector<PixelRegion> tiles;
  for (const auto y : PlaceAxis(height, tileSize, overlap))
  {
    for (const auto x : PlaceAxis(width, tileSize, overlap))
    {
      tiles.push_back({ x, y, tileSize, tileSize });
    }
  }
  return tiles;
}

PixelRegion
ClickTile(const TileGrid & grid, const Click & click)
{
  const int tile = grid.TileSize;
  auto      place = [tile](double c, std::int64_t n) {
    if (n <= tile)
    {
      return std::int64_t{ 0 };
    }
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(c)) - tile / 2, 0, n - tile);
  };
  return { place(click.X, grid.ImageWidth), place(click.Y, grid.ImageHeight), tile, tile };
}

std::size_t
TileGrid::CountTiles(const PixelRegion & output) const
{
  return static_cast<std::size_t>(
    std::count_if(Tiles.begin(), Tiles.end(), [&output](const PixelRegion & tile) { return tile.Intersects(output); }));
}

PixelRegion
TileGrid::InputRegion(const PixelRegion & output, const Prompts & prompts) const
{
  PixelRegion needed;
  for (const auto & tile : Tiles)
  {
    if (tile.Intersects(output))
    {
      needed = Union(needed, tile);
    }
  }
  for (const auto & click : prompts.Clicks)
  {
    needed = Union(needed, ClickTile(*this, click));
  }
  return needed.ClippedTo(ImageWidth, ImageHeight);
}

} // namespace scopsam
