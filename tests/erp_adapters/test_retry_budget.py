"""The process-wide retry budget: a burst, then a steady trickle."""

from __future__ import annotations

from erp_adapters.retry_budget import RetryBudget

from .fakes import FakeClock


def test_the_burst_is_spent_then_retries_are_refused() -> None:
    # given
    budget = RetryBudget(burst=3, per_s=1.0, clock=FakeClock())

    # when
    spent = [budget.try_spend() for _ in range(5)]

    # then
    assert spent == [True, True, True, False, False]
    assert budget.remaining == 0.0


def test_tokens_come_back_at_the_refill_rate_up_to_the_burst() -> None:
    # given
    clock = FakeClock()
    budget = RetryBudget(burst=2, per_s=0.5, clock=clock)
    budget.try_spend()
    budget.try_spend()

    # when
    clock.advance(2.0)
    one = [budget.try_spend(), budget.try_spend()]
    clock.advance(100.0)

    # then
    assert one == [True, False]
    assert budget.remaining == 2.0


def test_a_zero_budget_never_allows_a_retry() -> None:
    # given
    clock = FakeClock()
    budget = RetryBudget(burst=0, per_s=0, clock=clock)

    # when
    clock.advance(60.0)

    # then
    assert budget.try_spend() is False
