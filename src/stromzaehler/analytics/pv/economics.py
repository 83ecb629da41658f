"""Savings and simple payback of a PV (+ battery) system against buying all electricity.

Defaults, each with its source and date (override them with the inputs):

- price 0.397 EUR/kWh: BDEW-Strompreisanalyse, average household price 2025 for 3,500 kWh/a
  (39.7 ct/kWh; reported 2025).
- feed-in tariff 0.0786 EUR/kWh: EEG 2023, section 49 degression, partial feed-in up to 10 kWp
  for systems commissioned 1 Aug 2025 - 31 Jan 2026 (7.86 ct/kWh, Bundesnetzagentur).
- 1,500 EUR per kWp installed: middle of the 1,000-1,800 EUR/kWp range installers quote for
  2025 (1KOMMA5°, "Kosten PV-Anlage pro kWp", 2025).
- 500 EUR per kWh of usable battery: installer price tables 2025 (raiffeisenvolt.de, "Kosten
  einer Photovoltaik-Anlage pro kWp für 2025": 5 kWh about 2,600-2,800 EUR, each further 5 kWh
  2,000 EUR).
- price increase 0 %/a: the BDEW household price fell from 2023 to 2025, so no trend is
  assumed; a rise shortens the payback.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PRICE_EUR_KWH = 0.397
DEFAULT_FEED_IN_EUR_KWH = 0.0786
DEFAULT_COST_PER_KWP_EUR = 1500.0
DEFAULT_COST_PER_KWH_EUR = 500.0
DEFAULT_PRICE_INCREASE = 0.0
MAX_PAYBACK_YEARS = 50


@dataclass(frozen=True)
class Prices:
    price_eur_kwh: float = DEFAULT_PRICE_EUR_KWH
    feed_in_eur_kwh: float = DEFAULT_FEED_IN_EUR_KWH
    cost_per_kwp_eur: float = DEFAULT_COST_PER_KWP_EUR
    cost_per_kwh_eur: float = DEFAULT_COST_PER_KWH_EUR
    price_increase: float = DEFAULT_PRICE_INCREASE  # per year, 0.02 = 2 %

    def __post_init__(self) -> None:
        for name in ("price_eur_kwh", "feed_in_eur_kwh", "cost_per_kwp_eur",
                     "cost_per_kwh_eur"):
            value = getattr(self, name)
            if not 0 <= value < 1e6:
                raise ValueError(f"{name.replace('_', ' ')} must be 0 or more, not {value}")
        if not -0.5 < self.price_increase < 1:
            raise ValueError(f"the yearly price increase must lie between -50 % and 100 %, "
                             f"not {self.price_increase * 100:g} %")


def savings_eur(self_used_kwh: float, feed_in_kwh: float, prices: Prices) -> float:
    """First-year savings: the grid electricity not bought plus the feed-in payment."""
    return self_used_kwh * prices.price_eur_kwh + feed_in_kwh * prices.feed_in_eur_kwh


def investment_eur(kwp: float, battery_kwh: float, prices: Prices) -> float:
    return kwp * prices.cost_per_kwp_eur + battery_kwh * prices.cost_per_kwh_eur


def payback_years(investment: float, self_used_kwh: float, feed_in_kwh: float,
                  prices: Prices) -> float | None:
    """Years until the savings add up to the investment (the price of the self-used part
    grows by price_increase a year, the tariff is fixed for 20 years); None beyond 50 years."""
    if investment <= 0:
        return 0.0
    total = 0.0
    for year in range(MAX_PAYBACK_YEARS):
        price = prices.price_eur_kwh * (1 + prices.price_increase) ** year
        tariff = prices.feed_in_eur_kwh if year < 20 else 0.0
        saving = self_used_kwh * price + feed_in_kwh * tariff
        if saving > 0 and total + saving >= investment:
            return round(year + (investment - total) / saving, 2)
        total += saving
    return None
