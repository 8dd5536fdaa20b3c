"""Budget and final-accounts disclosures (部门预算/决算公开) → open data: read → segment → tables →
facts → validate → package → site."""
