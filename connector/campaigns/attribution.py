"""Which campaigns, sources and reps brought registrations and links.

Pure: counted from `InviteUse` rows (an invite, whether someone registered with it,
and when that customer's link was made). A customer who registered with an invite
counts for it even when the link came from another strategy afterwards; a link
counts for the invite only once linked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from connector.campaigns.activity import InviteUse

NO_REP = "(none)"


@dataclass(frozen=True, slots=True)
class Tally:
    """Invites issued, registrations with them, and links that followed."""

    key: str
    invites: int
    registrations: int
    links: int


@dataclass(frozen=True, slots=True)
class RepScore:
    """A rep's links in one month."""

    rep: str
    links: int


@dataclass(frozen=True, slots=True)
class Attribution:
    """Tallies per campaign, per source and per rep, and the monthly leaderboard
    (month "YYYY-MM" -> reps by links, most first)."""

    campaigns: tuple[Tally, ...]
    sources: tuple[Tally, ...]
    reps: tuple[Tally, ...]
    leaderboard: dict[str, tuple[RepScore, ...]]


def attribution(uses: Sequence[InviteUse]) -> Attribution:
    """Every tally and the leaderboard from the invites' uses."""
    return Attribution(
        campaigns=_tallies(uses, lambda u: u.campaign),
        sources=_tallies(uses, lambda u: u.source),
        reps=_tallies(uses, lambda u: u.rep or NO_REP),
        leaderboard=rep_leaderboard(uses),
    )


def rep_leaderboard(uses: Iterable[InviteUse]) -> dict[str, tuple[RepScore, ...]]:
    """Per month of linking, each rep's links, most first (ties by rep code)."""
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for use in uses:
        if use.linked_at is not None:
            months[f"{use.linked_at:%Y-%m}"][use.rep or NO_REP] += 1

    return {
        month: tuple(
            RepScore(rep, links)
            for rep, links in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        for month, counts in sorted(months.items())
    }


def _tallies(
    uses: Iterable[InviteUse], key: Callable[[InviteUse], str]
) -> tuple[Tally, ...]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for use in uses:
        tally = counts[key(use)]
        tally[0] += 1
        tally[1] += use.registered
        tally[2] += use.linked_at is not None

    return tuple(Tally(k, *v) for k, v in sorted(counts.items()))
