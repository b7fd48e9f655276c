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
#include "scopsamSlicerModule.h"

#include "scopsamFrontEnd.h"
#include "scopsamImageIO.h"
#include "scopsamVersion.h"

#include "itkImageFileReader.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <dlfcn.h>
#include <filesystem>
#include <iostream>
#include <limits.h>
#include <sstream>
#include <unistd.h>

namespace scopsam
{
namespace
{

std::string
Escape(const std::string & text)
{
  std::string escaped;
  for (const char c : text)
  {
    switch (c)
    {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string
Number(double value)
{
  std::ostringstream text;
  text << value;
  return text.str();
}

/** Checks a number parameter's text against its type and constraints; returns it unchanged. */
std::string
CheckNumber(const SlicerParameter & p, const std::string & text)
{
  double value = 0;
  try
  {
    std::size_t used = 0;
    value = p.Tag == "integer" ? static_cast<double>(std::stol(text, &used)) : std::stod(text, &used);
    if (used != text.size())
    {
      throw std::invalid_argument(text);
    }
  }
  catch (const std::exception &)
  {
    throw InputError("--" + p.Name + " takes " + (p.Tag == "integer" ? "an integer" : "a number") + ", got '" + text + "'");
  }
  if ((p.Minimum && value < *p.Minimum) || (p.Maximum && value > *p.Maximum) || !std::isfinite(value))
  {
    throw InputError("--" + p.Name + " must be in [" + (p.Minimum ? Number(*p.Minimum) : "-inf") + ", " +
                     (p.Maximum ? Number(*p.Maximum) : "inf") + "], got " + text);
  }
  return text;
}

/** The return parameters as Slicer reads them back: one `name = value` line each. */
void
WriteReturnParameters(const SlicerModule & module, const std::string & file)
{
  std::ostringstream text;
  for (const auto & group : module.Groups)
  {
    for (const auto & p : group.Parameters)
    {
      if (p.IsReturned())
      {
        text << p.Name << " = " << p.Get() << "\n";
      }
    }
  }
  WriteTextFile(file, text.str());
}

} // namespace

std::string
SlicerModule::ToXML() const
{
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<executable>\n"
      << "  <category>" << Escape(Category) << "</category>\n"
      << "  <title>" << Escape(Title) << "</title>\n"
      << "  <description>" << Escape(Description) << "</description>\n"
      << "  <version>" << Escape(Version) << "</version>\n"
      << "  <documentation-url>" << Escape(DocumentationURL) << "</documentation-url>\n"
      << "  <license>" << Escape(License) << "</license>\n"
      << "  <contributor>" << Escape(Contributor) << "</contributor>\n";
  if (!Acknowledgements.empty())
  {
    xml << "  <acknowledgements>" << Escape(Acknowledgements) << "</acknowledgements>\n";
  }
  for (const auto & group : Groups)
  {
    xml << "  <parameters>\n"
        << "    <label>" << Escape(group.Label) << "</label>\n"
        << "    <description>" << Escape(group.Description) << "</description>\n";
    for (const auto & p : group.Parameters)
    {
      // Elements in the order of CTK's schema (ctkCmdLineModule.xsd): name, flag or index, description, label,
      // default, channel, then what the type adds.
      xml << "    <" << p.Tag;
      if (p.IsFile() && !p.Type.empty())
      {
        xml << " type=\"" << Escape(p.Type) << "\"";
      }
      if (p.IsFile() && !p.FileExtensions.empty())
      {
        xml << " fileExtensions=\"" << Escape(p.FileExtensions) << "\"";
      }
      if (p.Multiple)
      {
        xml << " multiple=\"true\"";
      }
      if (p.Tag == "point" || p.Tag == "region")
      {
        xml << " coordinateSystem=\"" << (p.Type.empty() ? "lps" : p.Type) << "\"";
      }
      xml << ">\n      <name>" << p.Name << "</name>\n";
      if (p.IsIndexed())
      {
        xml << "      <index>" << p.Index << "</index>\n";
      }
      else if (!p.IsReturned())
      {
        xml << "      <longflag>" << p.Name << "</longflag>\n";
      }
      xml << "      <description>" << Escape(p.Description) << "</description>\n"
          << "      <label>" << Escape(p.Label) << "</label>\n";
      if (!p.Default.empty() && !p.IsFile())
      {
        xml << "      <default>" << Escape(p.Default) << "</default>\n";
      }
      if (p.IsFile() || p.IsReturned())
      {
        xml << "      <channel>" << p.Channel << "</channel>\n";
      }
      if (p.Minimum || p.Maximum)
      {
        xml << "      <constraints>\n        <minimum>" << Number(p.Minimum.value_or(-1e300)) << "</minimum>\n"
            << "        <maximum>" << Number(p.Maximum.value_or(1e300)) << "</maximum>\n"
            << "        <step>" << Number(p.Step.value_or(p.Tag == "integer" ? 1.0 : 0.01)) << "</step>\n"
            << "      </constraints>\n";
      }
      for (const auto & element : p.Elements)
      {
        xml << "      <element>" << Escape(element) << "</element>\n";
      }
      xml << "    </" << p.Tag << ">\n";
    }
    xml << "  </parameters>\n";
  }
  xml << "</executable>\n";
  return xml.str();
}

void
RunInApplicationPlugin(const std::string & job, const void * options)
{
  using Entry = int (*)(const char *, const void *, char *, std::size_t);
  static Entry entry = [] {
    // Where the plug-in lies: relative to this executable in an installed tree, else where the build put it.
    char        self[PATH_MAX] = {};
    const auto  length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    const auto  here = std::filesystem::path(length > 0 ? std::string(self, static_cast<std::size_t>(length)) : ".").parent_path();
    std::string tried;
    for (const auto & candidate : { here / SCoPSAM_APPLICATION_PLUGIN_INSTALL_RELATIVE_PATH,
                                    std::filesystem::path(SCoPSAM_APPLICATION_PLUGIN_BUILD_PATH) })
    {
      if (void * library = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL))
      {
        if (auto * function = reinterpret_cast<Entry>(dlsym(library, "scopsam_run_job")))
        {
          return function;
        }
      }
      const char * why = dlerror();
      tried += (tried.empty() ? "" : ", ") + candidate.string() + " (" + OneLine(why ? why : "no entry point") + ")";
    }
    throw std::runtime_error("cannot open SCoP-SAM's application plug-in: tried " + tried);
    return Entry{};
  }();
  char       message[4096] = {};
  const int  status = entry(job.c_str(), options, message, sizeof(message));
  if (status == ExitBadInput)
  {
    throw InputError(message);
  }
  if (status != ExitDone)
  {
    throw std::runtime_error(message);
  }
}

void
ReportSlicerProgress(double fraction)
{
  std::cout << "<filter-progress>" << std::min(1.0, std::max(0.0, fraction)) << "</filter-progress>" << std::endl;
}

std::array<long, 2>
PhysicalPointToPixel(const std::string & point, const std::string & file)
{
  const auto xyz = ParseNumbers(point, "a point (x,y,z in physical units)");
  if (xyz.size() != 3)
  {
    throw InputError("a point is x,y,z in physical units, got '" + point + "'");
  }
  using Volume = itk::Image<float, 3>;
  InspectImageFile(file);
  auto reader = itk::ImageFileReader<Volume>::New();
  reader->SetFileName(file);
  try
  {
    reader->UpdateOutputInformation();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(ExceptionMessage(e)); // e.g. a spacing of 0
  }
  Volume::PointType physical;
  for (unsigned int d = 0; d < 3; ++d)
  {
    physical[d] = xyz[d];
  }
  const auto continuous = reader->GetOutput()->TransformPhysicalPointToContinuousIndex<double>(physical);
  const auto region = reader->GetOutput()->GetLargestPossibleRegion();
  for (unsigned int d = 0; d < 2; ++d)
  {
    if (!(std::abs(continuous[d]) < BeyondAnyImage)) // not converted to an index
    {
      throw InputError("the point (" + point + ") lies outside " + file);
    }
  }
  Volume::IndexType index;
  for (unsigned int d = 0; d < 3; ++d)
  {
    index[d] = d < 2 ? static_cast<itk::IndexValueType>(std::round(continuous[d])) : region.GetIndex(2);
  }
  if (!region.IsInside(index)) // a click on the slice's plane, whatever its height within it
  {
    throw InputError("the point (" + point + ") lies outside " + file);
  }
  return { static_cast<long>(index[0] - region.GetIndex(0)), static_cast<long>(index[1] - region.GetIndex(1)) };
}

int
RunSlicerModule(const SlicerModule & module, int argc, char ** argv, const std::function<void()> & run)
{
  for (int i = 1; i < argc; ++i)
  {
    if (std::string(argv[i]) == "--xml")
    {
      std::cout << module.ToXML();
      return 0;
    }
  }
  CLI::App app{ module.Title + ": " + module.Description };
  // Every parameter is read as text and handed to its setter after the checks: one description, one parser.
  std::vector<std::pair<const SlicerParameter *, CLI::Option *>> options;
  std::vector<std::string>                                        texts;
  std::vector<std::vector<std::string>>                           lists;
  std::vector<const SlicerParameter *>                            positionals;
  std::size_t                                                      count = 0;
  for (const auto & group : module.Groups)
  {
    count += group.Parameters.size();
    for (const auto & p : group.Parameters)
    {
      if (p.IsIndexed())
      {
        positionals.push_back(&p);
      }
    }
  }
  texts.reserve(count);
  lists.reserve(count);
  std::sort(positionals.begin(), positionals.end(), [](auto * a, auto * b) { return a->Index < b->Index; });
  for (const auto * p : positionals)
  {
    texts.emplace_back();
    options.emplace_back(p, app.add_option(p->Name, texts.back(), p->Label)->required());
  }
  bool flagged = false;
  for (const auto & group : module.Groups)
  {
    for (const auto & p : group.Parameters)
    {
      if (p.IsIndexed() || p.IsReturned())
      {
        continue;
      }
      CLI::Option * option = nullptr;
      if (p.Tag == "boolean")
      {
        option = app.add_flag("--" + p.Name, flagged, p.Label);
      }
      else if (p.Multiple)
      {
        lists.emplace_back();
        option = app.add_option("--" + p.Name, lists.back(), p.Label);
      }
      else
      {
        texts.emplace_back();
        option = app.add_option("--" + p.Name, texts.back(), p.Label);
        if (!p.Elements.empty())
        {
          option->check(CLI::IsMember(p.Elements));
        }
      }
      options.emplace_back(&p, option);
    }
  }
  std::string returnParameterFile; // Slicer names it when the module has return parameters
  app.add_option("--returnparameterfile", returnParameterFile)->group("");
  std::string ignored; // what Slicer adds for modules it loads as shared libraries
  app.add_option("--processinformationaddress", ignored)->group("");
  try
  {
    app.parse(argc, argv);
  }
  catch (const CLI::CallForHelp & e)
  {
    return app.exit(e);
  }
  catch (const CLI::ParseError & e)
  {
    std::cerr << module.Title << ": " << OneLine(e.what()) << std::endl;
    return ExitBadInput;
  }
  return RunReportingFailure(module.Title, [&] {
    std::size_t text = 0, list = 0;
    for (const auto & [p, option] : options)
    {
      if (p->Tag == "boolean")
      {
        p->Set(option->count() > 0 ? "true" : "false");
        continue;
      }
      if (p->Multiple)
      {
        for (const auto & value : lists[list])
        {
          p->Set(value);
        }
        ++list;
        continue;
      }
      const std::string & value = texts[text++];
      if (option->count() == 0)
      {
        if (p->IsIndexed() || p->Default.empty())
        {
          continue; // left unset: the Run function's default stands
        }
      }
      const std::string given = option->count() ? value : p->Default;
      p->Set(p->Tag == "integer" || p->Tag == "float" || p->Tag == "double" ? CheckNumber(*p, given) : given);
    }
    run();
    if (!returnParameterFile.empty())
    {
      WriteReturnParameters(module, returnParameterFile);
    }
  });
}

} // namespace scopsam
