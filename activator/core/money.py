"""Currencies a budget may be given in, and rough rates to compare budgets across them.

The rates are reference values (late 2025, rounded) used only to place a budget in a size band
and to find comparable projects; amounts are always shown in their own currency.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# ISO 4217 code: (name, US dollars per unit)
CURRENCIES: dict[str, tuple[str, Decimal]] = {
    "USD": (_("US dollar"), Decimal("1")),
    "EUR": (_("Euro"), Decimal("1.16")),
    "GBP": (_("Pound sterling"), Decimal("1.32")),
    "KRW": (_("Korean won"), Decimal("0.00069")),
    "JPY": (_("Japanese yen"), Decimal("0.0065")),
    "CNY": (_("Chinese yuan"), Decimal("0.14")),
    "TWD": (_("New Taiwan dollar"), Decimal("0.032")),
    "IDR": (_("Indonesian rupiah"), Decimal("0.00006")),
    "PHP": (_("Philippine peso"), Decimal("0.017")),
    "VND": (_("Vietnamese dong"), Decimal("0.000038")),
    "INR": (_("Indian rupee"), Decimal("0.0113")),
    "NPR": (_("Nepalese rupee"), Decimal("0.0071")),
    "MNT": (_("Mongolian tugrik"), Decimal("0.00028")),
    "RUB": (_("Russian rouble"), Decimal("0.0125")),
    "TRY": (_("Turkish lira"), Decimal("0.024")),
    "AED": (_("UAE dirham"), Decimal("0.27")),
    "NGN": (_("Nigerian naira"), Decimal("0.00069")),
    "KES": (_("Kenyan shilling"), Decimal("0.0077")),
    "UGX": (_("Ugandan shilling"), Decimal("0.00029")),
    "ZAR": (_("South African rand"), Decimal("0.057")),
    "BRL": (_("Brazilian real"), Decimal("0.19")),
    "MXN": (_("Mexican peso"), Decimal("0.054")),
    "COP": (_("Colombian peso"), Decimal("0.00026")),
    "PYG": (_("Paraguayan guaraní"), Decimal("0.00014")),
}

CURRENCY_CHOICES = [(code, f"{code} – {name}") for code, (name, _rate) in CURRENCIES.items()]


def to_usd(amount: Decimal | None, currency: str) -> Decimal | None:
    if amount is None or currency not in CURRENCIES:
        return None
    return (amount * CURRENCIES[currency][1]).quantize(Decimal("1"))
