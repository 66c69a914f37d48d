"""Reading and tokenizing the IMDB reviews (aclImdb) for the language model and classifier."""
