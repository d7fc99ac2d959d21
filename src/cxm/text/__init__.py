"""Text analytics, self-hosted: language, PII masking, segmentation, sentiment, the seven
service faults and four emotions, themes and what they cost."""
