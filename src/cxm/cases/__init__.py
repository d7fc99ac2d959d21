"""The closed loop: complaint and follow-up cases with one owner, clocks, recovery, and the
follow-up survey that closes the loop (DOMAIN.md §2, §5)."""
