"""Slack's limits on messages, Block Kit and views: the one place they are defined.

Pure constants, no imports. The block builders truncate and cap with them, the loopback Slack
(bot/sandbox/slack/blockkit.py) refuses what breaks them, and block tests check builders' output against them.
Numbers as Slack documents them (https://docs.slack.dev/reference/block-kit and the method pages named below).
"""

# Messages (chat.postMessage, chat.update, chat.postEphemeral: https://docs.slack.dev/reference/methods/chat.postMessage)
MAX_MESSAGE_BLOCKS = 50  # blocks in one message
MAX_MESSAGE_TEXT = 40_000  # characters of a message's top-level `text` (longer: msg_too_long)

# Surfaces (https://docs.slack.dev/surfaces/modals, https://docs.slack.dev/surfaces/app-home)
MAX_VIEW_BLOCKS = 100  # blocks in a modal or Home tab
MAX_MODAL_TITLE = 24  # characters of a modal's title, submit and close text
MAX_PRIVATE_METADATA = 3000  # characters of a view's private_metadata
MAX_VIEW_BYTES = 250_000  # a view's JSON (larger: view_too_large)
MAX_MODAL_STACK = 3  # modals open on top of each other (views.push beyond: push_limit_reached)

# Blocks (https://docs.slack.dev/reference/block-kit/blocks)
MAX_SECTION_TEXT = 3000  # section block text
MAX_SECTION_FIELDS = 10  # section block fields
MAX_FIELD_TEXT = 2000  # each section field
MAX_HEADER_TEXT = 150  # header block text
MAX_CONTEXT_ELEMENTS = 10  # elements of a context block
MAX_CONTEXT_TEXT = 2000  # a text element of a context block
MAX_ACTIONS_ELEMENTS = 25  # elements of an actions block
MAX_LABEL = 2000  # input block label
MAX_ID = 255  # action_id, block_id, callback_id, external_id

# Elements and composition objects (https://docs.slack.dev/reference/block-kit/block-elements)
MAX_BUTTON_TEXT = 75  # button text
MAX_BUTTON_VALUE = 2000  # button value
MAX_URL = 3000  # button url
MAX_PLACEHOLDER = 150  # placeholder text of an input element
MAX_OPTIONS = 100  # options of a select menu
MAX_OPTION_TEXT = 75  # text of one option
MAX_OPTION_VALUE = 150  # value of one option
MAX_CHOICE_OPTIONS = 10  # options of checkboxes and radio buttons
OVERFLOW_OPTIONS = (2, 5)  # an overflow menu has 2 to 5 options

# Web API (https://docs.slack.dev/reference/methods/conversations.open, https://docs.slack.dev/interactivity/handling-user-interaction)
MAX_MPIM_USERS = 8  # other people in a group DM opened by conversations.open
MAX_RESPONSE_URL_USES = 5  # posts to one response_url (within 30 minutes)
