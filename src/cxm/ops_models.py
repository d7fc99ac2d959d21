"""The tables of the shared operations packages (jobs, journey, service levels, consent,
channels), imported together by :mod:`cxm.store.models`."""

from __future__ import annotations

from cxm.channels import models as channels_models
from cxm.consent import models as consent_models
from cxm.jobs import models as jobs_models
from cxm.journey import models as journey_models
from cxm.service_levels import models as service_levels_models

__all__ = [
    "channels_models",
    "consent_models",
    "jobs_models",
    "journey_models",
    "service_levels_models",
]
