"""Progress lines: the training stages' estimate of time left, and what they write where."""

import io

import pytest

from equalcare_nlp.core.progress import Stages


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_time_left_follows_the_time_the_stages_done_took_per_share():
    clock, out = Clock(), io.StringIO()
    stages = Stages(
        [("read", 1), ("fit", 3), ("save", 1)], stream=out, redraw=True, interval=3600, clock=clock
    )
    with stages:
        stages.stage("read")
        assert stages.done_fraction(clock.now) == 0.0  # nothing done yet to estimate from
        clock.now = 10.0
        stages.stage("fit")  # "read" took 10 s for a share of 0.2: 50 s the whole job
        assert stages.done_fraction(clock.now) == pytest.approx(0.2)
        clock.now = 25.0  # 15 s into a stage expected to take 30 s
        assert stages.done_fraction(clock.now) == pytest.approx(0.2 + 0.6 * 0.5)
        assert "stage 2 of 5" not in stages.line(clock.now)
        assert "stage 2 of 3: fit  0:25 so far, about 0:25 left" in stages.line(clock.now)
        clock.now = 400.0  # a stage running long is never counted as done
        assert stages.done_fraction(clock.now) == pytest.approx(0.2 + 0.6 * 0.95)
        stages.log("fitted")
    written = out.getvalue()
    assert "fitted\n" in written and written.endswith("\r\x1b[K")  # the line is erased at the end


def test_off_a_terminal_only_the_messages_are_written():
    out = io.StringIO()
    with Stages([("read", 1), ("fit", 1)], stream=out) as stages:  # StringIO is no terminal
        stages.stage("read")
        stages.log("reading 3 corpora")
        stages.stage("fit")
    assert out.getvalue() == "reading 3 corpora\n"


def test_stages_need_positive_shares():
    with pytest.raises(ValueError, match="positive share"):
        Stages([("read", 0)])
