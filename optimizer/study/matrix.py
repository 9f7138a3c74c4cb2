"""A sparse LP assembled by hand: column families, row blocks as triplets, one ``highspy.HighsLp``.

For an 8760-hour year this builds in under 0.1 s, where Pyomo spends longer building and handing
over the model than the solver spends solving it (docs/performance.md, "Compare"). Following
PyPSA / linopy, variables come in named families (:class:`Layout`) so the solution can be read back
by name, and each constraint family is one :class:`RowBlock` of (row, column, value) triplets.
Nothing here knows the year model (``greendc.optimizer.study.year_constraints``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

#: Infinite bound, as HiGHS spells it. [-]
INF = highspy.kHighsInf


@dataclass
class RowBlock:
    """A family of rows: bounds and the matrix entries as (row, column, value) triplets."""

    lower: np.ndarray
    upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray


@dataclass
class Layout:
    """Column slices of each variable family, so the solution can be read back by name."""

    slices: dict[str, slice] = field(default_factory=dict)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        name: str,
        n: int,
        lower: float | np.ndarray,
        upper: float | np.ndarray,
        cost: float | np.ndarray = 0.0,
    ) -> slice:
        """Append a family of n columns and return its slice."""
        cols = slice(self.size, self.size + n)
        self.slices[name] = cols
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)))
        self.size += n
        return cols

    def index(self, name: str) -> np.ndarray:
        """Column indices of a family. [-]"""
        s = self.slices[name]
        return np.arange(s.start, s.stop)


def per_step_block(
    t: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]], lower: np.ndarray, upper: np.ndarray
) -> RowBlock:
    """One row per step: each part adds (column_t, value_t) to row t."""
    return RowBlock(
        lower=np.asarray(lower, dtype=float),
        upper=np.asarray(upper, dtype=float),
        rows=np.concatenate([t for _ in parts]),
        cols=np.concatenate([np.asarray(c) for c, _ in parts]),
        vals=np.concatenate([np.asarray(v, dtype=float) for _, v in parts]),
    )


def stacked(blocks: list[RowBlock]) -> RowBlock:
    """One block of the given blocks' rows, one after another (each block's rows count from 0)."""
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    return RowBlock(
        lower=np.concatenate([b.lower for b in blocks]),
        upper=np.concatenate([b.upper for b in blocks]),
        rows=np.concatenate([b.rows + o for b, o in zip(blocks, offsets, strict=False)]),
        cols=np.concatenate([b.cols for b in blocks]),
        vals=np.concatenate([b.vals for b in blocks]),
    )


def highs_lp(lay: Layout, blocks: list[RowBlock]) -> highspy.HighsLp:
    """The columns and the stacked row blocks as a HiGHS column-wise model."""
    whole = stacked(blocks)
    n_rows = len(whole.lower)
    matrix = sp.csc_matrix((whole.vals, (whole.rows, whole.cols)), shape=(n_rows, lay.size))
    lp = highspy.HighsLp()
    lp.num_col_ = lay.size
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate(lay.cost)
    lp.col_lower_ = np.concatenate(lay.lower)
    lp.col_upper_ = np.concatenate(lay.upper)
    lp.row_lower_ = whole.lower
    lp.row_upper_ = whole.upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    return lp


def family_values(x: np.ndarray, lay: Layout, name: str, n: int) -> np.ndarray:
    """Values of a family, zeros when the family is absent from this model."""
    return x[lay.slices[name]].copy() if name in lay.slices else np.zeros(n)
