"""PV + battery planner on the measured load: weather, PV model, dispatch, economics, sweep."""
