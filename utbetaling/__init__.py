"""Payments (utbetaling): invoices, internal bookings, reallocation and repayment."""
