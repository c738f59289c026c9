from progress import bar, percent


def test_bar_always_has_its_width() -> None:
    for done in range(-20, 40):
        assert len(bar(done, 20, width=8)) == 10


def test_percent_stays_in_range() -> None:
    assert percent(-1, 4) == 0
    assert percent(9, 4) == 100
    assert percent(2, 4) == 50
