"""The filters every page, the CLI and every KPI share: period, segments, channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lib.store.schema import DIMENSIONS

# what a page or the CLI may break the KPIs down by: segment, channel, or a kept dimension
BREAKDOWNS: tuple[str, ...] = ("segment", "channel", *DIMENSIONS)


@dataclass(frozen=True)
class Filters:
    """Which records a KPI counts. None means no restriction.

    The period applies to the date that defines each KPI: close date for win rate and cycle,
    MQL date for MQL->SQL, creation date for pipeline created; open pipeline is as of the data.
    """

    start: date | None = None
    end: date | None = None
    segments: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None

    def params(self) -> dict[str, Any]:
        """Return the $-parameters every filtered query takes (lists are never empty)."""
        return {
            "start": self.start or date(1900, 1, 1),
            "end": self.end or date(2999, 12, 31),
            "all_segments": self.segments is None,
            "segments": list(self.segments or ("",)),
            "all_channels": self.channels is None,
            "channels": list(self.channels or ("",)),
        }
