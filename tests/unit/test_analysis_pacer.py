"""The analysis pacer: as many analysed frames as the mirror can spare, between a floor and a cap."""

from __future__ import annotations

from kiosk.analysis.pacer import Pacer, PacerSettings


class Mirror:
    """What the paint probe would say: painted frames per second."""

    def __init__(self, painted: float) -> None:
        self.painted = painted

    def __call__(self) -> float:
        return self.painted


def run(pacer: Pacer, mirror: Mirror, periods: int, camera_fps: float = 30.0, start: float = 0.0,
        painting=None) -> list[float]:
    """Step the pacer through ``periods`` periods; ``painting(rate)`` sets the mirror's painted fps."""
    rates = []
    now, captured = start, 0
    pacer.update(now, captured)
    for _ in range(periods):
        now += pacer.settings.period_s
        captured += int(camera_fps * pacer.settings.period_s)
        if painting is not None:
            mirror.painted = painting(pacer.rate())
        rates.append(pacer.update(now, captured))
    return rates


def test_without_a_window_it_analyses_at_the_cap():
    pacer = Pacer(PacerSettings(max_fps=12, min_fps=2))
    assert pacer.rate() == 12
    assert pacer.update(0.0, 0) == 12 and pacer.update(10.0, 300) == 12


def test_a_smooth_mirror_lets_the_rate_climb_to_the_cap():
    pacer = Pacer(PacerSettings(max_fps=10, min_fps=2, step_fps=1))
    mirror = Mirror(29.9)
    pacer.watch(mirror)
    assert pacer.rate() == 2  # it starts at the floor, learning what a smooth mirror paints
    rates = run(pacer, mirror, 12)
    assert rates[:3] == [3, 4, 5] and rates[-1] == 10
    assert pacer.ratio is not None and pacer.ratio > 0.99


def test_it_backs_off_when_painting_suffers_and_settles_where_the_mirror_is_smooth():
    pacer = Pacer(PacerSettings(max_fps=15, min_fps=2))
    mirror = Mirror(30.0)
    pacer.watch(mirror)

    def painting(rate: float) -> float:
        # A machine whose mirror starts losing frames beyond 6 analysed frames a second.
        return 30.0 if rate <= 6 else 30.0 - 2.0 * (rate - 6)

    rates = run(pacer, mirror, 60, painting=painting)
    tail = rates[-30:]
    # A sawtooth around what the mirror can spare: it probes one step past it, then backs off.
    assert sum(painting(r) for r in tail) / len(tail) >= 0.95 * 30.0
    assert sum(tail) / len(tail) >= 4.5
    assert max(tail) < 8.0
    assert any(b < a for a, b in zip(rates, rates[1:]))


def test_a_cost_that_grows_a_little_with_each_step_is_noticed():
    """Each analysed frame a second above 5 costs the mirror 1.2 % of its frames: no step alone looks
    like a loss, yet the rate must not climb while the mirror paints ever fewer."""
    pacer = Pacer(PacerSettings(max_fps=15, min_fps=5))
    mirror = Mirror(30.0)
    pacer.watch(mirror)

    def painting(rate: float) -> float:
        return 30.0 * (1.0 - 0.012 * max(0.0, rate - 5.0))

    rates = run(pacer, mirror, 120, painting=painting)
    tail = rates[-60:]
    assert min(painting(r) for r in tail) >= 0.96 * 30.0, "never below 0.96 of what the mirror paints unhurt"
    assert max(tail) <= 8.0 and min(tail) >= 5.0


def test_a_machine_that_gets_busier_is_the_new_standard_once_the_analysis_is_at_its_floor():
    pacer = Pacer(PacerSettings(max_fps=15, min_fps=2))
    mirror = Mirror(30.0)
    pacer.watch(mirror)
    run(pacer, mirror, 10)
    mirror.painted = 25.0  # another load took a sixth of the frames, whatever the analysis does
    rates = run(pacer, mirror, 60, start=100.0)
    assert rates[-1] > 4, "at the floor the best sinks to the busier machine's, and the rate climbs again"


def test_it_never_goes_below_the_floor():
    pacer = Pacer(PacerSettings(max_fps=15, min_fps=2.5))
    mirror = Mirror(30.0)
    pacer.watch(mirror)
    run(pacer, mirror, 3)
    mirror.painted = 12.0  # something else overloads the machine
    rates = run(pacer, mirror, 8, start=100.0)
    assert min(rates) == 2.5


def test_a_mirror_that_never_paints_every_camera_frame_is_its_own_standard():
    # A 60 fps camera on a screen that paints 30: the ratio is 0.5 whatever the analysis does.
    pacer = Pacer(PacerSettings(max_fps=10, min_fps=2))
    mirror = Mirror(30.0)
    pacer.watch(mirror)
    rates = run(pacer, mirror, 12, camera_fps=60.0)
    assert rates[-1] == 10


def test_nothing_painted_means_nothing_to_protect_and_the_paced_rate_comes_back():
    pacer = Pacer(PacerSettings(max_fps=15, min_fps=2))
    mirror = Mirror(30.0)
    pacer.watch(mirror)
    paced = run(pacer, mirror, 3)[-1]
    assert paced == 5
    mirror.painted = 0.0  # the screen sleeps or shows a replay
    assert run(pacer, mirror, 2, start=100.0)[-1] == 15
    mirror.painted = 30.0  # the live picture is back: from the paced rate, not the cap
    assert run(pacer, mirror, 1, start=200.0)[-1] == paced + 1
