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
#ifndef scopsamErrors_h
#define scopsamErrors_h

#include <stdexcept>
#include <string>

namespace scopsam
{

/** \class InputError
 * \brief Bad usage or bad input: a missing, unreadable, corrupt or mistyped file, or an absurd parameter.
 *
 * Its message is one line a user can act on. The command line turns it into exit status 2; every other exception
 * into exit status 1.
 *
 * \ingroup SCoPSAMData
 */
class InputError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

} // namespace scopsam

#endif
