"""How good is product search? A labelled query set and the scores of any search on it.

queries.yaml  the committed set: queries by class, each with the rule that labels it
labels.py     load the set; a rule -> the relevant products of a seeded catalog
metrics.py    hit rate at k, MRR, precision at k, per query and per class
backends.py   the SQL search the shop had and the Elasticsearch adapter, as functions
compare.py    both on one catalog
cli.py        `shop search eval` (stage08 registers it; `python -m common.relevance`)
"""
