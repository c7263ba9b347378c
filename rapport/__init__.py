"""Final reports (sluttrapport): effect and learning points after the grant's period."""
