"""Recommend: read both sources once, cross-check them, rank candidates, advise on Alma.

`build_report` is the whole `recommend` run as a library call. Its parts:

- `options`: how a run treats populations, the IdP evidence and the optional inputs;
- `sides`: reading each source once, feeding every collector (profiles, cross-check index,
  login locators, snapshot, load rules, pre-flight and diff columns);
- `sis_match`: the SIS Match ID decision (pre-flighted against the users already in Alma);
- `login`: who logged in, whether the IdP releases each candidate's value, the Alma advice;
- `findings`: the run's own findings and their order;
- `report`: the recommendation chosen and the report assembled.

The rubric itself lives in `authprobe.analysis.scoring`; the Alma configuration advice in
`authprobe.analysis.advice`.
"""

from __future__ import annotations

from authprobe.analysis.recommend.options import Options
from authprobe.analysis.recommend.report import build_report, choose
from authprobe.analysis.scoring import MAX_ID_LENGTH, RUBRIC, WEIGHTS, rank_candidates

__all__ = [
    "MAX_ID_LENGTH",
    "RUBRIC",
    "WEIGHTS",
    "Options",
    "build_report",
    "choose",
    "rank_candidates",
]
