"""The model registry: imports every domain's models so that ``Base.metadata`` knows all
tables (for Alembic and for the schema-drift test). Add one line per domain.

It sits above the domains (each domain's models import ``cxm.store.base``), so the store
does not import the domains: ``cxm.store.models`` re-exports this module for code written
before it moved, and Alembic's environment reads :data:`metadata` from here.
"""

from __future__ import annotations

from cxm import ops_models  # noqa: F401  (jobs, journey, service levels, consent, channels)
from cxm.accounts import login_models
from cxm.accounts import models as accounts_models
from cxm.audit import models as audit_models
from cxm.cases import models as cases_models
from cxm.customers import models as customers_models
from cxm.customers.importing import models as importing_models
from cxm.management import computed as computed_models
from cxm.management import models as management_models
from cxm.org import models as org_models
from cxm.people import models as people_models
from cxm.privacy import models as privacy_models
from cxm.report_cache import models as report_cache_models
from cxm.segments import models as segments_models
from cxm.standards import models as standards_models
from cxm.store.base import Base
from cxm.surveys import models as surveys_models
from cxm.text import models as text_models

__all__ = ["Base", "metadata"]

metadata = Base.metadata
_ = (customers_models, accounts_models, surveys_models, management_models)
_domains = (org_models, audit_models, cases_models)
_hardening = (login_models, privacy_models)
_files = (importing_models,)
_standards = (standards_models,)
_text = (text_models,)
_people = (people_models,)
_reports = (report_cache_models,)
_scale = (computed_models,)
_segments = (segments_models,)
