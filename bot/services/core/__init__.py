"""What every feature's service shares: the ServiceContext, errors, the outbox, ports and command-text parsing."""
