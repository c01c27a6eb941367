"""Small pieces every app shares: the domain error base, form widgets, safe redirects."""
