"""Consumption, load profile, CSV export and counter events (manual reading, meter change,
correction) over HTTP. Routes parse, call one analytics function and format."""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator

from ..analytics import aggregate, events
from ..analytics.export import consumption_csv, consumption_json
from ..analytics.periods import RESOLUTIONS, RangeError
from ..analytics.query import DEFAULT_SPAN_S, PROFILE_DEFAULT_SPAN_S, QueryContext
from ..config import Settings
from ..store import Store
from ..store.counters import CounterStore
from .deps import get_settings, get_store, require_reader, require_user
from .params import parse_range, parse_time

router = APIRouter(prefix="/api", tags=["consumption"])

def _context(settings: Settings) -> QueryContext:
    return QueryContext.for_settings(settings)


def _consumption(store: Store, settings: Settings, resolution: str, from_: str | None,
                 to: str | None):
    if resolution not in RESOLUTIONS:
        raise HTTPException(422, f"resolution={resolution!r}: expected one of "
                                 f"{', '.join(RESOLUTIONS)}")
    ctx = _context(settings)
    from_utc, to_utc = parse_range(ctx, from_, to, DEFAULT_SPAN_S[resolution])
    try:
        return aggregate.consumption(CounterStore(store), resolution, from_utc, to_utc,
                                     ctx.zone, ctx.model)
    except RangeError as error:
        raise HTTPException(422, str(error)) from None


ResolutionParam = Query("day", description="year | month | day | hour | 15min | minute")
FromParam = Query(None, alias="from", description="ISO 8601 date or datetime, or epoch seconds")
ToParam = Query(None, description="ISO 8601 date or datetime, or epoch seconds (exclusive)")


@router.get("/consumption", dependencies=[Depends(require_reader)])
def consumption(
    resolution: str = ResolutionParam,
    from_: str | None = FromParam,
    to: str | None = ToParam,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Energy per local period: counter at the end minus counter at the start, with quality
    measured | estimated (inside a long gap) | missing (kwh null). Where disc revolutions are
    stored for the range, each bucket also has source disc | mixed | counter: whether the
    disc's revolutions shaped it between the counter's steps (totals stay the counter's)."""
    result = _consumption(store, settings, resolution, from_, to)
    # Written directly: FastAPI's generic encoder would take longer than the query itself.
    return Response(consumption_json(result), media_type="application/json")


@router.get("/export.csv", dependencies=[Depends(require_reader)],
            responses={200: {"content": {"text/csv": {}}}})
def export_csv(
    resolution: str = ResolutionParam,
    from_: str | None = FromParam,
    to: str | None = ToParam,
    sep: str = Query(",", description="',' or ';' or 'tab' (';' with decimal=',' for German "
                                      "spreadsheets)"),
    decimal: str = Query(".", description="'.' or ','"),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    result = _consumption(store, settings, resolution, from_, to)
    try:
        text = consumption_csv(result, sep, decimal)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    filename = f"consumption-{resolution}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/profile", dependencies=[Depends(require_reader)])
def profile(
    from_: str | None = FromParam,
    to: str | None = ToParam,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Base load, mean and peak power, day profiles per season, day x hour heatmap, projected
    year, previous period and the BDEW household profile (H25) scaled to the same energy."""
    ctx = _context(settings)
    from_utc, to_utc = parse_range(ctx, from_, to, PROFILE_DEFAULT_SPAN_S)
    try:
        result = aggregate.profile(CounterStore(store), from_utc, to_utc, ctx.zone,
                                   ctx.model)
    except RangeError as error:
        raise HTTPException(422, str(error)) from None
    return Response(json.dumps(result), media_type="application/json")


# counter events (changes: login and CSRF token required)


# Far beyond any roller counter (12 rollers), far within SQLite's 64-bit integers.
MAX_COUNTER_WH = 10**15
MAX_COUNTER_KWH = MAX_COUNTER_WH / 1000


class _Counter(BaseModel):
    """A counter value as Wh (integer) or kWh as shown on the rollers; exactly one of them."""

    counter_wh: int | None = Field(None, ge=0, le=MAX_COUNTER_WH)
    counter_kwh: float | None = Field(None, ge=0, le=MAX_COUNTER_KWH, allow_inf_nan=False)

    def wh(self, name: str = "counter") -> int:
        if (self.counter_wh is None) == (self.counter_kwh is None):
            raise HTTPException(422, f"give the {name} as counter_wh or counter_kwh (one of them)")
        return self.counter_wh if self.counter_wh is not None else round(self.counter_kwh * 1000)


class ManualReading(_Counter):
    time: str = Field(description="ISO 8601 or epoch seconds; local time without offset")
    force: bool = Field(False, description="store even if it does not fit the readings around")


class Correction(BaseModel):
    time: str = Field(description="exact time of the stored reading to correct")
    counter_wh: int | None = Field(None, ge=0, le=MAX_COUNTER_WH)
    counter_kwh: float | None = Field(None, ge=0, le=MAX_COUNTER_KWH, allow_inf_nan=False)
    void: bool = Field(False, description="true: ignore the reading instead of correcting it")
    note: str | None = Field(None, max_length=500)
    force: bool = Field(False, description="store even if the counter would run backwards")

    @model_validator(mode="after")
    def _one_value(self) -> Correction:
        given = (self.counter_wh is not None) + (self.counter_kwh is not None) + self.void
        if given != 1:
            raise ValueError("give exactly one of counter_wh, counter_kwh or void=true")
        return self


class Replacement(BaseModel):
    time: str = Field(description="when the new meter took over")
    old_end_kwh: float = Field(
        ge=0, le=MAX_COUNTER_KWH, allow_inf_nan=False, description="last value of the old meter"
    )
    new_start_kwh: float = Field(
        ge=0, le=MAX_COUNTER_KWH, allow_inf_nan=False, description="first value of the new meter"
    )
    note: str | None = Field(None, max_length=500)
    force: bool = Field(False, description="store even if a meter would run backwards")


def _instant(text: str, ctx: QueryContext) -> int:
    return parse_time(ctx, text)


def _event_error(error: events.EventError) -> HTTPException:
    return HTTPException(422, str(error))


@router.post("/counter/manual", dependencies=[Depends(require_user)])
def manual_reading(
    body: ManualReading,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    ctx = _context(settings)
    t_utc = _instant(body.time, ctx)
    try:
        reading_id = events.add_manual_reading(CounterStore(store), store, t_utc, body.wh(),
                                               int(time.time()), ctx.limits, force=body.force)
    except events.EventError as error:
        raise _event_error(error) from None
    return {"id": reading_id, "t_utc": t_utc, "counter_wh": body.wh(), "source": "manual"}


@router.post("/counter/replacement", dependencies=[Depends(require_user)])
def meter_replacement(
    body: Replacement,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    ctx = _context(settings)
    t_utc = _instant(body.time, ctx)
    old_wh, new_wh = round(body.old_end_kwh * 1000), round(body.new_start_kwh * 1000)
    try:
        events.replace_meter(CounterStore(store), t_utc, old_wh, new_wh, int(time.time()),
                             ctx.limits, body.note, force=body.force)
    except events.EventError as error:
        raise _event_error(error) from None
    return {"t_utc": t_utc, "old_end_wh": old_wh, "new_start_wh": new_wh}


@router.post("/counter/correction", dependencies=[Depends(require_user)])
def correction(
    body: Correction,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    ctx = _context(settings)
    t_utc = _instant(body.time, ctx)
    value: int | None = None
    if not body.void:
        value = body.counter_wh if body.counter_wh is not None else round(body.counter_kwh * 1000)
    try:
        previous = events.correct_reading(CounterStore(store), t_utc, value, int(time.time()),
                                          ctx.limits, body.note, force=body.force)
    except events.EventError as error:
        raise _event_error(error) from None
    return {"t_utc": t_utc, "stored_wh": previous, "corrected_wh": value, "void": body.void}


@router.get("/counter/events", dependencies=[Depends(require_reader)])
def counter_events(store: Store = Depends(get_store)) -> dict:
    counters = CounterStore(store)
    return {
        "replacements": [
            {"t_utc": r.t_utc, "old_end_wh": r.old_end_wh, "new_start_wh": r.new_start_wh,
             "note": r.note}
            for r in counters.replacements()
        ],
        "corrections": [
            {"t_utc": c.t_utc, "counter_wh": c.counter_wh, "void": c.counter_wh is None,
             "note": c.note}
            for c in counters.corrections()
        ],
    }

