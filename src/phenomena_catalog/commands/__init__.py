"""One module per command; ``COMMANDS`` lists them in the order ``--help`` shows them."""

from phenomena_catalog.commands import (
    add,
    build,
    check_links,
    enrich,
    export,
    import_,
    new,
    report,
    schema,
    serve,
    theme,
    validate,
)

COMMANDS = [build, serve, validate, new, add, enrich, check_links, import_, export, report, schema, theme]
