"""Personal data: export, erasure, retention and encrypted identity numbers."""
