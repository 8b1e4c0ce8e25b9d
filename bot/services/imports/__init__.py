"""`okrbot import people|okrs FILE.csv`: CSV validation and upserts."""
