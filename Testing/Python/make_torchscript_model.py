#!/usr/bin/env python3
"""Writes a small TorchScript model that follows SCoP-SAM's documented signature

    forward(image[N,1,H,W], priors[N,P,H,W], click_xy[N,K,2], click_label[N,K]) -> logits[N,1,H,W]

so that the tests run a model "trained and exported elsewhere" through the same engine and filter. Its logits
are a fixed function of the inputs (a known answer): 8 * (image + mean of priors - 1), plus 2 near every positive
click. Usage: make_torchscript_model.py OUT.pt [--with-config]"""
import sys

import torch


class KnownAnswer(torch.nn.Module):
    def forward(self, image: torch.Tensor, priors: torch.Tensor, click_xy: torch.Tensor, click_label: torch.Tensor):
        logits = 8.0 * (image + priors.mean(dim=1, keepdim=True) - 1.0)
        n, _, h, w = image.shape
        ys = torch.arange(h, dtype=torch.float32).view(1, h, 1)
        xs = torch.arange(w, dtype=torch.float32).view(1, 1, w)
        for k in range(click_xy.shape[1]):
            near = ((xs - click_xy[:, k, 0].view(n, 1, 1)) ** 2 + (ys - click_xy[:, k, 1].view(n, 1, 1)) ** 2) < 25.0
            positive = (click_label[:, k] == 1).view(n, 1, 1)
            logits = logits + 2.0 * (near & positive).unsqueeze(1).float()
        return logits


def main(argv):
    module = torch.jit.script(KnownAnswer())
    if "--with-config" in argv:
        module = torch.jit.script(KnownAnswerWithConfig())
    module.save(argv[1])


class KnownAnswerWithConfig(KnownAnswer):
    scopsam_config: str

    def __init__(self):
        super().__init__()
        self.scopsam_config = (
            '{"name":"exported","tile_size":64,"patch_size":16,"encoder_dim":48,"encoder_depth":2,"encoder_heads":2,'
            '"window_size":2,"global_blocks":[1],"position_grid":4,"embed_dim":32,"decoder_depth":2,"decoder_heads":2,'
            '"decoder_mlp_dim":64,"mask_in_channels":16,"prior_channels":4,"priors_in_encoder":true,'
            '"priors_in_prompt":true,"priors_in_decoder":true,"adapter_dim":8,"gradient_scales":[1.0,2.0,4.0],'
            '"integration_scale":2.0,"magnitude_scale":0.05,"window_radius":15,"grayscale_epsilon":0.02,'
            '"contrast_scale":2.0,"global_scale":0.1,"polarity":"both","lower_percentile":0.005,'
            '"upper_percentile":0.995,"training":"a known-answer test module","training_pixel_scale":1.0}')


if __name__ == "__main__":
    main(sys.argv)
