# Runs pyftpdlib on 127.0.0.1 for batchd's tests: one virtual user, a served
# root, a passive port range, and optionally explicit TLS. It binds the
# control port itself (port 0), prints "PORT <n>" on stdout, and serves until
# its standard input closes, so it never outlives the test that started it.
import argparse
import logging
import os
import sys
import threading

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--passive", required=True, help="FIRST-LAST")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--require-tls", action="store_true")
    args = p.parse_args()

    # DEBUG logs every command and reply, so tests can see what the client sent.
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    auth = DummyAuthorizer()
    auth.add_user(args.user, args.password, args.root, perm="elr")

    handler = FTPHandler
    if args.cert:
        from pyftpdlib.handlers import TLS_FTPHandler
        handler = TLS_FTPHandler
        handler.certfile = args.cert
        handler.keyfile = args.key
        handler.tls_control_required = args.require_tls
        handler.tls_data_required = args.require_tls
    first, last = (int(x) for x in args.passive.split("-"))
    handler.authorizer = auth
    handler.passive_ports = range(first, last + 1)
    handler.banner = "batchd ftptest ready"
    handler.auth_failed_timeout = 0.05

    server = FTPServer(("127.0.0.1", 0), handler)
    server.max_cons = 64
    print("PORT %d" % server.address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
