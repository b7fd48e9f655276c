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
#ifndef scopsamJSONNumbers_h
#define scopsamJSONNumbers_h

#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <type_traits>
#include <vector>

/** \file scopsamJSONNumbers.h
 * \brief Integers read from JSON that someone else wrote (a model file's configuration, an adaptation, a training
 * checkpoint's state): nlohmann's get<int>() converts a JSON float such as 1e300 with a static_cast, which is
 * undefined behaviour (found by fuzzing adaptation files), and wraps an integer beyond the type's range. These
 * accept a JSON integer within the type's range and throw nlohmann::json::type_error otherwise, which every reader
 * of such a file already turns into its one-line error. Header-only, ITK-free.
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

template <typename T>
T
JSONInteger(const nlohmann::json & value)
{
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "an integer type");
  const bool fits = value.is_number_unsigned()
                      ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                      : value.is_number_integer() && value.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                          (value.get<std::int64_t>() < 0 ||
                           static_cast<std::uint64_t>(value.get<std::int64_t>()) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
  if (!fits)
  {
    throw nlohmann::json::type_error::create(302, "an integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                                                    std::to_string(std::numeric_limits<T>::max()) + "] is expected, got " +
                                                    value.dump(),
                                             &value);
  }
  return value.get<T>();
}

template <typename T>
std::vector<T>
JSONIntegers(const nlohmann::json & array)
{
  if (!array.is_array())
  {
    throw nlohmann::json::type_error::create(302, "an array of integers is expected, got " + array.dump(), &array);
  }
  std::vector<T> out;
  for (const auto & value : array)
  {
    out.push_back(JSONInteger<T>(value));
  }
  return out;
}

} // namespace scopsam

#endif
