"""The two criteria of "looks the same" a level can be judged by.

- ``paper``: the VP-JND paper's, MCL-JCI's first JND (viewers shown the pair on a TV at a normal
  distance; lenient: the chosen JPEGs score butteraugli about 1.7).
- ``strict``: no visible difference for a careful viewer at 1:1 on a desktop display, side by side,
  anchored to SSIMULACRA2's reading of 90 (fitted to the CID22 study).

Each criterion has its own network file (its header names the criterion it was trained on) and
its own default chroma (``--chroma auto``): 4:2:0 chroma alone keeps many pictures visibly apart
at any quality for a careful viewer, so ``strict`` searches the 4:4:4 rungs beside the 4:2:0 ones;
``paper`` searches 4:2:0 and turns to the 4:4:4 rungs only when no 4:2:0 level passes.
"""

from __future__ import annotations

CRITERIA = ("paper", "strict")
DEFAULT_CHROMA = {"paper": "420", "strict": "both"}
