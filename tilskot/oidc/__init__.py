"""allauth's OpenID Connect URLs and views with our adapter (``tilskot.identity``): allauth's
own callback view names its adapter class directly, so the provider class points here."""
