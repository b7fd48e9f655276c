"""Checks the 3D Slicer extension description: the catalogue entry (Utilities/Slicer/SCoPSAM.json) is valid against
Slicer's schema, the .s4ext carries every key the Extensions Index reads, and both agree with each other and with
the extension build (CMake/SCoPSAMSlicerExtension.cmake) on repository and category.

Usage: python3 check_slicer_extension.py SOURCE_DIR SCHEMA"""
import json
import pathlib
import re
import sys

import jsonschema

source, schema_path = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
entry = json.loads((source / "Utilities/Slicer/SCoPSAM.json").read_text())
jsonschema.validate(entry, json.loads(schema_path.read_text()))

s4ext = {}
for line in (source / "Utilities/Slicer/SCoPSAM.s4ext").read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        key, _, value = line.partition(" ")
        s4ext[key] = value.strip()
required = ["scm", "scmurl", "scmrevision", "depends", "homepage", "contributors", "category", "iconurl", "status",
            "description", "enabled"]
missing = [key for key in required if not s4ext.get(key)]
assert not missing, f"the .s4ext lacks {missing}"

cmake = (source / "CMake/SCoPSAMSlicerExtension.cmake").read_text()
category = re.search(r'set\(EXTENSION_CATEGORY "([^"]+)"\)', cmake).group(1)
homepage = re.search(r'set\(EXTENSION_HOMEPAGE "([^"]+)"\)', cmake).group(1)
assert entry["scm_url"] == s4ext["scmurl"], "repository differs between .json and .s4ext"
assert entry["category"] == s4ext["category"] == category, "category differs"
assert s4ext["homepage"] == homepage, "homepage differs"
assert entry["scm_url"].startswith(homepage), "the repository is not the homepage's"
print("Slicer extension description: valid")
