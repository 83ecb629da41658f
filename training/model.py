"""The digit CNN and its candidate output heads."""

from __future__ import annotations

import torch
from torch import nn

HEAD_OUTPUTS = {"bins100": 100, "sincos": 2, "cls10off": 11}


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class DigitNet(nn.Module):
    """1 x 40 x 24 input -> three conv stages -> small dense head.

    A dense layer after the convolutions (instead of global pooling) keeps where the digit
    sits vertically, which is what encodes the roller position.
    """

    def __init__(self, head: str = "bins100", width: int = 16, hidden: int = 96) -> None:
        super().__init__()
        self.head = head
        self.features = nn.Sequential(
            conv_block(1, width), conv_block(width, 2 * width), conv_block(2 * width, 4 * width)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(4 * width * 5 * 3, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, HEAD_OUTPUTS[head]),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
