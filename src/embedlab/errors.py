"""The one exception type for problems a user can fix (bad input, bad params, missing data).

Stages print it as a single line and exit non-zero; anything else is a bug and keeps its traceback.
"""


class EmbedlabError(Exception):
    pass
