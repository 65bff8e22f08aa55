"""The outlets: their model (model.py) and the registry loader (registry.py). Below spiders, extract and
the application; imports only common."""
