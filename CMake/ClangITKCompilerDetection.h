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
// Pre-included (-include) in a clang build with Debian's ITK 5.2, whose itk_compiler_detection.h was generated for
// GCC only: under clang it stops with "Unsupported compiler" (clang is not in its list) or, taken for GCC, with
// "Unsupported compiler version" (clang reports itself as GCC 4.2). This file includes that header first, once,
// with clang seen as the GCC of the system (whose C++17 feature set clang-14 has), and its include guard makes every
// later inclusion by ITK a no-op. Only the header's own tests see the changed macros: they are restored at once.
// Used by the libFuzzer build (Utilities/fuzz.sh); CMakeLists.txt adds it for clang only.
#if defined(__cplusplus) && defined(__clang__)
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
#endif
