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
#include "scopsamPriorKernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

// The loops below are written so that the compiler vectorises them along the contiguous axis. They are compiled
// three times, for AVX-512, AVX2 and the baseline x86-64, and the loader picks the clone the processor runs (GCC's function
// multi-versioning). The file is compiled with -ffp-contract=off: a vectorised body and its scalar remainder then
// round identically, which keeps results independent of how an image is split into regions.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(SCOPSAM_NO_MULTIVERSIONING)
#  define SCOPSAM_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#  define SCOPSAM_MULTIVERSION
#endif

namespace scopsam
{
namespace
{

/** An allocator that leaves new elements uninitialised: every intermediate buffer here is written in full before
 * it is read, so zero-filling it (as std::vector does) is wasted memory traffic. */
template <typename T>
struct UninitialisedAllocator : std::allocator<T>
{
  template <typename U>
  struct rebind
  {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U> &) noexcept
  {}
  template <typename U>
  void
  construct(U * p) noexcept
  {
    ::new (static_cast<void *>(p)) U;
  }
  template <typename U, typename... Args>
  void
  construct(U * p, Args &&... args)
  {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};
using FloatBuffer = std::vector<float, UninitialisedAllocator<float>>;
using DoubleBuffer = std::vector<double, UninitialisedAllocator<double>>;

std::size_t
Stride(const BufferSize & size, unsigned int axis)
{
  std::size_t stride = 1;
  for (unsigned int a = 0; a < axis; ++a)
  {
    stride *= size[a];
  }
  return stride;
}

BufferSize
Shrunk(BufferSize size, unsigned int dimension, std::size_t by)
{
  for (unsigned int a = 0; a < dimension; ++a)
  {
    size[a] -= 2 * by;
  }
  return size;
}

BufferSize
Grown(BufferSize size, unsigned int dimension, std::size_t by)
{
  for (unsigned int a = 0; a < dimension; ++a)
  {
    size[a] += 2 * by;
  }
  return size;
}

/** Copies the centre of `input`, dropping `crop` pixels on each side of each axis. */
FloatBuffer
Crop(const float * input, const BufferSize & size, unsigned int dimension, std::size_t crop)
{
  const BufferSize   out = Shrunk(size, dimension, crop);
  FloatBuffer       result(NumberOfPixels(out));
  const std::size_t zOffset = dimension > 2 ? crop : 0;
  const std::size_t  yOffset = dimension > 1 ? crop : 0;
  for (std::size_t z = 0; z < out[2]; ++z)
  {
    for (std::size_t y = 0; y < out[1]; ++y)
    {
      const float * src = input + ((z + zOffset) * size[1] + (y + yOffset)) * size[0] + crop;
      std::copy(src, src + out[0], result.data() + (z * out[1] + y) * out[0]);
    }
  }
  return result;
}

/** Separable Gaussian derivative: kernel `derivative` along axis `along`, `smooth` along every other axis (with
 * `along` >= dimension, a plain Gaussian smoothing). Valid convolution: the result is `size` less 2 * radius on each
 * axis. */
FloatBuffer
GaussianDerivative(const float *              input,
                   BufferSize                 size,
                   unsigned int               dimension,
                   unsigned int               along,
                   const std::vector<float> & smooth,
                   const std::vector<float> & derivative)
{
  FloatBuffer current;
  FloatBuffer next;
  for (unsigned int axis = 0; axis < dimension; ++axis)
  {
    const bool   odd = axis == along;
    BufferSize   outSize = size;
    const auto & kernel = odd ? derivative : smooth;
    outSize[axis] -= 2 * (kernel.size() - 1);
    next.resize(NumberOfPixels(outSize));
    ConvolveAxis(axis == 0 ? input : current.data(), size, axis, kernel, odd, next.data());
    current.swap(next);
    size = outSize;
  }
  return current;
}

SCOPSAM_MULTIVERSION void
ConvolveContiguous(const float * __restrict in, std::size_t n, const float * __restrict h, int r, bool odd, float * __restrict out)
{
  const std::size_t m = n - 2 * static_cast<std::size_t>(r);
  const float *     centre = in + r;
  const float       h0 = odd ? 0.0f : h[0];
  for (std::size_t x = 0; x < m; ++x)
  {
    out[x] = h0 * centre[x];
  }
  for (int k = 1; k <= r; ++k)
  {
    const float   hk = h[k];
    const float * plus = centre + k;
    const float * minus = centre - k;
    if (odd)
    {
      for (std::size_t x = 0; x < m; ++x)
      {
        out[x] += hk * (plus[x] - minus[x]);
      }
    }
    else
    {
      for (std::size_t x = 0; x < m; ++x)
      {
        out[x] += hk * (plus[x] + minus[x]);
      }
    }
  }
}

SCOPSAM_MULTIVERSION void
ConvolveStrided(const float * __restrict in, std::size_t stride, const float * __restrict h, int r, bool odd, float * __restrict out)
{
  // One output row of `stride` pixels from 2r+1 input rows, `stride` apart.
  const float * centre = in + static_cast<std::size_t>(r) * stride;
  const float   h0 = odd ? 0.0f : h[0];
  for (std::size_t j = 0; j < stride; ++j)
  {
    out[j] = h0 * centre[j];
  }
  for (int k = 1; k <= r; ++k)
  {
    const float   hk = h[k];
    const float * plus = centre + k * stride;
    const float * minus = centre - k * stride;
    if (odd)
    {
      for (std::size_t j = 0; j < stride; ++j)
      {
        out[j] += hk * (plus[j] - minus[j]);
      }
    }
    else
    {
      for (std::size_t j = 0; j < stride; ++j)
      {
        out[j] += hk * (plus[j] + minus[j]);
      }
    }
  }
}

/** Window sums along one axis of integer-valued doubles: out[i] = sum_{k=-r..r} in[i+k]. Every partial sum is an
 * integer below 2^53, so the sums are exact and sliding the window changes nothing. */
SCOPSAM_MULTIVERSION void
BoxSumAxis(const double * __restrict in, const BufferSize & size, unsigned int axis, int r, double * __restrict out)
{
  const std::size_t stride = Stride(size, axis);
  const std::size_t n = size[axis];
  const std::size_t m = n - 2 * static_cast<std::size_t>(r);
  std::size_t       outer = 1;
  for (unsigned int a = axis + 1; a < 3; ++a)
  {
    outer *= size[a];
  }
  std::size_t first = 0;
  if (stride == 1)
  {
    // Along x a running sum is one chain of dependent additions: four lines at a time keep four chains in flight.
    constexpr std::size_t lanes = 4;
    for (; first + lanes <= outer; first += lanes)
    {
      double sums[lanes];
      for (std::size_t g = 0; g < lanes; ++g)
      {
        const double * line = in + (first + g) * n;
        sums[g] = 0;
        for (int k = 0; k <= 2 * r; ++k)
        {
          sums[g] += line[k];
        }
        out[(first + g) * m] = sums[g];
      }
      for (std::size_t i = 1; i < m; ++i)
      {
        for (std::size_t g = 0; g < lanes; ++g)
        {
          const double * line = in + (first + g) * n;
          sums[g] += line[i + 2 * r] - line[i - 1];
          out[(first + g) * m + i] = sums[g];
        }
      }
    }
  }
  for (std::size_t o = first; o < outer; ++o)
  {
    const double * line = in + o * n * stride;
    double *       result = out + o * m * stride;
    // First window summed directly, then slid: integer sums are exact, so sliding changes nothing.
    for (std::size_t j = 0; j < stride; ++j)
    {
      double s = 0;
      for (int k = 0; k <= 2 * r; ++k)
      {
        s += line[k * stride + j];
      }
      result[j] = s;
    }
    for (std::size_t i = 1; i < m; ++i)
    {
      const double * enter = line + (i + 2 * r) * stride;
      const double * leave = line + (i - 1) * stride;
      const double * previous = result + (i - 1) * stride;
      double *       current = result + i * stride;
      for (std::size_t j = 0; j < stride; ++j)
      {
        current[j] = previous[j] + enter[j] - leave[j];
      }
    }
  }
}

/** Eigenvalue extremes (largest, smallest) of a symmetric 3x3 matrix, closed form. */
void
SymmetricEigenExtremes(double a, double b, double c, double d, double e, double f, double & largest, double & smallest)
{
  // Matrix [[a d e] [d b f] [e f c]].
  const double p1 = d * d + e * e + f * f;
  const double q = (a + b + c) / 3.0;
  if (p1 <= 1e-30)
  {
    largest = std::max({ a, b, c });
    smallest = std::min({ a, b, c });
    return;
  }
  const double p2 = (a - q) * (a - q) + (b - q) * (b - q) + (c - q) * (c - q) + 2.0 * p1;
  const double p = std::sqrt(p2 / 6.0);
  const double ba = (a - q) / p, bb = (b - q) / p, bc = (c - q) / p, bd = d / p, be = e / p, bf = f / p;
  const double detB = ba * (bb * bc - bf * bf) - bd * (bd * bc - bf * be) + be * (bd * bf - bb * be);
  const double rr = std::min(1.0, std::max(-1.0, detB / 2.0));
  const double phi = std::acos(rr) / 3.0;
  largest = q + 2.0 * p * std::cos(phi);
  smallest = q + 2.0 * p * std::cos(phi + (2.0 * 3.14159265358979323846 / 3.0));
}

/** exp(x) for x <= 0 in float, to about 2 ulp: 2^n p(r) with n = round(x / ln 2) and a degree-6 polynomial for
 * exp(r), |r| <= ln(2) / 2. Written with plain arithmetic and integer bit operations only, so that the compiler
 * vectorises the loops that call it and the vector and scalar paths round identically (libm's expf is neither
 * vectorised nor guaranteed to match a vector variant). */
inline float
ExpNonPositive(float x)
{
  x = std::max(x, -87.0f);
  // n = floor(x / ln 2 + 1/2): for x <= 0 the truncation of the positive 1/2 - x / ln 2 is a floor. No branches,
  // so the loops calling this vectorise.
  const float   n = -static_cast<float>(static_cast<int>(0.5f - x * 1.44269504f));
  const float   r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  float         p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  float              scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

/** out = max(out, s |g|) over a row, for the gradient components of a 1-, 2- or 3-D image (null beyond). */
SCOPSAM_MULTIVERSION void
MaxMagnitude(const float * __restrict gx, const float * __restrict gy, const float * __restrict gz, std::size_t count,
             float s, float * __restrict out)
{
  if (gz != nullptr)
  {
    for (std::size_t x = 0; x < count; ++x)
    {
      out[x] = std::max(out[x], s * std::sqrt(gx[x] * gx[x] + gy[x] * gy[x] + gz[x] * gz[x]));
    }
  }
  else if (gy != nullptr)
  {
    for (std::size_t x = 0; x < count; ++x)
    {
      out[x] = std::max(out[x], s * std::sqrt(gx[x] * gx[x] + gy[x] * gy[x]));
    }
  }
  else
  {
    for (std::size_t x = 0; x < count; ++x)
    {
      out[x] = std::max(out[x], s * std::abs(gx[x]));
    }
  }
}

/** 1 - exp(-v / scale) for v >= 0, over a buffer. */
SCOPSAM_MULTIVERSION void
Squash(float * __restrict values, std::size_t count, float inverseScale)
{
  for (std::size_t i = 0; i < count; ++i)
  {
    values[i] = 1.0f - ExpNonPositive(-values[i] * inverseScale);
  }
}

/** Steps per normalised gray level of the window sums: 2^16, or fewer where a window is so large that the sum of
 * squares could pass 2^53 (the largest integer a double holds exactly). */
double
FixedPointUnit(double windowPixels)
{
  const int bits = std::min(16, static_cast<int>(std::floor((52.0 - std::log2(windowPixels)) / 2.0)));
  return std::ldexp(1.0, std::max(1, bits));
}

SCOPSAM_MULTIVERSION void
ToFixedPoint(const float * __restrict values, std::size_t count, double unit, double * __restrict q, double * __restrict q2)
{
  const float scale = static_cast<float>(unit);
  for (std::size_t i = 0; i < count; ++i)
  {
    // Values are in [0, 1]: adding 0.5 and truncating rounds to nearest.
    const double v = static_cast<double>(static_cast<std::int32_t>(values[i] * scale + 0.5f));
    q[i] = v;
    q2[i] = v * v;
  }
}

/** One output row of the grayscale prior from its exact window sums. */
SCOPSAM_MULTIVERSION void
LocalContrastRow(const float * __restrict centre, const double * __restrict sum, const double * __restrict squares,
                 std::size_t count, double windowPixels, double unit, const GrayscalePriorParameters & parameters,
                 float * __restrict local, float * __restrict global)
{
  const double inverseN = 1.0 / (windowPixels * unit);
  const double inverseN2 = 1.0 / (windowPixels * unit * unit);
  const float  inverseContrast = static_cast<float>(1.0 / parameters.ContrastScale);
  const float  inverseGlobal = static_cast<float>(1.0 / parameters.GlobalScale);
  const float  epsilon = static_cast<float>(parameters.Epsilon);
  const float  mode = static_cast<float>(parameters.MatrixMode);
  // Polarity as arithmetic: Both keeps |d|, Bright max(d, 0), Dark max(-d, 0).
  const bool  both = parameters.PhasePolarity == Polarity::Both;
  const float sign = parameters.PhasePolarity == Polarity::Dark ? -1.0f : 1.0f;
  for (std::size_t x = 0; x < count; ++x)
  {
    const double mean = sum[x] * inverseN;
    const double variance = squares[x] * inverseN2 - mean * mean;
    const float  deviation = static_cast<float>(std::sqrt(variance > 0.0 ? variance : 0.0));
    const float  departure = (centre[x] - static_cast<float>(mean)) / (deviation + epsilon);
    const float  oriented = both ? std::fabs(departure) : std::max(0.0f, sign * departure);
    local[x] = 1.0f - ExpNonPositive(-oriented * inverseContrast);
  }
  if (global != nullptr)
  {
    for (std::size_t x = 0; x < count; ++x)
    {
      const float departure = centre[x] - mode;
      const float oriented = both ? std::fabs(departure) : std::max(0.0f, sign * departure);
      global[x] = 1.0f - ExpNonPositive(-oriented * inverseGlobal);
    }
  }
}

constexpr double       CoherenceEpsilon = 1e-8;
constexpr unsigned int NoAxis = 3;

} // namespace

int
GaussianRadius(double sigma)
{
  if (!(sigma > 0.0) || !std::isfinite(sigma))
  {
    throw std::invalid_argument("Gaussian sigma must be positive and finite");
  }
  return std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
}

std::vector<float>
GaussianHalfKernel(double sigma, int radius)
{
  std::vector<double> g(radius + 1);
  double              sum = 0.0;
  for (int k = 0; k <= radius; ++k)
  {
    g[k] = std::exp(-0.5 * k * k / (sigma * sigma));
    sum += k == 0 ? g[k] : 2.0 * g[k];
  }
  std::vector<float> result(radius + 1);
  for (int k = 0; k <= radius; ++k)
  {
    result[k] = static_cast<float>(g[k] / sum);
  }
  return result;
}

std::vector<float>
GaussianDerivativeHalfKernel(double sigma, int radius)
{
  // Samples of -G'(k) = k / sigma^2 G(k), scaled so that a unit ramp gives derivative 1: sum_k d[k] * 2k = 1.
  std::vector<double> d(radius + 1, 0.0);
  double              moment = 0.0;
  for (int k = 1; k <= radius; ++k)
  {
    d[k] = k * std::exp(-0.5 * k * k / (sigma * sigma));
    moment += 2.0 * k * d[k];
  }
  std::vector<float> result(radius + 1, 0.0f);
  for (int k = 1; k <= radius; ++k)
  {
    result[k] = static_cast<float>(d[k] / moment);
  }
  return result;
}

void
ConvolveAxis(const float *              input,
             const BufferSize &         inputSize,
             unsigned int               axis,
             const std::vector<float> & halfKernel,
             bool                       odd,
             float *                    output)
{
  const int         r = static_cast<int>(halfKernel.size()) - 1;
  const std::size_t n = inputSize[axis];
  if (n < 2 * static_cast<std::size_t>(r) + 1)
  {
    throw std::invalid_argument("ConvolveAxis: buffer shorter than the kernel");
  }
  const std::size_t m = n - 2 * static_cast<std::size_t>(r);
  const std::size_t stride = Stride(inputSize, axis);
  std::size_t       outer = 1;
  for (unsigned int a = axis + 1; a < 3; ++a)
  {
    outer *= inputSize[a];
  }
  if (axis == 0)
  {
    for (std::size_t line = 0; line < outer; ++line)
    {
      ConvolveContiguous(input + line * n, n, halfKernel.data(), r, odd, output + line * m);
    }
    return;
  }
  for (std::size_t o = 0; o < outer; ++o)
  {
    for (std::size_t i = 0; i < m; ++i)
    {
      ConvolveStrided(input + (o * n + i) * stride, stride, halfKernel.data(), r, odd, output + (o * m + i) * stride);
    }
  }
}

int
GradientPriorReach(const GradientPriorParameters & parameters)
{
  if (parameters.Scales.empty())
  {
    throw std::invalid_argument("the gradient prior needs at least one scale");
  }
  const double smallest = *std::min_element(parameters.Scales.begin(), parameters.Scales.end());
  const double largest = *std::max_element(parameters.Scales.begin(), parameters.Scales.end());
  return std::max(GaussianRadius(largest), GaussianRadius(smallest) + GaussianRadius(parameters.IntegrationScale));
}

void
ComputeGradientPrior(const float *                   padded,
                     const BufferSize &              paddedSize,
                     unsigned int                    dimension,
                     const GradientPriorParameters & parameters,
                     float *                         magnitude,
                     float *                         coherence)
{
  const int         reach = GradientPriorReach(parameters);
  const BufferSize  outSize = Shrunk(paddedSize, dimension, reach);
  const std::size_t count = NumberOfPixels(outSize);
  std::fill(magnitude, magnitude + count, 0.0f);

  const double smallest = *std::min_element(parameters.Scales.begin(), parameters.Scales.end());
  const int    rho = GaussianRadius(parameters.IntegrationScale);

  // Maximum over scales of the scale-normalised gradient magnitude sigma * |grad G_sigma * I|.
  // The smallest scale is computed on a region larger by the integration radius, and reused by the tensor.
  std::vector<FloatBuffer> smallestGradient;
  for (const double sigma : parameters.Scales)
  {
    const int          r = GaussianRadius(sigma);
    const bool         forTensor = sigma == smallest && coherence != nullptr && smallestGradient.empty();
    const int          margin = forTensor ? rho : 0;
    const std::size_t  crop = static_cast<std::size_t>(reach - r - margin);
    const BufferSize   inSize = Shrunk(paddedSize, dimension, crop);
    FloatBuffer        local = Crop(padded, paddedSize, dimension, crop);
    const auto         smooth = GaussianHalfKernel(sigma, r);
    const auto         derivative = GaussianDerivativeHalfKernel(sigma, r);

    std::vector<FloatBuffer> gradient(dimension);
    for (unsigned int c = 0; c < dimension; ++c)
    {
      gradient[c] = GaussianDerivative(local.data(), inSize, dimension, c, smooth, derivative);
    }
    const BufferSize gradientSize = Shrunk(inSize, dimension, r);
    // Squared magnitude on the output region (the centre of the gradient buffers).
    const float s = static_cast<float>(sigma);
    for (std::size_t z = 0; z < outSize[2]; ++z)
    {
      for (std::size_t y = 0; y < outSize[1]; ++y)
      {
        const std::size_t zz = z + (dimension > 2 ? margin : 0);
        const std::size_t yy = y + (dimension > 1 ? margin : 0);
        const std::size_t in = (zz * gradientSize[1] + yy) * gradientSize[0] + margin;
        MaxMagnitude(gradient[0].data() + in, dimension > 1 ? gradient[1].data() + in : nullptr,
                     dimension > 2 ? gradient[2].data() + in : nullptr, outSize[0], s,
                     magnitude + (z * outSize[1] + y) * outSize[0]);
      }
    }
    if (forTensor)
    {
      smallestGradient = std::move(gradient);
    }
  }
  Squash(magnitude, count, static_cast<float>(1.0 / parameters.MagnitudeScale));
  if (coherence == nullptr)
  {
    return;
  }

  // Structure tensor J = G_rho * (grad grad^T) at the smallest scale, and its coherence
  // ((l_max - l_min) / (l_max + l_min))^2.
  const BufferSize tensorSize = Grown(outSize, dimension, static_cast<std::size_t>(rho));
  const auto       integration = GaussianHalfKernel(parameters.IntegrationScale, rho);
  const std::size_t tensorCount = NumberOfPixels(tensorSize);
  std::vector<FloatBuffer> tensor;
  for (unsigned int i = 0; i < dimension; ++i)
  {
    for (unsigned int j = i; j < dimension; ++j)
    {
      FloatBuffer product(tensorCount);
      for (std::size_t p = 0; p < tensorCount; ++p)
      {
        product[p] = smallestGradient[i][p] * smallestGradient[j][p];
      }
      tensor.push_back(GaussianDerivative(product.data(), tensorSize, dimension, NoAxis, integration, integration));
    }
  }
  for (std::size_t p = 0; p < count; ++p)
  {
    double largest = 0.0;
    double smallestEigen = 0.0;
    if (dimension == 2)
    {
      const double xx = tensor[0][p], xy = tensor[1][p], yy = tensor[2][p];
      const double root = std::sqrt((xx - yy) * (xx - yy) + 4.0 * xy * xy);
      largest = 0.5 * (xx + yy + root);
      smallestEigen = 0.5 * (xx + yy - root);
    }
    else if (dimension == 3)
    {
      // Order of the upper triangle: xx, xy, xz, yy, yz, zz.
      SymmetricEigenExtremes(
        tensor[0][p], tensor[3][p], tensor[5][p], tensor[1][p], tensor[2][p], tensor[4][p], largest, smallestEigen);
    }
    else
    {
      // One axis has no orientation: a 1-D signal is as coherent as it is strong.
      largest = tensor[0][p];
      smallestEigen = 0.0;
    }
    smallestEigen = std::max(0.0, smallestEigen);
    const double c = (largest - smallestEigen) / (largest + smallestEigen + CoherenceEpsilon);
    coherence[p] = static_cast<float>(std::min(1.0, std::max(0.0, c * c)));
  }
}

int
GrayscalePriorReach(const GrayscalePriorParameters & parameters)
{
  if (parameters.WindowRadius < 1)
  {
    throw std::invalid_argument("the grayscale prior window radius must be at least 1");
  }
  return parameters.WindowRadius;
}

void
ComputeGrayscalePrior(const float *                    padded,
                      const BufferSize &               paddedSize,
                      unsigned int                     dimension,
                      const GrayscalePriorParameters & parameters,
                      float *                          local,
                      float *                          global)
{
  const int         r = GrayscalePriorReach(parameters);
  const BufferSize  outSize = Shrunk(paddedSize, dimension, r);

  // Fixed point (integer-valued doubles): the window sums of I and I^2 are exact.
  const double        windowPixels = std::pow(2.0 * r + 1.0, static_cast<double>(dimension));
  const double        unit = FixedPointUnit(windowPixels);
  const std::size_t   paddedCount = NumberOfPixels(paddedSize);
  DoubleBuffer        sum(paddedCount);
  DoubleBuffer        squares(paddedCount);
  ToFixedPoint(padded, paddedCount, unit, sum.data(), squares.data());
  BufferSize size = paddedSize;
  for (unsigned int axis = 0; axis < dimension; ++axis)
  {
    BufferSize outAxis = size;
    outAxis[axis] -= 2 * static_cast<std::size_t>(r);
    DoubleBuffer nextSum(NumberOfPixels(outAxis));
    DoubleBuffer nextSquares(NumberOfPixels(outAxis));
    BoxSumAxis(sum.data(), size, axis, r, nextSum.data());
    BoxSumAxis(squares.data(), size, axis, r, nextSquares.data());
    sum.swap(nextSum);
    squares.swap(nextSquares);
    size = outAxis;
  }
  for (std::size_t z = 0; z < outSize[2]; ++z)
  {
    for (std::size_t y = 0; y < outSize[1]; ++y)
    {
      const std::size_t row = (z * outSize[1] + y) * outSize[0];
      const float *     centre = padded + ((z + (dimension > 2 ? r : 0)) * paddedSize[1] + y + (dimension > 1 ? r : 0)) *
                                            paddedSize[0] +
                                      r;
      LocalContrastRow(centre, sum.data() + row, squares.data() + row, outSize[0], windowPixels, unit, parameters,
                       local + row, global != nullptr ? global + row : nullptr);
    }
  }
}

} // namespace scopsam
