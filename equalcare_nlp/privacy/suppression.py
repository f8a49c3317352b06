"""Small-number suppression for published counts: minimum group size plus complementary suppression.

A count below the minimum is suppressed (primary suppression). When a table also publishes
the total of a line of counts (all groups; all periods of one group; all groups in one period),
a lone suppressed count could be worked out as total minus the shown counts. So, line by
line until nothing changes, the smallest shown non-zero count of a line is suppressed too
while that line has exactly one suppressed non-zero count, or suppressed counts summing to
less than the minimum. Zero counts are shown: they say nothing about anyone.

This is a heuristic (it stops exact recovery from any one published total, not every
combination of totals); the report publishes few enough totals for it to hold.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence


def suppress(
    counts: Mapping[Hashable, int],
    lines: Sequence[Sequence[Hashable]],
    min_size: int,
    forced: set[Hashable] = frozenset(),
) -> set[Hashable]:
    """The keys of ``counts`` to suppress.

    ``lines`` lists the groups of keys whose total is published; ``forced`` keys are suppressed
    whatever their count (e.g. the cells of a group that is itself suppressed).
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    hidden = {key for key, n in counts.items() if 0 < n < min_size} | set(forced)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_counts = [counts[key] for key in line if key in hidden and counts[key] > 0]
            if not hidden_counts or (len(hidden_counts) > 1 and sum(hidden_counts) >= min_size):
                continue
            shown = [key for key in line if key not in hidden and counts[key] > 0]
            if shown:
                hidden.add(min(shown, key=lambda key: (counts[key], str(key))))
                changed = True
    return hidden
