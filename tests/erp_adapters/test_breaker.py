"""The circuit breaker's states, with a clock the tests move."""

from __future__ import annotations

from erp_adapters.breaker import BreakerState, CircuitBreaker, Ticket

from .fakes import FakeClock

CALL = Ticket(probe=False)


def opened(clock: FakeClock, threshold: int = 3) -> CircuitBreaker:
    breaker = CircuitBreaker(threshold, reset_s=30.0, probe_wait_s=2.0, clock=clock)
    for _ in range(threshold):
        breaker.failed(CALL)
    return breaker


def test_it_opens_after_the_threshold_of_consecutive_failures() -> None:
    # given
    clock = FakeClock()
    breaker = CircuitBreaker(3, reset_s=30.0, clock=clock)

    # when
    opened_by = [breaker.failed(CALL) for _ in range(3)]

    # then
    assert opened_by == [False, False, True]
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() is None
    assert breaker.wait_s() == 30.0


def test_a_success_between_failures_keeps_it_closed() -> None:
    # given
    breaker = CircuitBreaker(3, reset_s=30.0, clock=FakeClock())

    # when
    breaker.failed(CALL)
    breaker.failed(CALL)
    breaker.succeeded(CALL)
    breaker.failed(CALL)

    # then
    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 1
    assert breaker.admit() == CALL


def test_after_the_reset_time_exactly_one_probe_is_admitted() -> None:
    # given
    clock = FakeClock()
    breaker = opened(clock)
    clock.advance(29.9)
    before = breaker.admit()

    # when
    clock.advance(0.1)
    probe = breaker.admit()
    second = breaker.admit()

    # then
    assert before is None
    assert probe == Ticket(probe=True)
    assert second is None
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.wait_s() == 2.0


def test_a_successful_probe_closes_it() -> None:
    # given
    clock = FakeClock()
    breaker = opened(clock)
    clock.advance(30.0)
    probe = breaker.admit()
    assert probe is not None

    # when
    closed = breaker.succeeded(probe)

    # then
    assert closed is True
    assert breaker.state is BreakerState.CLOSED
    assert breaker.admit() == CALL


def test_a_failed_probe_opens_it_for_another_reset_time() -> None:
    # given
    clock = FakeClock()
    breaker = opened(clock)
    clock.advance(30.0)
    probe = breaker.admit()
    assert probe is not None

    # when
    reopened = breaker.failed(probe)

    # then
    assert reopened is True
    assert breaker.state is BreakerState.OPEN
    assert breaker.wait_s() == 30.0
    assert breaker.admit() is None


def test_an_abandoned_probe_lets_the_next_call_probe() -> None:
    # given
    clock = FakeClock()
    breaker = opened(clock)
    clock.advance(30.0)
    probe = breaker.admit()
    assert probe is not None

    # when
    breaker.abandoned(probe)
    next_probe = breaker.admit()

    # then
    assert next_probe == Ticket(probe=True)


def test_a_late_success_during_a_probe_does_not_close_it() -> None:
    # given: a call admitted while closed finishes while a probe is in flight
    clock = FakeClock()
    breaker = opened(clock)
    clock.advance(30.0)
    assert breaker.admit() == Ticket(probe=True)

    # when
    closed = breaker.succeeded(CALL)

    # then
    assert closed is False
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.admit() is None
