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
#include "scopsamModelFiles.h"

#include "scopsamSha256.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>
#include <vector>
#include <zlib.h>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

std::string
FirstLine(const std::string & text)
{
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

std::string
Shape(const torch::Tensor & t)
{
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

/** FNV-1a of a file's bytes, in hex: enough to tell two weight files apart in provenance records. */
std::string
FileHash(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  std::uint64_t h = 1469598103934665603ULL;
  char          buffer[65536];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
  {
    for (std::streamsize i = 0; i < in.gcount(); ++i)
    {
      h = (h ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
    }
  }
  std::ostringstream out;
  out << std::hex << h;
  return out.str();
}

/** The checksum a native model file carries (record "scopsam_sha256"): SHA-256 of the configuration's text, then of
 * every tensor in the order the file lists them (the network's parameters, then its buffers), each as its name, its
 * shape and its float32 values. Feed() takes the tensors as they are written or read. */
class ContentChecksum
{
public:
  explicit ContentChecksum(const std::string & configText)
  {
    m_Hash.Update(configText.data(), configText.size() + 1); // with its terminating zero, as a separator
  }
  void
  Feed(const std::string & name, const torch::Tensor & values)
  {
    const torch::Tensor flat = values.to(torch::kCPU, torch::kFloat32).contiguous();
    m_Hash.Update(name.data(), name.size() + 1);
    const std::int64_t dimensions = flat.dim();
    m_Hash.Update(&dimensions, sizeof(dimensions));
    m_Hash.Update(flat.sizes().data(), sizeof(std::int64_t) * flat.sizes().size());
    m_Hash.Update(flat.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(flat.numel()));
  }
  std::string
  HexDigest()
  {
    return m_Hash.HexDigest();
  }

private:
  Sha256 m_Hash;
};

constexpr const char * ChecksumRecord = "scopsam_sha256";

/** Reads a native model from an opened archive: version, configuration, every tensor by name and shape. */
std::unique_ptr<LoadedModel>
ReadNativeModel(torch::serialize::InputArchive & archive, const std::string & name, const c10::IValue & version)
{
  if (!version.isInt() || version.toInt() != ModelFormatVersion)
  {
    throw ModelError(name + " is a SCoP-SAM model of format version " + (version.isInt() ? std::to_string(version.toInt()) : "?") +
                     "; this program reads version " + std::to_string(ModelFormatVersion));
  }
  auto        model = std::make_unique<LoadedModel>();
  c10::IValue configText;
  if (!archive.try_read("scopsam_config", configText) || !configText.isString())
  {
    throw ModelError(name + " has no configuration record");
  }
  try
  {
    model->Config = ModelConfig::FromJSON(configText.toStringRef()); // validated: sizes capped before any allocation
  }
  catch (const std::invalid_argument & e)
  {
    throw ModelError(name + ": " + e.what());
  }
  c10::IValue storedChecksum;
  const bool  hasChecksum = archive.try_read(ChecksumRecord, storedChecksum);
  if (hasChecksum && !storedChecksum.isString())
  {
    throw ModelError(name + " is a corrupt model file: its checksum record is not a SHA-256 digest");
  }
  ContentChecksum checksum(configText.toStringRef());
  model->Net = network::SCoPSAMNet(model->Config);
  torch::NoGradGuard noGrad;
  auto               load = [&](const std::string & key, torch::Tensor & target, bool buffer) {
    torch::Tensor stored;
    if (!archive.try_read(key, stored, buffer))
    {
      throw ModelError(name + " lacks the tensor " + key + " that its configuration (" + model->Config.Name + ") needs");
    }
    if (!stored.sizes().equals(target.sizes()))
    {
      throw ModelError(name + ": tensor " + key + " has shape " + Shape(stored) + " but the configuration needs " + Shape(target));
    }
    // LibTorch builds a tensor over its storage as the pickle says (offset, sizes, strides) without checking that the
    // storage holds it: a forged view reads past the storage (found by fuzzing, in the checksum's read).
    std::int64_t last = stored.storage_offset();
    for (std::int64_t d = 0; d < stored.dim(); ++d)
    {
      if (stored.stride(d) < 0)
      {
        last = -1;
        break;
      }
      last += (stored.size(d) - 1) * stored.stride(d);
    }
    if (stored.numel() > 0 &&
        (last < 0 || stored.storage_offset() < 0 ||
         static_cast<std::uint64_t>(last + 1) * stored.element_size() > stored.storage().nbytes()))
    {
      throw ModelError(name + " is a corrupt model file: tensor " + key + " reaches past its data");
    }
    if (hasChecksum)
    {
      checksum.Feed(key, stored);
    }
    target.copy_(stored);
  };
  for (auto & p : model->Net->named_parameters())
  {
    load(p.key(), p.value(), false);
  }
  for (auto & b : model->Net->named_buffers())
  {
    load(b.key(), b.value(), true);
  }
  if (hasChecksum)
  {
    const std::string digest = checksum.HexDigest();
    if (digest != storedChecksum.toStringRef())
    {
      throw ModelError(name + " is a corrupt model file: its weights do not match the SHA-256 they were saved with");
    }
    model->Checksum = "sha256:" + digest;
  }
  else
  {
    model->Checksum = "absent"; // a file saved before model files carried one: loaded, but not verified
  }
  return model;
}

} // namespace

std::unique_ptr<LoadedModel>
BuildModel(const ModelConfig & config, std::uint64_t seed)
{
  try
  {
    config.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw ModelError(e.what());
  }
  torch::manual_seed(seed);
  auto model = std::make_unique<LoadedModel>();
  model->Config = config;
  model->Net = network::SCoPSAMNet(config);
  model->Identity = config.Name + " (fresh weights, seed " + std::to_string(seed) + ")";
  model->Checksum = "none (fresh weights)";
  return model;
}

namespace
{
/** Reads `count` bytes at `offset` of a model file (in memory or on disk); false when they are not all there. */
using ReadAt = std::function<bool(std::uint64_t offset, std::size_t count, std::string & out)>;

std::uint32_t
Little(const std::string & bytes, std::size_t at, int width)
{
  std::uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i)
  {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  }
  return value;
}

/** A tensor storage that a pickle names by a persistent id, ('storage', torch.<Type>Storage, key, location, count):
 * its record's key and the bytes it claims (count elements of its type). */
struct PickledStorage
{
  std::string   Key;
  std::uint64_t Bytes = 0;
};

/** Bytes per element of a legacy storage type, 0 for a type this check does not know. */
std::uint64_t
StorageElementSize(const std::string & global)
{
  static const std::map<std::string, std::uint64_t> sizes = {
    { "torch.FloatStorage", 4 },  { "torch.DoubleStorage", 8 }, { "torch.HalfStorage", 2 },
    { "torch.BFloat16Storage", 2 }, { "torch.LongStorage", 8 }, { "torch.IntStorage", 4 },
    { "torch.ShortStorage", 2 },  { "torch.CharStorage", 1 },   { "torch.ByteStorage", 1 },
    { "torch.BoolStorage", 1 },   { "torch.ComplexFloatStorage", 8 }, { "torch.ComplexDoubleStorage", 16 },
    { "torch.QInt8Storage", 1 },  { "torch.QUInt8Storage", 1 }, { "torch.QInt32Storage", 4 }
  };
  const auto found = sizes.find(global);
  return found == sizes.end() ? 0 : found->second;
}

/** Checks a pickle before LibTorch's unpickler reads it, which allocates what an opcode claims before it reads it
 * (a string of the length given; a memo table as long as the index a LONG_BINPUT names: a forged index asked for
 * 31 GB; found by fuzzing). Throws ModelError when a length or a line runs past the pickle's end, or a memo index
 * exceeds the pickle's size (each memo entry takes an opcode). Returns the tensor storages the pickle names, which
 * the caller compares with their records (LibTorch does not: a storage claiming more than its record made the
 * weights' hash read past the record; found by fuzzing). To find them it follows the pickle machine's stack as far
 * as strings, globals, integers, tuples and the memo; everything else is an opaque value. It stops, accepting, at
 * the first opcode it does not know, or where the stack it follows does not add up (the unpickler then judges the
 * rest), so that it refuses only what is certainly corrupt. */
std::vector<PickledStorage>
CheckPickle(const std::string & pickle, const std::string & name)
{
  const auto corrupt = [&] { return ModelError(name + " is a corrupt model file: its pickled data claims more bytes than it holds"); };
  struct Value
  {
    enum class Kind
    {
      Opaque,
      Mark,
      Text,
      Global,
      Integer,
      Storage
    };
    Kind          What = Kind::Opaque;
    std::string   Text;
    std::uint64_t Number = 0; // an integer, or a storage's bytes
  };
  std::vector<Value>              stack;
  std::map<std::uint32_t, Value>  memo;
  std::vector<PickledStorage>     storages;
  std::size_t                     at = 0;
  const auto                      need = [&](std::uint64_t count) {
    if (count > pickle.size() - at)
    {
      throw corrupt();
    }
  };
  const auto line = [&] {
    const auto end = pickle.find('\n', at);
    if (end == std::string::npos)
    {
      throw corrupt();
    }
    std::string text = pickle.substr(at, end - at);
    at = end + 1;
    return text;
  };
  bool       follows = true; // false once the stack no longer adds up
  const auto pop = [&](std::size_t count) {
    std::vector<Value> popped;
    if (!follows || stack.size() < count)
    {
      follows = false;
      return popped;
    }
    popped.assign(stack.end() - static_cast<std::ptrdiff_t>(count), stack.end());
    stack.resize(stack.size() - count);
    return popped;
  };
  const auto popToMark = [&] {
    std::vector<Value> items;
    const auto mark = std::find_if(stack.rbegin(), stack.rend(), [](const Value & v) { return v.What == Value::Kind::Mark; });
    if (!follows || mark == stack.rend())
    {
      follows = false;
      return items;
    }
    const auto first = mark.base(); // one past the mark
    items.assign(first, stack.end());
    stack.erase(first - 1, stack.end());
    return items;
  };
  const auto push = [&](Value v) {
    if (follows)
    {
      stack.push_back(std::move(v));
    }
  };
  const auto remember = [&](std::uint32_t index) {
    if (index >= pickle.size())
    {
      throw corrupt(); // LibTorch sizes its memo table by the index
    }
    memo[index] = follows && !stack.empty() ? stack.back() : Value{};
  };
  const auto recall = [&](std::uint32_t index) {
    const auto found = memo.find(index);
    push(found == memo.end() ? Value{} : found->second);
  };
  const auto storageTuple = [&](const std::vector<Value> & items) {
    // ('storage', torch.<Type>Storage, key, location, count)
    if (items.size() != 5 || items[0].What != Value::Kind::Text || items[0].Text != "storage" || items[1].What != Value::Kind::Global ||
        items[2].What != Value::Kind::Text || items[4].What != Value::Kind::Integer)
    {
      return Value{};
    }
    const std::uint64_t size = StorageElementSize(items[1].Text);
    if (size == 0)
    {
      return Value{};
    }
    if (items[4].Number > std::numeric_limits<std::uint64_t>::max() / size)
    {
      throw corrupt();
    }
    return Value{ Value::Kind::Storage, items[2].Text, items[4].Number * size };
  };
  const auto fixed = [&](int width) { // a little-endian unsigned field of 1, 2 or 4 bytes
    need(static_cast<std::uint64_t>(width));
    const std::uint32_t value = Little(pickle, at, width);
    at += static_cast<std::size_t>(width);
    return value;
  };
  const auto bytes = [&](std::uint64_t length) {
    need(length);
    std::string text = pickle.substr(at, static_cast<std::size_t>(length));
    at += static_cast<std::size_t>(length);
    return text;
  };
  const auto length8 = [&] {
    need(8);
    const std::uint64_t length = Little(pickle, at, 4) | (static_cast<std::uint64_t>(Little(pickle, at + 4, 4)) << 32);
    at += 8;
    return length;
  };
  while (at < pickle.size())
  {
    const auto op = static_cast<unsigned char>(pickle[at++]);
    switch (op)
    {
      // Text and bytes, with their length first.
      case 'X': push({ Value::Kind::Text, bytes(fixed(4)) }); break;         // BINUNICODE
      case 0x8c: push({ Value::Kind::Text, bytes(fixed(1)) }); break;        // SHORT_BINUNICODE
      case 0x8d: push({ Value::Kind::Text, bytes(length8()) }); break;       // BINUNICODE8
      case 'T': case 'B': bytes(fixed(4)); push({}); break;            // BINSTRING, BINBYTES
      case 'U': case 'C': bytes(fixed(1)); push({}); break;            // SHORT_BINSTRING, SHORT_BINBYTES
      case 0x8e: case 0x96: bytes(length8()); push({}); break;         // BINBYTES8, BYTEARRAY8
      case 0x95: length8(); break;                                     // FRAME: its bytes are the opcodes that follow
      // Integers.
      case 'K': push({ Value::Kind::Integer, {}, fixed(1) }); break;         // BININT1
      case 'M': push({ Value::Kind::Integer, {}, fixed(2) }); break;         // BININT2
      case 'J':                                                        // BININT: signed
      {
        const std::int32_t value = static_cast<std::int32_t>(fixed(4));
        push(value < 0 ? Value{} : Value{ Value::Kind::Integer, {}, static_cast<std::uint64_t>(value) });
        break;
      }
      case 0x8a:                                                       // LONG1: n bytes, signed
      {
        const std::string digits = bytes(fixed(1));
        Value             value;
        if (digits.size() <= 8 && (digits.empty() || (static_cast<unsigned char>(digits.back()) & 0x80) == 0))
        {
          value = { Value::Kind::Integer, {}, 0 };
          for (std::size_t i = digits.size(); i-- > 0;)
          {
            value.Number = (value.Number << 8) | static_cast<unsigned char>(digits[i]);
          }
        }
        push(value);
        break;
      }
      case 0x8b: bytes(fixed(4)); push({}); break;                     // LONG4
      case 'G': bytes(8); push({}); break;                             // BINFLOAT
      case 'I': case 'L': case 'F': case 'S': case 'V': line(); push({}); break; // text forms
      case 'c':                                                        // GLOBAL module\nname\n
      {
        std::string global = line();
        global += "." + line();
        push({ Value::Kind::Global, global });
        break;
      }
      case 0x93:                                                       // STACK_GLOBAL
      {
        const auto parts = pop(2);
        push(parts.size() == 2 && parts[0].What == Value::Kind::Text && parts[1].What == Value::Kind::Text
               ? Value{ Value::Kind::Global, parts[0].Text + "." + parts[1].Text }
               : Value{});
        break;
      }
      case 0x82: fixed(1); push({}); break;                            // EXT1, EXT2, EXT4
      case 0x83: fixed(2); push({}); break;
      case 0x84: fixed(4); push({}); break;
      case 'N': case 0x88: case 0x89: case ')': case ']': case '}': push({}); break;
      case 0x80: fixed(1); break;                                      // PROTO
      // The memo.
      case 'q': remember(fixed(1)); break;                             // BINPUT
      case 'r': remember(fixed(4)); break;                             // LONG_BINPUT
      case 0x94: remember(static_cast<std::uint32_t>(std::min<std::size_t>(memo.size(), pickle.size()))); break; // MEMOIZE
      case 'h': recall(fixed(1)); break;                               // BINGET
      case 'j': recall(fixed(4)); break;                               // LONG_BINGET
      case 'p': line(); break;                                         // PUT, GET by a decimal line
      case 'g': line(); push({}); break;
      // Building.
      case '(': push({ Value::Kind::Mark }); break;
      case 't': push(storageTuple(popToMark())); break;                // TUPLE
      case 0x85: pop(1); push({}); break;                              // TUPLE1, TUPLE2, TUPLE3
      case 0x86: pop(2); push({}); break;
      case 0x87: pop(3); push({}); break;
      case 'l': case 'd': case 0x91: popToMark(); push({}); break;     // LIST, DICT, FROZENSET
      case 'e': case 'u': case 0x90: case '1': popToMark(); break;     // APPENDS, SETITEMS, ADDITEMS, POP_MARK
      case 'a': case 'b': case '0': pop(1); break;                     // APPEND, BUILD, POP
      case 's': pop(2); break;                                         // SETITEM
      case 'R': case 0x81: pop(2); push({}); break;                    // REDUCE, NEWOBJ
      case 0x92: pop(3); push({}); break;                              // NEWOBJ_EX
      case '2': push(follows && !stack.empty() ? stack.back() : Value{}); break; // DUP
      case 'Q':                                                        // BINPERSID
      {
        const auto id = pop(1);
        if (!id.empty() && id[0].What == Value::Kind::Storage)
        {
          storages.push_back({ id[0].Text, id[0].Number });
        }
        push({});
        break;
      }
      case 'P': line(); push({}); break;                               // PERSID
      case '.': return storages;                                       // STOP
      default: return storages;                                        // not an opcode this check knows
    }
  }
  return storages;
}

/** Checks the class source of a model file's archive (`code/...py`) before LibTorch compiles it: LibTorch 1.13's
 * script parser dereferences a type it does not have on a class-level assignment without an annotation (an
 * AddressSanitizer SEGV in ScriptTypeParser::parseClassConstant(); found by fuzzing: a mutated Huffman table turned
 * `__parameters__` into `__parametens__`). LibTorch's writer emits class-level assignments only for the parameter,
 * buffer and constant lists and `__annotations__[...]`; any other unannotated one is a corrupt model file. */
void
CheckClassSource(const std::string & source, const std::string & name)
{
  std::size_t at = 0;
  bool        inClass = false;
  while (at < source.size())
  {
    const auto        end = std::min(source.find('\n', at), source.size());
    const std::string line = source.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line[0] != ' ')
    {
      inClass = line.rfind("class ", 0) == 0;
      continue;
    }
    if (!inClass || line.size() < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ')
    {
      continue; // not a line of a class body, or inside a method
    }
    const auto equals = line.find('=');
    const auto colon = line.find(':');
    if (equals == std::string::npos || (colon != std::string::npos && colon < equals) || line.rfind("  def ", 0) == 0)
    {
      continue;
    }
    std::string target = line.substr(2, equals - 2);
    target.erase(target.find_last_not_of(' ') + 1);
    if (target != "__parameters__" && target != "__buffers__" && target != "__constants__" &&
        target.rfind("__annotations__[", 0) != 0)
    {
      throw ModelError(name + " is a corrupt model file: its class source assigns '" + target.substr(0, 60) +
                       "' without a type");
    }
  }
}

/** The bytes of a deflated zip record, at most `size` (its uncompressed size); false when they do not inflate. */
bool
Inflate(const std::string & deflated, std::size_t size, std::string & out)
{
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
  {
    return false;
  }
  out.assign(size, '\0');
  stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(deflated.data()));
  stream.avail_in = static_cast<uInt>(deflated.size());
  stream.next_out = reinterpret_cast<Bytef *>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return status == Z_STREAM_END;
}

/** Checks every pickle (`*.pkl`, stored uncompressed, as LibTorch writes them) of the zip archive that `read` reads,
 * before LibTorch parses it (CheckPickle()), and that each tensor storage a pickle names fits its record
 * (`<pickle's name without .pkl>/<key>`, where LibTorch looks for it). An archive this cannot follow is left to
 * LibTorch, which reports it. */
void
CheckArchivePickles(const ReadAt & read, std::uint64_t size, const std::string & name)
{
  std::string tail;
  const std::uint64_t tailSize = std::min<std::uint64_t>(size, 65557);
  if (size < 22 || !read(size - tailSize, static_cast<std::size_t>(tailSize), tail))
  {
    return;
  }
  // The last end-of-directory record that fits, as LibTorch's zip reader (miniz) finds it: a signature too near the
  // end to be one is passed over, not taken for the end (found by fuzzing).
  const std::string signature("PK\x05\x06", 4);
  auto              eocd = tail.rfind(signature);
  while (eocd != std::string::npos && eocd + 22 > tail.size())
  {
    eocd = eocd == 0 ? std::string::npos : tail.rfind(signature, eocd - 1);
  }
  if (eocd == std::string::npos)
  {
    return;
  }
  std::uint64_t entries = Little(tail, eocd + 10, 2), directorySize = Little(tail, eocd + 12, 4),
                directoryOffset = Little(tail, eocd + 16, 4);
  // A zip64 end record (which LibTorch's writer always adds), named by the locator just before the end record: its
  // directory's place and size are the ones LibTorch's reader takes, whatever the end record says (found by fuzzing:
  // a forged 32-bit offset made this check give up on an archive LibTorch read).
  const auto little64 = [](const std::string & bytes, std::size_t at) {
    return Little(bytes, at, 4) | (static_cast<std::uint64_t>(Little(bytes, at + 4, 4)) << 32);
  };
  if (eocd >= 20 && tail.compare(eocd - 20, 4, std::string("PK\x06\x07", 4)) == 0)
  {
    std::string zip64;
    if (read(little64(tail, eocd - 20 + 8), 56, zip64) && zip64.compare(0, 4, std::string("PK\x06\x06", 4)) == 0)
    {
      entries = little64(zip64, 32);
      directorySize = little64(zip64, 40);
      directoryOffset = little64(zip64, 48);
    }
  }
  // The directory as far as it lies before the end record: a forged size that runs past it does not stop LibTorch's
  // zip reader from reading the records it finds there (found by fuzzing).
  const std::uint64_t end = size - tailSize + eocd;
  std::string         directory;
  if (directoryOffset >= end ||
      !read(directoryOffset, static_cast<std::size_t>(std::min<std::uint64_t>(directorySize, end - directoryOffset)), directory))
  {
    return; // not where it says: LibTorch judges
  }
  struct Record
  {
    std::uint32_t Method, Stored, Size, Local;
  };
  std::map<std::string, Record> records;
  std::size_t                   at = 0;
  // The records up to the first that is not one: a forged entry count or a broken record further on does not stop
  // LibTorch from reading the records before it, so it must not stop this check either (found by fuzzing).
  for (std::uint64_t e = 0; e < entries && at + 46 <= directory.size(); ++e)
  {
    if (directory.compare(at, 4, std::string("PK\x01\x02", 4)) != 0)
    {
      break;
    }
    const std::uint32_t nameLength = Little(directory, at + 28, 2), extra = Little(directory, at + 30, 2),
                        comment = Little(directory, at + 32, 2);
    if (at + 46 + nameLength > directory.size())
    {
      break;
    }
    records[directory.substr(at + 46, nameLength)] = { Little(directory, at + 10, 2), Little(directory, at + 20, 4),
                                                       Little(directory, at + 24, 4), Little(directory, at + 42, 4) };
    at += 46 + nameLength + extra + comment;
  }
  // A record's stored bytes, through its local header; false where they are not where the directory says (LibTorch
  // cannot read them either).
  const auto readStored = [&](const Record & record, std::string & out) {
    std::string header;
    if (read(record.Local, 30, header) && header.compare(0, 4, std::string("PK\x03\x04", 4)) == 0 &&
        read(std::uint64_t{ record.Local } + 30 + Little(header, 26, 2) + Little(header, 28, 2), record.Stored, out))
    {
      return true;
    }
    out.clear();
    return false;
  };
  const auto endsWith = [](const std::string & text, const std::string & end) {
    return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
  };
  for (const auto & [entry, record] : records)
  {
    if (record.Stored == 0xFFFFFFFFu)
    {
      continue;
    }
    if (endsWith(entry, ".py") && entry.find("/code/") != std::string::npos)
    {
      std::string stored, text;
      if ((record.Method != 0 && record.Method != 8) || record.Size > (std::uint32_t{ 1 } << 26) ||
          !readStored(record, stored))
      {
        continue;
      }
      if (record.Method == 8 && !Inflate(stored, record.Size, text))
      {
        // zlib refuses it (e.g. a distance too far back), LibTorch's miniz would read past its window: corrupt
        throw ModelError(name + " is a corrupt model file: its class source " + entry + " does not inflate");
      }
      CheckClassSource(record.Method == 0 ? stored : text, name);
      continue;
    }
    std::string pickle;
    if (record.Method != 0 || !endsWith(entry, ".pkl") || !readStored(record, pickle))
    {
      continue;
    }
    const std::string folder = entry.substr(0, entry.size() - 4) + "/";
    for (const auto & storage : CheckPickle(pickle, name))
    {
      const auto found = records.find(folder + storage.Key);
      if (found != records.end() && found->second.Size != 0xFFFFFFFFu && storage.Bytes > found->second.Size)
      {
        throw ModelError(name + " is a corrupt model file: tensor storage " + storage.Key + " claims " +
                         std::to_string(storage.Bytes) + " bytes, its record holds " + std::to_string(found->second.Size));
      }
    }
  }
}

std::unique_ptr<LoadedModel>
ReadModelBytesUnguarded(const char * data, std::size_t size, const std::string & name)
{
  CheckArchivePickles(
    [&](std::uint64_t offset, std::size_t count, std::string & out) {
      if (offset > size || count > size - offset)
      {
        return false;
      }
      out.assign(data + offset, count);
      return true;
    },
    size, name);
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(data, size, torch::kCPU);
  }
  catch (const std::exception &) // c10::Error, and the std::out_of_range its unpickler throws on a forged pickle
  {
    throw ModelError(name + " is not a model, or it is truncated");
  }
  c10::IValue version;
  if (!archive.try_read("scopsam_format_version", version))
  {
    throw ModelError(name + " is not a SCoP-SAM model");
  }
  auto model = ReadNativeModel(archive, name, version);
  model->Identity = model->Config.Name + " " + name;
  return model;
}

std::unique_ptr<LoadedModel>
ReadModelFileUnguarded(const std::string & path)
{
  std::error_code error;
  if (!fs::is_regular_file(path, error))
  {
    throw ModelError("no such model file: " + path);
  }
  {
    std::ifstream       file(path, std::ios::binary);
    const std::uint64_t size = fs::file_size(path, error);
    CheckArchivePickles(
      [&](std::uint64_t offset, std::size_t count, std::string & out) {
        if (error || offset > size || count > size - offset)
        {
          return false;
        }
        out.resize(count);
        file.clear();
        file.seekg(static_cast<std::streamoff>(offset));
        return static_cast<bool>(file.read(out.data(), static_cast<std::streamsize>(count)));
      },
      size, path);
  }
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(path, torch::kCPU);
  }
  catch (const std::exception &) // c10::Error, and the std::out_of_range its unpickler throws on a forged pickle
  {
    throw ModelError(path + " is not a model file (neither a SCoP-SAM model nor TorchScript), or it is truncated");
  }
  c10::IValue version;
  if (archive.try_read("scopsam_format_version", version))
  {
    auto model = ReadNativeModel(archive, path, version);
    model->Identity = model->Config.Name + " " + fs::path(path).filename().string() + " #" + FileHash(path);
    return model;
  }
  // Not a SCoP-SAM file: a TorchScript module of the documented signature.
  auto model = std::make_unique<LoadedModel>();
  try
  {
    model->Script = torch::jit::load(path, torch::kCPU);
  }
  catch (const std::exception & e)
  {
    throw ModelError(path + " is neither a SCoP-SAM model nor a loadable TorchScript module: " + FirstLine(e.what()));
  }
  if (!model->Script->find_method("forward"))
  {
    throw ModelError(path + " is a TorchScript file without a forward method");
  }
  model->Config = ModelConfig::Small();
  model->Config.Name = "torchscript";
  if (model->Script->hasattr("scopsam_config"))
  {
    try
    {
      model->Config = ModelConfig::FromJSON(model->Script->attr("scopsam_config").toStringRef());
    }
    catch (const std::exception & e)
    {
      throw ModelError(path + ": its scopsam_config attribute is not a valid configuration: " + e.what());
    }
  }
  model->Identity = "torchscript " + fs::path(path).filename().string() + " #" + FileHash(path);
  model->Checksum = "none (TorchScript: not checked)";
  return model;
}

/** Any other exception LibTorch throws on a forged file (its unpickler throws std::out_of_range on an attribute the
 * module's class does not declare; found by fuzzing: it escaped every catch and ended the process) is a corrupt
 * model file, one line. */
template <typename TRead>
std::unique_ptr<LoadedModel>
Guarded(const TRead & read, const std::string & name)
{
  try
  {
    return read();
  }
  catch (const ModelError &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw ModelError(name + " is a corrupt model file: " + FirstLine(e.what()));
  }
}
} // namespace

std::unique_ptr<LoadedModel>
ReadModelBytes(const char * data, std::size_t size, const std::string & name)
{
  return Guarded([&] { return ReadModelBytesUnguarded(data, size, name); }, name);
}

std::unique_ptr<LoadedModel>
ReadModelFile(const std::string & path)
{
  return Guarded([&] { return ReadModelFileUnguarded(path); }, path);
}

void
WriteModelFile(const LoadedModel & model, const std::string & path)
{
  if (model.Script)
  {
    throw ModelError("a TorchScript model is saved by the program that made it, not by SCoP-SAM");
  }
  torch::serialize::OutputArchive archive;
  const std::string               configText = model.Config.ToJSON();
  ContentChecksum                 checksum(configText);
  archive.write("scopsam_format_version", c10::IValue(static_cast<int64_t>(ModelFormatVersion)));
  archive.write("scopsam_config", c10::IValue(configText));
  for (const auto & p : model.Net->named_parameters())
  {
    const torch::Tensor values = p.value().detach().to(torch::kCPU, torch::kFloat32);
    checksum.Feed(p.key(), values);
    archive.write(p.key(), values);
  }
  for (const auto & b : model.Net->named_buffers())
  {
    const torch::Tensor values = b.value().detach().to(torch::kCPU, torch::kFloat32);
    checksum.Feed(b.key(), values);
    archive.write(b.key(), values, true);
  }
  archive.write(ChecksumRecord, c10::IValue(checksum.HexDigest()));
  // Serialised in memory first: LibTorch's zip writer, when a write to a file fails (a full disk), throws again
  // from its destructor and terminates the process.
  std::ostringstream bytes;
  try
  {
    archive.save_to(bytes);
  }
  catch (const c10::Error & e)
  {
    throw ModelError("cannot write " + path + ": " + FirstLine(e.what_without_backtrace()));
  }
  WriteFileAtomically(path, std::move(bytes).str());
}

void
WriteFileAtomically(const std::string & path, const std::string & bytes)
{
  const fs::path  target(path);
  const fs::path  folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    throw ModelError("cannot write " + path + ": the folder " + folder.string() + " does not exist");
  }
  const fs::path temporary = folder / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
  try
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out)
    {
      throw std::runtime_error(std::string("the file could not be written (") + std::strerror(errno) + ")");
    }
    fs::rename(temporary, target);
  }
  catch (const std::exception & e)
  {
    fs::remove(temporary, error);
    throw ModelError("cannot write " + path + ": " + FirstLine(e.what()));
  }
}

std::vector<std::string>
ImportSAMCheckpoint(LoadedModel & model, const std::string & checkpoint, std::vector<std::string> * notLoaded)
{
  if (model.Script || model.Config.Name != "vit_b")
  {
    throw ModelError("SAM ViT-B weights load into the vit_b configuration only");
  }
  std::ifstream in(checkpoint, std::ios::binary);
  if (!in)
  {
    throw ModelError("no such checkpoint: " + checkpoint);
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  c10::IValue             value;
  try
  {
    value = torch::pickle_load(bytes);
  }
  catch (const std::exception & e)
  {
    throw ModelError(checkpoint + " is not a plain dict of tensors saved by torch.save (convert the official "
                                  "checkpoint with Utilities/convert_sam_checkpoint.py): " + FirstLine(e.what()));
  }
  if (!value.isGenericDict())
  {
    throw ModelError(checkpoint + " holds no dict of tensors");
  }
  std::map<std::string, torch::Tensor> targets;
  for (auto & p : model.Net->named_parameters())
  {
    targets[p.key()] = p.value();
  }
  for (auto & b : model.Net->named_buffers())
  {
    targets[b.key()] = b.value();
  }
  std::vector<std::string> unused;
  std::set<std::string>    loaded;
  torch::NoGradGuard       noGrad;
  for (const auto & entry : value.toGenericDict())
  {
    const std::string name = entry.key().toStringRef();
    auto              target = targets.find(name);
    if (target == targets.end() || !entry.value().isTensor())
    {
      unused.push_back(name);
      continue;
    }
    const auto tensor = entry.value().toTensor();
    if (!tensor.sizes().equals(target->second.sizes()))
    {
      throw ModelError("SAM tensor " + name + " has shape " + Shape(tensor) + ", the vit_b network expects " +
                       Shape(target->second));
    }
    target->second.copy_(tensor.to(target->second.device(), target->second.scalar_type()));
    loaded.insert(name);
  }
  if (notLoaded != nullptr)
  {
    notLoaded->clear();
    for (const auto & t : targets)
    {
      if (!loaded.count(t.first))
      {
        notLoaded->push_back(t.first);
      }
    }
  }
  model.Identity = "vit_b with SAM weights from " + fs::path(checkpoint).filename().string();
  return unused;
}

} // namespace scopsam
