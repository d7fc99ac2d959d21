"""Imports every domain's models so that ``Base.metadata`` knows all tables (for
Alembic and for the schema-drift test). Add one line per domain."""

from __future__ import annotations

from cxm.accounts import models as accounts_models
from cxm.audit import models as audit_models
from cxm.customers import models as customers_models
from cxm.management import models as management_models
from cxm.org import models as org_models
from cxm.people import models as people_models
from cxm.store.base import Base
from cxm.surveys import models as surveys_models

__all__ = ["Base", "metadata"]

metadata = Base.metadata
_ = (customers_models, accounts_models, surveys_models, management_models)
_domains = (org_models, audit_models, people_models)
