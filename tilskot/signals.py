"""Signals the core sends, for the stages to act on (the core imports no stage).

``identity_verified``: a person has logged in through an identity provider that vouches for who
they are. Sent with

- ``user``: the person (``tilskot.models.User``);
- ``provider``: ``"idporten"`` or ``"ansattporten"``;
- ``organisation_numbers``: ``list[str]``, the nine-digit organisation numbers Ansattporten's
  ``authorization_details`` name the person as acting for (empty from ID-porten);
- ``acr``: the level of assurance the provider reports (e.g. ``"idporten-loa-high"``).

The applications stage confirms the person as signer for each member organisation with one of
those numbers (``soknad.representation.identity_verified_receive``).
"""

from __future__ import annotations

import django.dispatch

identity_verified = django.dispatch.Signal()
