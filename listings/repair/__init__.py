"""Credit repair (SAMR Order 107, NDRC Order 36): the registry of repairable record kinds
(registry.py), the one eligibility rule (rules.py), the services (services.py) and the reads
(selectors.py). listings registers penalties and list entries here (listings/parts.py),
inspections its negative results (inspections/parts.py); credit, the floor, never imports it."""
