"""`erplink report`: the funnel and attribution as terminal tables and a chart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from connector.campaigns.attribution import Attribution, Tally
from connector.campaigns.funnel import Funnel, FunnelMonth, GoalStatus

GOAL_TITLES = {
    "registered": "active accounts registered",
    "monthly_login": "registered accounts logging in monthly",
    "digital_order": "registered accounts with a digital order",
}


def render_report(funnel: Funnel, attribution: Attribution) -> str:
    """The whole report as plain text."""
    parts = [
        f"Adoption funnel since {funnel.launch.isoformat()}",
        _table(
            [
                "month",
                "until",
                "active",
                "registered",
                "logged in",
                "30 days",
                "ordered",
                "reg. %",
                "login %",
                "order %",
            ],  # fmt: skip
            [_month_row(m) for m in funnel.months],
        ),
        "",
        "Goals",
        *(_goal_line(g) for g in funnel.goals),
    ]
    if funnel.unavailable:
        parts += ["", "Cannot be computed"]
        parts += [f"  {name}: {why}" for name, why in funnel.unavailable.items()]
    parts += ["", *_tallies("campaign", attribution.campaigns)]
    parts += ["", *_tallies("source", attribution.sources)]
    parts += ["", *_tallies("rep", attribution.reps)]
    parts += ["", "Rep leaderboard (links per month)"]
    for month, scores in attribution.leaderboard.items():
        ranked = ", ".join(f"{s.rep} {s.links}" for s in scores)
        parts.append(f"  {month}: {ranked}")
    if not attribution.leaderboard:
        parts.append("  no links from invites yet")
    return "\n".join(parts)


def write_chart(funnel: Funnel, path: Path) -> Path:
    """The three goal shares by month with their goal ramps; SVG or PNG by suffix."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    from matplotlib import pyplot

    months = [m.month for m in funnel.months]
    horizon = list(range(1, max(12, months[-1]) + 1))
    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    for status, colour in zip(funnel.goals, ("C0", "C1", "C2"), strict=True):
        goal = status.goal
        shares = [m.shares()[goal.name] for m in funnel.months]
        if all(s is not None for s in shares):
            axes.plot(months, [100 * (s or 0) for s in shares], "o-", color=colour,
                      label=GOAL_TITLES[goal.name])  # fmt: skip
        ramp = [100 * goal.expected(m) for m in horizon]
        axes.plot(horizon, ramp, "--", color=colour, alpha=0.5)
        axes.plot([goal.by_month], [100 * goal.share], "*", color=colour, ms=12)
    axes.set_xticks(horizon)
    axes.set_ylim(0, 100)
    axes.set_xlabel("month since launch")
    axes.set_ylabel("%")
    axes.set_title(
        f"Adoption since {funnel.launch.isoformat()} (dashed: goal ramps, stars: goals)"
    )
    axes.legend(loc="upper left")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)
    return path


def _month_row(month: FunnelMonth) -> list[str]:
    shares = month.shares()
    return [
        str(month.month),
        month.ends.isoformat(),
        "?" if month.active is None else str(month.active),
        str(month.registered),
        str(month.logged_in_ever),
        str(month.logged_in_recently),
        str(month.ordered),
        *(
            _percent(shares[k])
            for k in ("registered", "monthly_login", "digital_order")
        ),
    ]


def _goal_line(status: GoalStatus) -> str:
    goal = status.goal
    title = GOAL_TITLES[goal.name]
    target = f"{goal.share:.0%} of {title} by month {goal.by_month}"
    if status.on_track is None:
        return f"  {target}: cannot be computed"
    verdict = "on track" if status.on_track else "behind"
    return (
        f"  {target}: {_percent(status.share)} now, {status.expected:.1%} expected "
        f"- {verdict}"
    )


def _tallies(title: str, tallies: Sequence[Tally]) -> list[str]:
    rows = [
        [t.key, str(t.invites), str(t.registrations), str(t.links)] for t in tallies
    ]
    if not rows:
        return [f"By {title}: no invites yet"]
    return [f"By {title}", _table([title, "invites", "registered", "linked"], rows)]


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in
             [header, ["-" * w for w in widths], *rows]]  # fmt: skip
    return "\n".join("  " + line for line in lines)


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.1%}"
