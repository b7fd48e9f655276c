#!/usr/bin/python3
"""Runs SCoP-SAM's 3D Slicer CLI modules the way Slicer runs them and checks Slicer's rules on their descriptions.

Slicer (vtkSlicerCLIModuleLogic) builds a module's command line from its XML description and the panel's values:
every flagged parameter with a non-empty value is passed as `--flag value` (defaults included; a boolean only as
`--flag`, when true; a multiple point once per point), then every indexed parameter by its index. It refuses to
start while an indexed image or file has no node, so a module whose optional inputs are indexed cannot run for a
user who leaves them empty; and it passes `--returnparameterfile FILE` to a module with return parameters (outputs
that are numbers or strings), then reads `name = value` lines back into the panel.

This test reads each module's `--xml` and checks:
  * indices run 0, 1, ... and only images, files, tables and geometries are indexed; none has a default;
  * every other parameter has a long flag (unique), except return parameters, which have neither flag nor index;
  * numbers: the default lies within the constraints and on the slider's grid; enumerations: the default is an
    element; booleans: true or false;
  * the module runs with only what is required, as Slicer calls it, and writes its indexed outputs; without any one
    of its indexed parameters it refuses to run (else that parameter is optional and must be a flag);
  * it runs with every optional input and output given, and writes each of them and every return parameter;
  * a value just outside each number's constraints is refused with exit status 2 and one line on stderr, and the
    default (inside) is taken by the runs above: the constraints are what the program accepts.

The tile size's step is checked against the default model's rule by the SlicerModules GTests, which load it.

Usage: check_slicer_cli_rules.py MODULE_DIR WORK_DIR
"""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np

FILE_TAGS = {"image", "file", "table", "geometry"}
RETURN_TAGS = {"integer", "float", "double", "string", "boolean"}
MODULES = ["SCoPSAMGradientPriorCLI", "SCoPSAMGrayscalePriorCLI", "SCoPSAMSegmentationCLI", "SCoPSAMQuantificationCLI"]


def write_nrrd(path, pixels, spacing_mm=0.05):
    """A one-slice volume as Slicer writes it for a CLI module (NRRD, LPS, millimetres)."""
    height, width = pixels.shape
    header = (
        "NRRD0004\n"
        f"type: {'uint8' if pixels.dtype == np.uint8 else 'float'}\n"
        "dimension: 3\nspace: left-posterior-superior\n"
        f"sizes: {width} {height} 1\n"
        f"space directions: ({spacing_mm},0,0) (0,{spacing_mm},0) (0,0,1)\n"
        "kinds: domain domain domain\nendian: little\nencoding: raw\nspace origin: (0,0,0)\n\n"
    )
    with open(path, "wb") as f:
        f.write(header.encode("ascii"))
        f.write(np.ascontiguousarray(pixels).tobytes())


def fixtures(work):
    """A synthetic micrograph (dark discs on a brighter, noisy matrix), its mask and a scribble label map."""
    rng = np.random.default_rng(7)
    size = 128
    yy, xx = np.mgrid[0:size, 0:size]
    mask = np.zeros((size, size), bool)
    for cy, cx, r in [(30, 30, 9), (30, 90, 7), (90, 40, 10), (95, 95, 8), (64, 64, 6)]:
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    image = np.where(mask, 70.0, 170.0) + rng.normal(0, 8, (size, size))
    paths = {
        "scalar": os.path.join(work, "micrograph.nrrd"),
        "label": os.path.join(work, "mask.nrrd"),
        "scribbles": os.path.join(work, "scribbles.nrrd"),
    }
    write_nrrd(paths["scalar"], np.clip(image, 0, 255).astype(np.uint8))
    write_nrrd(paths["label"], (mask * 255).astype(np.uint8))
    scribbles = np.zeros((size, size), np.uint8)
    scribbles[88:93, 38:43] = 1  # inside a disc: this phase
    scribbles[5:10, 60:70] = 2  # matrix: not this phase
    write_nrrd(paths["scribbles"], scribbles)
    return paths, float(mask.mean())


class Parameter:
    def __init__(self, element):
        self.tag = element.tag
        self.name = element.findtext("name")
        self.index = element.findtext("index")
        self.longflag = element.findtext("longflag")
        self.flag = element.findtext("flag")
        self.default = element.findtext("default")
        self.channel = element.findtext("channel")
        self.type = element.get("type", "")
        self.extensions = element.get("fileExtensions", "")
        self.multiple = element.get("multiple") == "true"
        self.elements = [e.text for e in element.findall("element")]
        c = element.find("constraints")
        self.minimum = float(c.findtext("minimum")) if c is not None else None
        self.maximum = float(c.findtext("maximum")) if c is not None else None
        self.step = float(c.findtext("step")) if c is not None else None

    @property
    def returned(self):
        return self.tag in RETURN_TAGS and self.channel == "output" and self.index is None and not self.longflag


def describe(executable):
    """The module's parameters, in the order of its XML."""
    run = subprocess.run([executable, "--xml"], capture_output=True, text=True, timeout=5)
    assert run.returncode == 0 and run.stderr == "" and run.stdout.startswith("<?xml"), (executable, run.stderr)
    root = ET.fromstring(run.stdout)
    parameters = [Parameter(p) for group in root.findall("parameters") for p in group if p.tag not in ("label", "description")]
    for p in parameters:
        p.module = executable
    return parameters


def check_rules(module, parameters):
    errors = []
    indexed = sorted((p for p in parameters if p.index is not None), key=lambda p: int(p.index))
    if [int(p.index) for p in indexed] != list(range(len(indexed))):
        errors.append(f"indices are not 0..{len(indexed) - 1}: {[p.index for p in indexed]}")
    flags = [p.longflag for p in parameters if p.longflag]
    if len(flags) != len(set(flags)):
        errors.append(f"repeated flags: {flags}")
    for p in parameters:
        where = f"{module} {p.tag} '{p.name}'"
        if p.index is not None:
            if p.tag not in FILE_TAGS:
                errors.append(f"{where}: indexed, but Slicer passes only files by place here")
            if p.default is not None:
                errors.append(f"{where}: indexed with a default (Slicer always passes indexed parameters)")
            if p.longflag or p.flag:
                errors.append(f"{where}: both indexed and flagged")
        elif p.returned:
            pass
        elif not p.longflag:
            errors.append(f"{where}: neither indexed nor flagged nor a return parameter")
        if p.tag in ("integer", "float", "double") and not p.returned and p.minimum is not None:
            value = float(p.default)
            if not (p.minimum <= value <= p.maximum):
                errors.append(f"{where}: default {value} outside [{p.minimum}, {p.maximum}]")
            if p.tag == "integer" and (p.step != int(p.step) or (value - p.minimum) % p.step != 0):
                errors.append(f"{where}: the slider (from {p.minimum} by {p.step}) does not reach the default {value}")
        if p.tag.endswith("-enumeration") and p.default not in p.elements:
            errors.append(f"{where}: default {p.default} is not one of {p.elements}")
        if p.tag == "boolean" and not p.returned and p.default not in ("true", "false"):
            errors.append(f"{where}: boolean default {p.default}")
    return errors


def command_line(executable, parameters, values, return_file):
    """As vtkSlicerCLIModuleLogic builds it: flags with non-empty values in order, then indexed by index."""
    command = [executable]
    for p in parameters:
        if p.index is not None or p.returned:
            continue
        value = values.get(p.name, p.default)
        if p.tag == "boolean":
            if value == "true":
                command.append("--" + p.longflag)
        elif p.multiple and isinstance(value, list):
            for v in value:
                command += ["--" + p.longflag, v]
        elif value:
            command += ["--" + p.longflag, value]
    for p in sorted((p for p in parameters if p.index is not None), key=lambda p: int(p.index)):
        command.append(values[p.name])
    if any(p.returned for p in parameters):
        command += ["--returnparameterfile", return_file]
    return command


def file_for(p, work, inputs, run):
    """What Slicer would hand a file parameter: an input node written to a file, or a temporary output name."""
    if p.channel == "input":
        if p.tag == "image" and p.type == "label":
            return inputs["label"] if p.name == "inputMask" else inputs["scribbles"]
        return inputs["scalar"]
    extension = p.extensions.split(",")[0] if p.extensions else (".vtp" if p.tag == "geometry" else ".nrrd")
    return os.path.join(work, f"{run}_{os.path.basename(p.module)}_{p.name}{extension}")


def run_module(executable, command, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def check_runs(module, executable, parameters, work, inputs, area_fraction):
    errors = []
    for run, optional in (("required", False), ("every", True)):
        values = {}
        for p in parameters:
            if p.tag in FILE_TAGS and (p.index is not None or optional):
                values[p.name] = file_for(p, work, inputs, run)
        if optional:
            if any(p.name == "positivePoints" for p in parameters):
                values["positivePoints"] = ["4.5,4.5,0"]  # LPS mm: pixel (90, 90) of the 0.05 mm grid, in a disc
                values["negativePoints"] = ["0.5,0.5,0"]  # pixel (10, 10): matrix
        return_file = os.path.join(work, f"{module}_{run}_return.txt")
        command = command_line(executable, parameters, values, return_file)
        result = run_module(executable, command)
        if result.returncode != 0:
            errors.append(f"{module} with {run} arguments exited {result.returncode}: {result.stderr.strip()}\n  {command}")
            continue
        for p in parameters:
            if p.tag in FILE_TAGS and p.channel == "output" and p.name in values and not os.path.isfile(values[p.name]):
                errors.append(f"{module} with {run} arguments wrote no {p.name} ({values[p.name]})")
        returned = [p.name for p in parameters if p.returned]
        if returned:
            lines = dict(line.split(" = ", 1) for line in open(return_file).read().splitlines())
            for name in returned:
                if name not in lines:
                    errors.append(f"{module}: return parameter {name} not in {return_file}")
            if "areaFraction" in lines and abs(float(lines["areaFraction"]) - area_fraction) > 0.01:
                errors.append(f"{module}: areaFraction {lines['areaFraction']}, the mask's is {area_fraction:.4f}")
            if "particleCount" in lines and lines["particleCount"] != "5":
                errors.append(f"{module}: particleCount {lines['particleCount']}, the mask has 5 discs")
            if lines.get("lengthUnit") not in (None, "um"):
                errors.append(f"{module}: lengthUnit {lines.get('lengthUnit')} for a volume of 0.05 mm spacing")
    # Every indexed parameter is required: without it (and those after it) the module refuses to run. One that the
    # module can do without would be one that a Slicer user must still assign: it has to be a flag.
    indexed = sorted((p for p in parameters if p.index is not None), key=lambda p: int(p.index))
    required = {p.name: file_for(p, work, inputs, "bad") for p in indexed}
    for k, p in enumerate(indexed):
        command = [executable] + [required[q.name] for q in indexed[:k]]
        result = run_module(executable, command, timeout=60)
        if result.returncode != 2:
            errors.append(f"{module} runs without its indexed {p.name} (exit {result.returncode}): make it a flag")
    # Just outside each constraint: refused at once with exit status 2 and one line.
    for p in parameters:
        if p.tag not in ("integer", "float", "double") or p.minimum is None or p.returned:
            continue
        for outside in (p.minimum - p.step, p.maximum + p.step):
            value = str(int(outside)) if p.tag == "integer" else repr(outside)
            command = command_line(executable, parameters, dict(required, **{p.name: value}), os.path.join(work, "r.txt"))
            result = run_module(executable, command, timeout=60)
            if result.returncode != 2 or result.stderr.count("\n") != 1:
                errors.append(f"{module} --{p.name} {value} (outside its constraints): exit {result.returncode}, "
                              f"stderr {result.stderr!r}")
    leftovers = [f for f in os.listdir(work) if f.startswith("bad_")]
    if leftovers:
        errors.append(f"{module}: refused runs left {leftovers}")
    return errors


def main():
    module_dir, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    inputs, area_fraction = fixtures(work)
    errors = []
    for module in MODULES:
        executable = os.path.join(module_dir, module)
        parameters = describe(executable)
        errors += check_rules(module, parameters)
        errors += check_runs(module, executable, parameters, work, inputs, area_fraction)
    for error in errors:
        print("FAIL:", error)
    if errors:
        sys.exit(1)
    print(f"{len(MODULES)} modules follow Slicer's rules and run as Slicer calls them")


if __name__ == "__main__":
    main()
