#!/usr/bin/env python3
"""Writes a stand-in for SAM ViT-B's checkpoint: every tensor name and shape of the official sam_vit_b model
(segment_anything's build_sam_vit_b: image encoder 768 wide, 12 blocks, 12 heads, 14-token windows, global blocks
2, 5, 8, 11; prompt encoder and mask decoder 256 wide), random values, saved as a plain dict the way
Utilities/convert_sam_checkpoint.py saves the real one. About 360 MB. Usage: make_sam_vit_b_state_dict.py OUT"""
import sys

import torch


def sam_vit_b_shapes():
    shapes = {}
    e, depth, window, grid = 768, 12, 14, 64
    shapes["image_encoder.pos_embed"] = (1, grid, grid, e)
    shapes["image_encoder.patch_embed.proj.weight"] = (e, 3, 16, 16)
    shapes["image_encoder.patch_embed.proj.bias"] = (e,)
    for i in range(depth):
        b = f"image_encoder.blocks.{i}."
        size = grid if i in (2, 5, 8, 11) else window
        for n in ("norm1", "norm2"):
            shapes[b + n + ".weight"] = (e,)
            shapes[b + n + ".bias"] = (e,)
        shapes[b + "attn.rel_pos_h"] = (2 * size - 1, e // 12)
        shapes[b + "attn.rel_pos_w"] = (2 * size - 1, e // 12)
        shapes[b + "attn.qkv.weight"] = (3 * e, e)
        shapes[b + "attn.qkv.bias"] = (3 * e,)
        shapes[b + "attn.proj.weight"] = (e, e)
        shapes[b + "attn.proj.bias"] = (e,)
        shapes[b + "mlp.lin1.weight"] = (4 * e, e)
        shapes[b + "mlp.lin1.bias"] = (4 * e,)
        shapes[b + "mlp.lin2.weight"] = (e, 4 * e)
        shapes[b + "mlp.lin2.bias"] = (e,)
    c = 256
    shapes["image_encoder.neck.0.weight"] = (c, e, 1, 1)
    shapes["image_encoder.neck.1.weight"] = (c,)
    shapes["image_encoder.neck.1.bias"] = (c,)
    shapes["image_encoder.neck.2.weight"] = (c, c, 3, 3)
    shapes["image_encoder.neck.3.weight"] = (c,)
    shapes["image_encoder.neck.3.bias"] = (c,)

    p = "prompt_encoder."
    shapes[p + "pe_layer.positional_encoding_gaussian_matrix"] = (2, c // 2)
    for i in range(4):
        shapes[p + f"point_embeddings.{i}.weight"] = (1, c)
    shapes[p + "not_a_point_embed.weight"] = (1, c)
    shapes[p + "mask_downscaling.0.weight"] = (4, 1, 2, 2)
    shapes[p + "mask_downscaling.0.bias"] = (4,)
    shapes[p + "mask_downscaling.1.weight"] = (4,)
    shapes[p + "mask_downscaling.1.bias"] = (4,)
    shapes[p + "mask_downscaling.3.weight"] = (16, 4, 2, 2)
    shapes[p + "mask_downscaling.3.bias"] = (16,)
    shapes[p + "mask_downscaling.4.weight"] = (16,)
    shapes[p + "mask_downscaling.4.bias"] = (16,)
    shapes[p + "mask_downscaling.6.weight"] = (c, 16, 1, 1)
    shapes[p + "mask_downscaling.6.bias"] = (c,)
    shapes[p + "no_mask_embed.weight"] = (1, c)

    m = "mask_decoder."
    def attention(prefix, internal):
        for n in ("q_proj", "k_proj", "v_proj"):
            shapes[prefix + n + ".weight"] = (internal, c)
            shapes[prefix + n + ".bias"] = (internal,)
        shapes[prefix + "out_proj.weight"] = (c, internal)
        shapes[prefix + "out_proj.bias"] = (c,)
    for i in range(2):
        layer = m + f"transformer.layers.{i}."
        attention(layer + "self_attn.", c)
        attention(layer + "cross_attn_token_to_image.", c // 2)
        attention(layer + "cross_attn_image_to_token.", c // 2)
        for n in ("norm1", "norm2", "norm3", "norm4"):
            shapes[layer + n + ".weight"] = (c,)
            shapes[layer + n + ".bias"] = (c,)
        shapes[layer + "mlp.lin1.weight"] = (2048, c)
        shapes[layer + "mlp.lin1.bias"] = (2048,)
        shapes[layer + "mlp.lin2.weight"] = (c, 2048)
        shapes[layer + "mlp.lin2.bias"] = (c,)
    attention(m + "transformer.final_attn_token_to_image.", c // 2)
    shapes[m + "transformer.norm_final_attn.weight"] = (c,)
    shapes[m + "transformer.norm_final_attn.bias"] = (c,)
    shapes[m + "iou_token.weight"] = (1, c)
    shapes[m + "mask_tokens.weight"] = (4, c)
    shapes[m + "output_upscaling.0.weight"] = (c, c // 4, 2, 2)
    shapes[m + "output_upscaling.0.bias"] = (c // 4,)
    shapes[m + "output_upscaling.1.weight"] = (c // 4,)
    shapes[m + "output_upscaling.1.bias"] = (c // 4,)
    shapes[m + "output_upscaling.3.weight"] = (c // 4, c // 8, 2, 2)
    shapes[m + "output_upscaling.3.bias"] = (c // 8,)
    for i in range(4):
        h = m + f"output_hypernetworks_mlps.{i}.layers."
        for j, (out, inp) in enumerate(((c, c), (c, c), (c // 8, c))):
            shapes[h + f"{j}.weight"] = (out, inp)
            shapes[h + f"{j}.bias"] = (out,)
    for j, (out, inp) in enumerate(((256, c), (256, 256), (4, 256))):
        shapes[m + f"iou_prediction_head.layers.{j}.weight"] = (out, inp)
        shapes[m + f"iou_prediction_head.layers.{j}.bias"] = (out,)
    shapes["pixel_mean"] = (3, 1, 1)
    shapes["pixel_std"] = (3, 1, 1)
    return shapes


def main(argv):
    torch.manual_seed(0)
    state = {name: torch.randn(shape) * 0.02 for name, shape in sam_vit_b_shapes().items()}
    torch.save(state, argv[1])
    print(f"{len(state)} tensors, {sum(t.numel() for t in state.values()) / 1e6:.1f} M parameters -> {argv[1]}")


if __name__ == "__main__":
    main(sys.argv)
