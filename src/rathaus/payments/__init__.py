"""Payments: provider interface (XBezahldienste), pay by invoice, the payment pages."""
