"""ledger: invoices, sales tax and customer statements, with every amount in integer cents."""

__version__ = "0.4.0"
