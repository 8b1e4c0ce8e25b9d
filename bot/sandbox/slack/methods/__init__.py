"""The Web API methods of the loopback Slack, one module per family (mixins of FakeSlack)."""
