"""The customer file: customers, purchases, touchpoints, employees and teams."""
