"""The loopback stand-in for Slack: the Web API the real WebClient talks to, and what Slack sends the app."""
