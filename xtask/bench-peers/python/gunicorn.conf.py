"""gunicorn settings of the Python peer: two sync workers, the setup the benchmark compares
with; everything else that affects serving is gunicorn's default. The address comes from `-b`."""

workers = 2
# The runtime control socket (a file in the home folder) is of no use to a benchmark run.
control_socket_disable = True


def when_ready(server):
    """Prints the address once the workers may accept, as the Rust servers do."""
    for listener in server.LISTENERS:
        print(f"listening on {listener}", flush=True)
