import pytest

from stromzaehler.light import NoLight, lit, open_light


def test_without_gpio_the_light_does_nothing():
    light = open_light(32)
    assert light.name.startswith("none")
    light.set(True)
    light.set(False)
    light.close()


def test_disabled_light():
    assert open_light(None).name == "none (disabled in settings)"
    assert open_light(32, enabled=False).name == "none (disabled in settings)"


def test_light_is_on_only_while_capturing_even_when_capture_fails():
    light = NoLight("test")
    states = []
    with lit(light):
        states.append(light.is_on)
    assert states == [True] and not light.is_on
    with pytest.raises(RuntimeError), lit(light):
        raise RuntimeError("camera gone")
    assert not light.is_on
