"""Customer statements: open invoices, payments, and the balance aged by days overdue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ledger.invoice import Invoice
from ledger.money import format_amount

#: The aging buckets: the last day overdue each one holds (inclusive), then everything later.
AGING_LIMITS = (0, 30, 60, 90)
AGING_LABELS = ("current", "1-30", "31-60", "61-90", "90+")


@dataclass
class Entry:
    """An invoice on a customer's account: when it is due and how much of it is paid."""

    invoice: Invoice
    due: date
    paid: int = 0

    @property
    def balance(self) -> int:
        """What is still owed on the invoice, in cents."""
        return self.invoice.total() - self.paid


def aging_bucket(days_overdue: int) -> str:
    """The aging bucket of an invoice ``days_overdue`` days past due (0 or less: current)."""
    for limit, label in zip(AGING_LIMITS, AGING_LABELS, strict=False):
        if days_overdue <= limit:
            return label
    return AGING_LABELS[-1]


def aging(entries: Sequence[Entry], today: date) -> dict[str, int]:
    """The open balance in each aging bucket, every bucket present."""
    buckets = dict.fromkeys(AGING_LABELS, 0)
    for entry in entries:
        if entry.balance > 0:
            buckets[aging_bucket((today - entry.due).days)] += entry.balance
    return buckets


def apply_payment(entries: Sequence[Entry], cents: int) -> int:
    """Pay off the open invoices oldest first with ``cents``; returns what is left unapplied."""
    for entry in sorted(entries, key=lambda e: (e.due, e.invoice.number)):
        if cents <= 0:
            break
        applied = min(cents, entry.balance)
        if applied > 0:
            entry.paid += applied
            cents -= applied
    return cents


def render(customer: str, entries: Sequence[Entry], today: date) -> str:
    """A plain-text statement: the open invoices oldest first, the aging and the balance due."""
    rows = [f"Statement for {customer} on {today.isoformat()}"]
    for entry in sorted(entries, key=lambda e: (e.due, e.invoice.number)):
        if entry.balance > 0:
            amount = format_amount(entry.balance)
            rows.append(f"{entry.invoice.number:<12}due {entry.due.isoformat()}{amount:>14}")
    buckets = aging(entries, today)
    rows.append("  ".join(f"{label}: {format_amount(cents)}" for label, cents in buckets.items()))
    rows.append(f"Balance due: {format_amount(sum(buckets.values()))}")
    return "\n".join(rows)
