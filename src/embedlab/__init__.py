"""embedlab: fast.ai 2017 lesson 4 (MovieLens, Rossmann, IMDB) as DVC pipelines tracked in MLflow."""
