"""Applications (søknad): the applicant's journey from draft to submitted, and screening."""
