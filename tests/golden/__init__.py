"""Golden outputs: the ``--json`` of the main commands on a fixed-seed demo company."""
