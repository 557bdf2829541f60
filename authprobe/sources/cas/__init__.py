"""CAS: what a ticket validation tells the service (Alma) about the person who logged in.

    response = read_response("validate.xml")        # or "-" for stdin
    response.success, response.user, response.attributes, response.failure_code

See `authprobe.sources.cas.response`.
"""
