"""OKRs: objectives, key results, check-ins and their threads."""
