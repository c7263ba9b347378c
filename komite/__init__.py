"""The committee (komité): conflicts of interest, scoring, recommendation and decision."""
