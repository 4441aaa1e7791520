"""Stage 08's product search on Elasticsearch, with SQL search as the fallback. One module
per job:

    client.py    the Elasticsearch client: short timeouts, failures as SearchUnavailable
    mapping.py   the index's analysis and mapping (English stemming, typos, autocomplete)
    documents.py a Product as the document the index stores
    indexer.py   full reindex into a new index behind an alias; single-document updates
    query.py     SearchRequest / SearchResult and the query body they map to
    searcher.py  run a SearchRequest: ids in order, total, category facets
    health.py    the /readyz check (degraded, not failing: the shop searches in SQL then)

The analyzers come from the analysis plugin in search/analysis-plugin, installed with the
server by scripts/install-elasticsearch.sh; the official Docker image has them built in.
"""
