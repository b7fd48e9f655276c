#!/usr/bin/env python3
"""Converts an official Segment Anything checkpoint into a file LibTorch 1.13 reads.

The official sam_vit_b_01ec64.pth is an OrderedDict saved by torch.save; LibTorch's torch::pickle_load cannot
rebuild an OrderedDict, but it reads a plain dict of tensors. Usage:

    /usr/bin/python3 Utilities/convert_sam_checkpoint.py sam_vit_b_01ec64.pth sam_vit_b.pt
    scopsam import-sam sam_vit_b.pt vit_b_sam.pt

The second command builds SCoP-SAM's vit_b network, loads every SAM tensor into it (the prior entry points stay at
their zero-initialised start) and writes a SCoP-SAM model file.
"""
import sys

import torch


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    state = torch.load(argv[1], map_location="cpu")
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    plain = {str(k): v.detach().clone().contiguous() for k, v in state.items() if torch.is_tensor(v)}
    torch.save(plain, argv[2])
    print(f"{len(plain)} tensors written to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
