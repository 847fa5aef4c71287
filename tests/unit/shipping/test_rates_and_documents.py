from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordercore import Address, Money
from ordercore.errors import NotFound, ValidationError
from ordercore.shipping.builtin_carriers import RateRow, RateTable, TableRateCarrier
from ordercore.shipping.carriers import Parcel, Place, Rate, RateRequest
from ordercore.shipping.documents import DeliveryNote, DocumentLine, PickList
from ordercore.shipping.eta import BusinessCalendar
from ordercore.shipping.rates import RateChoice, choose_rate

MON = date(2025, 3, 3)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


RATES = [
    Rate("acme", "ground", eur("4.00"), 4, date(2025, 3, 7)),
    Rate("table-rate", "standard", eur("5.00"), 3, date(2025, 3, 6)),
    Rate("acme", "air", eur("9.00"), 1, date(2025, 3, 4)),
]


def test_rate_shopping_picks_cheapest_fastest_or_cheapest_by_date() -> None:
    assert choose_rate(RATES, RateChoice.CHEAPEST, ship_on=MON).service == "ground"
    assert choose_rate(RATES, RateChoice.FASTEST, ship_on=MON).service == "air"
    by_thursday = choose_rate(
        RATES, RateChoice.CHEAPEST_BY_DATE, ship_on=MON, deliver_by=date(2025, 3, 6)
    )
    assert by_thursday.service == "standard"
    with pytest.raises(NotFound):
        choose_rate(RATES, RateChoice.CHEAPEST_BY_DATE, ship_on=MON, deliver_by=MON)
    with pytest.raises(ValidationError) as raised:
        choose_rate(RATES, RateChoice.CHEAPEST_BY_DATE, ship_on=MON)
    assert raised.value.field == "deliver_by"


def test_rate_shopping_does_not_depend_on_the_order_of_the_quotes() -> None:
    for choice in (RateChoice.CHEAPEST, RateChoice.FASTEST):
        assert choose_rate(RATES, choice, ship_on=MON) == choose_rate(
            reversed(RATES), choice, ship_on=MON
        )


def test_quotes_in_two_currencies_are_refused() -> None:
    mixed = [*RATES, Rate("x", "y", Money.of("1", "USD"), 1)]
    with pytest.raises(ValidationError):
        choose_rate(mixed, RateChoice.CHEAPEST, ship_on=MON)


TABLE = RateTable(
    rows=(
        RateRow("standard", "domestic", Decimal("2"), eur("4.90")),
        RateRow("standard", "domestic", Decimal("10"), eur("6.90")),
        RateRow("standard", "eu", Decimal("10"), eur("11.90")),
        RateRow("express", "domestic", Decimal("5"), eur("12.90")),
    ),
    zones={"DE": "domestic", "FR": "eu", "AT": "eu"},
    transit_days={"standard": 3, "express": 1},
    calendar=BusinessCalendar(holidays={date(2025, 3, 4)}),
)


def request(weight: str, country: str) -> RateRequest:
    return RateRequest(Place("DE"), Place(country), (Parcel(Decimal(weight)),), MON, "EUR")


def test_the_rate_table_takes_the_smallest_weight_band_that_fits() -> None:
    rates = {r.service: r for r in TableRateCarrier(TABLE).rates(request("1.5", "DE"))}
    assert rates["standard"].amount == eur("4.90")
    assert rates["express"].amount == eur("12.90")
    heavier = {r.service: r.amount for r in TableRateCarrier(TABLE).rates(request("6", "DE"))}
    assert heavier == {"standard": eur("6.90")}


def test_the_rate_table_dates_count_business_days_and_holidays() -> None:
    rates = {r.service: r for r in TableRateCarrier(TABLE).rates(request("1", "DE"))}
    assert rates["express"].deliver_on == date(2025, 3, 5)  # Tuesday is a holiday
    assert rates["standard"].deliver_on == date(2025, 3, 7)


def test_an_unserved_country_or_weight_gets_no_quote() -> None:
    assert TableRateCarrier(TABLE).rates(request("1", "US")) == []
    assert TableRateCarrier(TABLE).rates(request("11", "DE")) == []


def test_a_row_without_transit_days_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        RateTable(rows=(RateRow("sea", "eu", Decimal("1"), eur("1")),), transit_days={})
    assert raised.value.field == "rows[0].service"


NOTE = DeliveryNote(
    order_number="SO-000007",
    shipment_id="shp_1",
    ship_to=Address("Grace <Hopper>", "1 Navy Way", "Arlington", "US", "22201"),
    carrier="acme",
    service="ground",
    tracking_number="ACME|1",
    lines=(DocumentLine("L1", "SKU-1", "Mug & saucer", 2),),
    ordered_units=3,
)


def test_a_delivery_note_renders_to_text_markdown_and_html() -> None:
    text = NOTE.to_text()
    assert "Grace <Hopper>" in text
    assert "1 more sent separately" in text
    assert "   2  SKU-1  Mug & saucer" in text
    markdown = NOTE.to_markdown()
    assert "| 2 | SKU-1 | Mug & saucer |" in markdown
    assert "ACME\\|1" in markdown
    html = NOTE.to_html()
    assert "Grace &lt;Hopper&gt;" in html
    assert "Mug &amp; saucer" in html
    assert "<Hopper>" not in html


def test_the_address_stays_out_of_the_repr() -> None:
    assert "Hopper" not in repr(NOTE)


def test_a_pick_list_renders_its_location_and_lines() -> None:
    picks = PickList("BER", "SO-000007", "shp_1", NOTE.lines)
    assert "Location: BER" in picks.to_text()
    assert "| 2 | SKU-1 | Mug & saucer |" in picks.to_markdown()
    assert "<dd>BER</dd>" in picks.to_html()
