"""The ``docket`` command line: the top layer, wiring the service, the console and the evals."""
