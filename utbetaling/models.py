# The models of this stage arrive with its issue; every one of them is tenant-owned and gets a
# django-scopes ScopedManager (tests/test_tenancy.py fails for a model without one).
